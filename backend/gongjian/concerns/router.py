from __future__ import annotations

from typing import Annotated

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from gongjian.auth.dependencies import caller
from gongjian.concerns import service
from gongjian.concerns.schemas import (
    ConcernCancel,
    ConcernCreate,
    ConcernEscalate,
    ConcernListQuery,
    ConcernNote,
    ConcernRead,
    ConcernResolve,
    ConcernSummary,
)
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.exporting import Column, every_row, sheet_xlsx
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.spreadsheet import download, file_responses
from gongjian.kit.types import PathId, QueryId
from gongjian.residents.schemas import FollowUpRating

router = DomainRouter(tags=["concerns"])

Reader = Annotated[Principal, caller("concerns:read")]
Writer = Annotated[Principal, caller("concerns:write")]
# Residents list, read, report, withdraw and rate their own concerns (concerns/permissions.py).
ResidentReader = Annotated[Principal, caller("concerns:read", residents=True)]
ResidentWriter = Annotated[Principal, caller("concerns:write", residents=True)]
STATE_PROBLEMS = problem_responses(412)


@router.get("/concerns", summary="社情民意列表")
async def list_concerns(
    principal: ResidentReader, query: Annotated[ConcernListQuery, query_of(ConcernListQuery)]
) -> Page[ConcernRead]:
    with unit_of_work() as session:
        return service.list_concerns(session, principal, query)


@router.get(
    "/concerns/export",
    summary="导出社情民意（与列表相同的筛选和排序，姓名按调用者可见的遮挡，xlsx）",
    response_class=Response,
    responses=file_responses("xlsx 文件"),
)
async def export_concerns(
    principal: Reader, query: Annotated[ConcernListQuery, query_of(ConcernListQuery)]
) -> Response:
    def work() -> bytes:
        with unit_of_work() as session:
            rows = every_row(lambda q: service.list_concerns(session, principal, q), query)
        columns = [
            Column("编号", 8, lambda c: c.id),
            Column("社区", 16, lambda c: c.community_org.name),
            Column("类别", 10, lambda c: c.category),
            Column("事项", 30, lambda c: c.title),
            Column("地点", 16, lambda c: c.location),
            Column("反映人", 10, lambda c: c.reporter_name),
            Column("反映日期", 12, lambda c: c.reported_on),
            Column("状态", 10, lambda c: c.status),
            Column("办理期限", 12, lambda c: c.due_on or ""),
            Column("逾期", 6, lambda c: c.overdue),
            Column("上报至", 16, lambda c: c.escalated_to or ""),
            Column("解决日期", 12, lambda c: c.resolved_on or ""),
        ]
        return sheet_xlsx("社情民意", columns, rows)

    return download(await run_in_threadpool(work), "社情民意.xlsx", "concerns.xlsx")


@router.get("/concerns/summary", summary="社情民意统计（含未解决且逾期的件数）")
async def concerns_summary(principal: Reader, community_org_id: QueryId = None) -> ConcernSummary:
    with unit_of_work() as session:
        return service.summary(session, principal, community_org_id)


@router.post("/concerns", summary="反映社情民意", status_code=201)
async def create_concern(body: ConcernCreate, principal: ResidentWriter, response: Response) -> ConcernRead:
    with unit_of_work() as session:
        row = service.create_concern(session, principal, body)
    created(response, f"/concerns/{row.id}", row.version)
    return row


@router.get("/concerns/{concern_id}", summary="社情民意详情（含处理反馈）")
async def get_concern(concern_id: PathId, principal: ResidentReader, response: Response) -> ConcernRead:
    with unit_of_work() as session:
        row = service.get_concern(session, principal, concern_id)
    set_etag(response, row.version)
    return row


@router.post("/concerns/{concern_id}/start", summary="开始办理", responses=STATE_PROBLEMS)
async def start_concern(
    concern_id: PathId, body: ConcernNote, principal: Writer, response: Response, if_match: IfMatch = None
) -> ConcernRead:
    with unit_of_work() as session:
        row = service.start_concern(session, principal, concern_id, body.note, if_match)
    set_etag(response, row.version)
    return row


@router.post("/concerns/{concern_id}/escalate", summary="上报协调解决", responses=STATE_PROBLEMS)
async def escalate_concern(
    concern_id: PathId, body: ConcernEscalate, principal: Writer, response: Response, if_match: IfMatch = None
) -> ConcernRead:
    with unit_of_work() as session:
        row = service.escalate_concern(session, principal, concern_id, body, if_match)
    set_etag(response, row.version)
    return row


@router.post("/concerns/{concern_id}/resolve", summary="办结（反馈处理结果）", responses=STATE_PROBLEMS)
async def resolve_concern(
    concern_id: PathId, body: ConcernResolve, principal: Writer, response: Response, if_match: IfMatch = None
) -> ConcernRead:
    with unit_of_work() as session:
        row = service.resolve_concern(session, principal, concern_id, body.note, if_match, resolved_on=body.resolved_on)
    set_etag(response, row.version)
    return row


@router.post(
    "/concerns/{concern_id}/cancel",
    summary="居民撤回本人反映的问题（社区开始办理前）",
    responses=problem_responses(409, 412),
)
async def cancel_concern(
    concern_id: PathId,
    principal: ResidentWriter,
    response: Response,
    body: ConcernCancel | None = None,
    if_match: IfMatch = None,
) -> ConcernRead:
    with unit_of_work() as session:
        row = service.cancel_concern(session, principal, concern_id, body or ConcernCancel(), if_match)
    set_etag(response, row.version)
    return row


@router.post(
    "/concerns/{concern_id}/rate",
    summary="居民评价办理结果（满意度 1–5，可附评价；解决后、仅一次）",
    responses=problem_responses(409, 412),
)
async def rate_concern(
    concern_id: PathId, body: FollowUpRating, principal: ResidentWriter, response: Response, if_match: IfMatch = None
) -> ConcernRead:
    with unit_of_work() as session:
        row = service.rate_concern(session, principal, concern_id, body, if_match)
    set_etag(response, row.version)
    return row
