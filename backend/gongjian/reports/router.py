"""报到 (在职党员进社区双报到): a community's code, reports from phones, and the community's decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.batch import BatchIds, BatchResult, run_each
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import PathId
from gongjian.reports import service
from gongjian.reports.schemas import (
    OwnReportListQuery,
    ReportCodeCommunity,
    ReportCodeRead,
    ReportCodeRotate,
    ReportCreate,
    ReportListQuery,
    ReportRead,
    ReportReject,
    WechatReportCreate,
)

router = DomainRouter(tags=["reports"])

Reader = Annotated[Principal, caller("reports:read")]
Writer = Annotated[Principal, caller("reports:write")]
STATE_PROBLEMS = problem_responses(409, 412)
CodePath = Annotated[str, Path(min_length=1, max_length=32, description="社区报到码（小程序码的 scene）")]


@router.get("/organizations/{org_id}/report-code", summary="社区报到码（生成小程序码用；平台管理员或本社区管理员）")
async def get_report_code(org_id: PathId, principal: Reader) -> ReportCodeRead:
    with unit_of_work() as session:
        return service.get_code(session, principal, org_id)


@router.post(
    "/organizations/{org_id}/report-code/rotate",
    summary="更换社区报到码（旧码随即失效；可设失效时间）",
    responses=problem_responses(409),
)
async def rotate_report_code(org_id: PathId, principal: Writer, body: ReportCodeRotate | None = None) -> ReportCodeRead:
    with unit_of_work(write_lock=True) as session:
        return service.rotate_code(session, principal, org_id, body or ReportCodeRotate())


@router.get(
    "/report-codes/{code}",
    summary="报到码对应的社区及其共建单位（公开，凭报到码；报到表单用）",
    responses=problem_responses(422),
)
async def read_report_code(code: CodePath) -> ReportCodeCommunity:
    with unit_of_work() as session:
        return service.code_community(session, code)


@router.post(
    "/reports",
    summary="党员扫码到社区报到（党员账号）",
    status_code=201,
    responses=problem_responses(409),
)
async def create_report(body: ReportCreate, principal: Writer, response: Response) -> ReportRead:
    with unit_of_work(write_lock=True) as session:
        report = service.submit(session, principal, body)
    created(response, f"/reports/{report.id}", report.version)
    return report


@router.post(
    "/reports/wechat",
    summary="尚未绑定账号的微信用户扫码报到（凭微信登录得到的绑定凭证；社区确认后自动绑定）",
    status_code=201,
    responses=problem_responses(401, 409),
)
async def create_wechat_report(body: WechatReportCreate, response: Response) -> ReportRead:
    with unit_of_work(write_lock=True) as session:
        report = service.submit_by_wechat(session, body)
    # No Location: the WeChat user can't read the report until it is approved and bound.
    response.status_code = 201
    return report


@router.get("/reports", summary="报到申请列表（报到社区的管理员；工作单位管理员只读本单位的）")
async def list_reports(
    principal: Reader, query: Annotated[ReportListQuery, query_of(ReportListQuery)]
) -> Page[ReportRead]:
    with unit_of_work() as session:
        return service.list_reports(session, principal, query)


@router.get("/me/reports", summary="本人的报到申请及其结果（含退回原因）")
async def list_my_reports(
    principal: Reader, query: Annotated[OwnReportListQuery, query_of(OwnReportListQuery)]
) -> Page[ReportRead]:
    with unit_of_work() as session:
        return service.list_own_reports(session, principal, query)


@router.get("/reports/{report_id}", summary="报到申请详情")
async def get_report(report_id: PathId, principal: Reader, response: Response) -> ReportRead:
    with unit_of_work() as session:
        report = service.get_report(session, principal, report_id)
    set_etag(response, report.version)
    return report


@router.post(
    "/reports/{report_id}/approve",
    summary="确认报到：关联同一手机号的党员或新建党员，绑定报到人的账号或微信，并告知工作单位",
    responses=STATE_PROBLEMS,
)
async def approve_report(
    report_id: PathId, principal: Writer, response: Response, if_match: IfMatch = None
) -> ReportRead:
    with unit_of_work(write_lock=True) as session:
        report = service.approve(session, principal, report_id, if_match)
    set_etag(response, report.version)
    return report


@router.post(
    "/reports/batch-approve",
    summary="批量确认报到：每条按单条确认的规则处理，逐条答复（未确认的给出原因）",
)
async def batch_approve_reports(body: BatchIds, principal: Writer) -> BatchResult:
    with unit_of_work(write_lock=True) as session:
        return run_each(session, body.ids, lambda report_id: service.approve(session, principal, report_id, None))


@router.post("/reports/{report_id}/reject", summary="退回报到（须说明原因，报到人可见）", responses=STATE_PROBLEMS)
async def reject_report(
    report_id: PathId, body: ReportReject, principal: Writer, response: Response, if_match: IfMatch = None
) -> ReportRead:
    with unit_of_work(write_lock=True) as session:
        report = service.reject(session, principal, report_id, body, if_match)
    set_etag(response, report.version)
    return report
