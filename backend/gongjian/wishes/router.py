from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response
from starlette.concurrency import run_in_threadpool

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.exporting import Column, every_row, sheet_xlsx
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.spreadsheet import download, file_responses
from gongjian.kit.types import IsoDate, PathId, QueryId
from gongjian.residents.schemas import FollowUpRating
from gongjian.wishes import service
from gongjian.wishes.schemas import (
    WishCancel,
    WishClaim,
    WishClose,
    WishCreate,
    WishFulfil,
    WishListQuery,
    WishRead,
    WishReject,
    WishSummary,
)

router = DomainRouter(tags=["wishes"])

Reader = Annotated[Principal, caller("wishes:read")]
Writer = Annotated[Principal, caller("wishes:write")]
# Residents list, read, post, withdraw and rate their own wishes (wishes/permissions.py).
ResidentReader = Annotated[Principal, caller("wishes:read", residents=True)]
ResidentWriter = Annotated[Principal, caller("wishes:write", residents=True)]
STATE_PROBLEMS = problem_responses(412)


@router.get("/wishes", summary="微心愿列表")
async def list_wishes(
    principal: ResidentReader, query: Annotated[WishListQuery, query_of(WishListQuery)]
) -> Page[WishRead]:
    with unit_of_work() as session:
        return service.list_wishes(session, principal, query)


@router.get(
    "/wishes/export",
    summary="导出微心愿（与列表相同的筛选和排序，姓名按调用者可见的遮挡，xlsx）",
    response_class=Response,
    responses=file_responses("xlsx 文件"),
)
async def export_wishes(principal: Reader, query: Annotated[WishListQuery, query_of(WishListQuery)]) -> Response:
    def work() -> bytes:
        with unit_of_work() as session:
            rows = every_row(lambda q: service.list_wishes(session, principal, q), query)
        columns = [
            Column("编号", 8, lambda w: w.id),
            Column("社区", 16, lambda w: w.community_org.name),
            Column("居民", 10, lambda w: w.resident_name),
            Column("心愿", 36, lambda w: w.content),
            Column("类型", 10, lambda w: w.kind),
            Column("估值（元）", 10, lambda w: w.estimated_value),
            Column("状态", 10, lambda w: w.status),
            Column("认领单位", 20, lambda w: w.claimant_org.name if w.claimant_org else ""),
            Column("认领党员", 10, lambda w: w.claimant_member.name if w.claimant_member else ""),
            Column("登记日期", 12, lambda w: w.registered_on),
        ]
        return sheet_xlsx("微心愿", columns, rows)

    return download(await run_in_threadpool(work), "微心愿.xlsx", "wishes.xlsx")


@router.post("/wishes", summary="登记微心愿（社区代居民登记，或居民本人）", status_code=201)
async def create_wish(body: WishCreate, principal: ResidentWriter, response: Response) -> WishRead:
    with unit_of_work() as session:
        wish = service.create_wish(session, principal, body)
    created(response, f"/wishes/{wish.id}", wish.version)
    return wish


@router.get("/wishes/summary", summary="微心愿统计：登记数、实现数（按月）")
async def wishes_summary(
    principal: Reader,
    community_org_id: QueryId = None,
    since: Annotated[IsoDate | None, Query(description="起始日期（含，按登记、实现的业务日期）")] = None,
    until: Annotated[IsoDate | None, Query(description="截止日期（含，按登记、实现的业务日期）")] = None,
) -> WishSummary:
    with unit_of_work() as session:
        return service.wishes_summary(session, principal, community_org_id=community_org_id, since=since, until=until)


@router.get("/wishes/{wish_id}", summary="微心愿详情")
async def get_wish(wish_id: PathId, principal: ResidentReader, response: Response) -> WishRead:
    with unit_of_work() as session:
        wish = service.get_wish(session, principal, wish_id)
    set_etag(response, wish.version)
    return wish


