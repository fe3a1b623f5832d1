from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.evaluation import evaluations, periods, permissions, ranking, scores
from gongjian.evaluation.schemas import (
    CommunityScoreInput,
    EvaluationAction,
    EvaluationDetail,
    EvaluationEvidence,
    EvaluationListQuery,
    EvaluationRead,
    EvidenceQuery,
    ExportFormat,
    PeriodCreate,
    PeriodListQuery,
    PeriodRead,
    PeriodReopen,
    PeriodUpdate,
    Ranking,
    UnitScoreInput,
)
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.heavy import run_heavy
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.spreadsheet import download, file_responses
from gongjian.kit.types import ID_BOUNDS, PathId
from gongjian.models.enums import EvaluationPeriodStatus

router = DomainRouter(tags=["evaluation"])

Reader = Annotated[Principal, caller("evaluations:read")]
Writer = Annotated[Principal, caller("evaluations:write")]
UnitOrgId = Annotated[int, Query(**ID_BOUNDS, description="驻区单位")]

_XLSX_RESPONSE = file_responses("xlsx 文件")


def _with_actions(principal: Principal, period_status: str, *rows: EvaluationRead) -> None:
    """Says on each row what the caller may do to it (the rules the score endpoints enforce)."""
    for row in rows:
        allowed = permissions.allowed_actions(principal, period_status, row.community_org.id, row.unit_org.id)
        row.allowed_actions = [EvaluationAction(a) for a in allowed]


@router.get("/evaluation-periods", summary="考评周期列表")
async def list_evaluation_periods(
    principal: Reader, query: Annotated[PeriodListQuery, query_of(PeriodListQuery)]
) -> Page[PeriodRead]:
    with unit_of_work() as session:
        return periods.list_periods(session, principal, query)


@router.post("/evaluation-periods", summary="新建考评周期（平台管理员；未给出的方案项取默认方案）", status_code=201)
async def create_evaluation_period(body: PeriodCreate, principal: Writer, response: Response) -> PeriodRead:
    with unit_of_work() as session:
        period = periods.create_period(session, principal, body)
        created(response, f"/evaluation-periods/{period.id}", period.version)
        return period


@router.get("/evaluation-periods/{period_id}", summary="考评周期详情")
async def get_evaluation_period(period_id: PathId, principal: Reader, response: Response) -> PeriodRead:
    with unit_of_work() as session:
        period = periods.read_period(session, principal, period_id)
        set_etag(response, period.version)
        return period