@router.post("/wishes/{wish_id}/verify", summary="核实心愿（社区）", responses=STATE_PROBLEMS)
async def verify_wish(wish_id: PathId, principal: Writer, response: Response, if_match: IfMatch = None) -> WishRead:
    with unit_of_work(write_lock=True) as session:
        wish = service.verify_wish(session, principal, wish_id, if_match)
    set_etag(response, wish.version)
    return wish


@router.post("/wishes/{wish_id}/reject", summary="不予受理（社区）", responses=STATE_PROBLEMS)
async def reject_wish(
    wish_id: PathId, body: WishReject, principal: Writer, response: Response, if_match: IfMatch = None
) -> WishRead:
    with unit_of_work(write_lock=True) as session:
        wish = service.reject_wish(session, principal, wish_id, body, if_match)
    set_etag(response, wish.version)
    return wish


@router.post("/wishes/{wish_id}/publish", summary="发布心愿，供党员和单位认领（社区）", responses=STATE_PROBLEMS)
async def publish_wish(wish_id: PathId, principal: Writer, response: Response, if_match: IfMatch = None) -> WishRead:
    with unit_of_work(write_lock=True) as session:
        wish = service.publish_wish(session, principal, wish_id, if_match)
    set_etag(response, wish.version)
    return wish


@router.post("/wishes/{wish_id}/claim", summary="认领心愿（党员本人或单位）", responses=STATE_PROBLEMS)
async def claim_wish(
    wish_id: PathId,
    principal: Writer,
    response: Response,
    body: WishClaim | None = None,
    if_match: IfMatch = None,
) -> WishRead:
    with unit_of_work(write_lock=True) as session:
        wish = service.claim_wish(session, principal, wish_id, body or WishClaim(), if_match)
    set_etag(response, wish.version)
    return wish


@router.post("/wishes/{wish_id}/release", summary="放弃认领，心愿回到已发布", responses=STATE_PROBLEMS)
async def release_wish(wish_id: PathId, principal: Writer, response: Response, if_match: IfMatch = None) -> WishRead:
    with unit_of_work(write_lock=True) as session:
        wish = service.release_wish(session, principal, wish_id, if_match)
    set_etag(response, wish.version)
    return wish


@router.post("/wishes/{wish_id}/fulfil", summary="报告心愿已实现（认领人或社区）", responses=STATE_PROBLEMS)
async def fulfil_wish(
    wish_id: PathId, body: WishFulfil, principal: Writer, response: Response, if_match: IfMatch = None
) -> WishRead:
    with unit_of_work(write_lock=True) as session:
        wish = service.fulfil_wish(session, principal, wish_id, body, if_match)
    set_etag(response, wish.version)
    return wish


@router.post("/wishes/{wish_id}/close", summary="回访后办结（社区）", responses=STATE_PROBLEMS)
async def close_wish(
    wish_id: PathId, body: WishClose, principal: Writer, response: Response, if_match: IfMatch = None
) -> WishRead:
    with unit_of_work(write_lock=True) as session:
        wish = service.close_wish(session, principal, wish_id, body, if_match)
    set_etag(response, wish.version)
    return wish


@router.post("/wishes/{wish_id}/cancel", summary="取消心愿（社区；居民本人在被认领前可撤回）", responses=STATE_PROBLEMS)
async def cancel_wish(
    wish_id: PathId,
    principal: ResidentWriter,
    response: Response,
    body: WishCancel | None = None,
    if_match: IfMatch = None,
) -> WishRead:
    with unit_of_work(write_lock=True) as session:
        wish = service.cancel_wish(session, principal, wish_id, body or WishCancel(), if_match)
    set_etag(response, wish.version)
    return wish


@router.post(
    "/wishes/{wish_id}/rate",
    summary="居民评价心愿的办理结果（满意度 1–5，可附评价；实现后、仅一次）",
    responses=problem_responses(409, 412),
)
async def rate_wish(
    wish_id: PathId, body: FollowUpRating, principal: ResidentWriter, response: Response, if_match: IfMatch = None
) -> WishRead:
    with unit_of_work(write_lock=True) as session:
        wish = service.rate_wish(session, principal, wish_id, body, if_match)
    set_etag(response, wish.version)
    return wish