@router.patch("/evaluation-periods/{period_id}", summary="修改考评周期与方案", responses=problem_responses(412))
async def update_evaluation_period(
    period_id: PathId, body: PeriodUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> PeriodRead:
    with unit_of_work(write_lock=True) as session:
        period = periods.update_period(session, principal, period_id, body, if_match)
        set_etag(response, period.version)
        return period


@router.post(
    "/evaluation-periods/{period_id}/open",
    summary="开始考评（为在职党员生成考评记录）",
    responses=problem_responses(412),
)
async def open_evaluation_period(
    period_id: PathId, principal: Writer, response: Response, if_match: IfMatch = None
) -> PeriodRead:
    with unit_of_work(write_lock=True) as session:
        period = periods.open_period(session, principal, period_id, if_match)
        set_etag(response, period.version)
        return period


@router.post(
    "/evaluation-periods/{period_id}/finalize",
    summary="定档：评定等级、应用否决规则和优秀比例并锁定",
    responses=problem_responses(412),
)
async def finalize_evaluation_period(
    period_id: PathId, principal: Writer, response: Response, if_match: IfMatch = None
) -> PeriodRead:
    with unit_of_work(write_lock=True) as session:
        period = periods.finalize_period(session, principal, period_id, if_match)
        set_etag(response, period.version)
        return period


@router.post(
    "/evaluation-periods/{period_id}/reopen",
    summary="重新开放已定档的考评周期（平台管理员，须说明理由）",
    responses=problem_responses(412),
)
async def reopen_evaluation_period(
    period_id: PathId, body: PeriodReopen, principal: Writer, response: Response, if_match: IfMatch = None
) -> PeriodRead:
    with unit_of_work(write_lock=True) as session:
        period = periods.reopen_period(session, principal, period_id, body, if_match)
        set_etag(response, period.version)
        return period


@router.get("/evaluation-periods/{period_id}/evaluations", summary="考评记录列表")
async def list_evaluations(
    period_id: PathId, principal: Reader, query: Annotated[EvaluationListQuery, query_of(EvaluationListQuery)]
) -> Page[EvaluationRead]:
    page = evaluations.list_evaluations(principal, period_id, query)
    with unit_of_work() as session:
        status = periods.get_period(session, period_id).status
    _with_actions(principal, status, *page.items)
    return page


@router.get(
    "/evaluation-periods/{period_id}/evidence",
    summary="多条考评记录的表现依据（评分表格用：时长、社区表现记录、微心愿）",
)
async def list_evaluation_evidence(
    period_id: PathId, principal: Reader, query: Annotated[EvidenceQuery, query_of(EvidenceQuery)]
) -> list[EvaluationEvidence]:
    return evaluations.evidence_of(principal, period_id, query)


@router.get("/evaluation-periods/{period_id}/ranking", summary="单位内排名与评优推荐")
async def get_evaluation_ranking(period_id: PathId, unit_org_id: UnitOrgId, principal: Reader) -> Ranking:
    return await run_heavy(ranking.ranking, principal, period_id, unit_org_id)  # a whole unit ranked: kit.heavy


@router.get(
    "/evaluation-periods/{period_id}/export",
    summary="导出单位考评结果（含社区意见，xlsx）",
    response_class=Response,
    responses=_XLSX_RESPONSE,
)
async def export_evaluations(
    period_id: PathId, unit_org_id: UnitOrgId, principal: Reader, format: ExportFormat = ExportFormat.xlsx
) -> Response:
    content, title = await run_heavy(ranking.export, principal, period_id, unit_org_id)
    return download(content, f"{title}.xlsx", "evaluations.xlsx")


@router.get("/evaluations/{evaluation_id}", summary="考评记录详情（含考评期内的表现依据）")
async def get_evaluation(evaluation_id: PathId, principal: Reader, response: Response) -> EvaluationDetail:
    with unit_of_work() as session:
        detail = evaluations.evaluation_detail(session, principal, evaluation_id)
        _with_actions(principal, periods.get_period(session, detail.period_id).status, detail)
        set_etag(response, detail.version)
        return detail


@router.put(
    "/evaluations/{evaluation_id}/community-score",
    summary="社区评分（该党员报到社区的管理员）",
    responses=problem_responses(412),
)
async def put_community_score(
    evaluation_id: PathId, body: CommunityScoreInput, principal: Writer, response: Response, if_match: IfMatch = None
) -> EvaluationRead:
    with unit_of_work(write_lock=True) as session:
        ev = scores.set_community_score(session, principal, evaluation_id, body, if_match)
        # Scored, so the period is not finalized.
        _with_actions(principal, EvaluationPeriodStatus.open.value, ev)
        set_etag(response, ev.version)
        return ev


@router.put(
    "/evaluations/{evaluation_id}/unit-score",
    summary="单位评分（该党员所在单位的管理员）",
    responses=problem_responses(412),
)
async def put_unit_score(
    evaluation_id: PathId, body: UnitScoreInput, principal: Writer, response: Response, if_match: IfMatch = None
) -> EvaluationRead:
    with unit_of_work(write_lock=True) as session:
        ev = scores.set_unit_score(session, principal, evaluation_id, body, if_match)
        # Scored, so the period is not finalized.
        _with_actions(principal, EvaluationPeriodStatus.open.value, ev)
        set_etag(response, ev.version)
        return ev
