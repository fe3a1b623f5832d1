from __future__ import annotations

from typing import Annotated

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from gongjian.activities import service, signups
from gongjian.activities.schemas import (
    ActivityCreate,
    ActivityListQuery,
    ActivityRead,
    ActivityUpdate,
    AttendanceUpdate,
    CheckInBody,
    CheckInCode,
    SignupCreate,
    SignupListQuery,
    SignupRead,
)
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
from gongjian.kit.types import PathId
from gongjian.models.enums import ActivityStatus

router = DomainRouter(tags=["activities"])

Reader = Annotated[Principal, caller("activities:read")]
Writer = Annotated[Principal, caller("activities:write")]


@router.get("/activities", summary="活动列表")
async def list_activities(
    principal: Reader, query: Annotated[ActivityListQuery, query_of(ActivityListQuery)]
) -> Page[ActivityRead]:
    with unit_of_work() as session:
        return service.list_activities(session, principal, query)


@router.get(
    "/activities/export",
    summary="导出活动（与列表相同的筛选和排序，xlsx）",
    response_class=Response,
    responses=file_responses("xlsx 文件"),
)
async def export_activities(
    principal: Reader, query: Annotated[ActivityListQuery, query_of(ActivityListQuery)]
) -> Response:
    def work() -> bytes:
        with unit_of_work() as session:
            rows = every_row(lambda q: service.list_activities(session, principal, q), query)
        columns = [
            Column("活动", 30, lambda a: a.title),
            Column("类型", 12, lambda a: a.kind),
            Column("社区", 16, lambda a: a.community_org.name),
            Column("组织单位", 20, lambda a: a.organizer_org.name),
            Column("开始", 17, lambda a: a.starts_at),
            Column("结束", 17, lambda a: a.ends_at),
            Column("地点", 20, lambda a: a.location),
            Column("状态", 8, lambda a: a.status),
            Column("报名", 6, lambda a: a.signup_count),
            Column("签到", 6, lambda a: a.checked_in_count),
            Column("参与人次", 8, lambda a: a.participant_count),
        ]
        return sheet_xlsx("活动", columns, rows)

    return download(await run_in_threadpool(work), "活动.xlsx", "activities.xlsx")


@router.post("/activities", summary="发布活动（平台或党组织管理员）", status_code=201)
async def create_activity(body: ActivityCreate, principal: Writer, response: Response) -> ActivityRead:
    with unit_of_work() as session:
        activity = service.create_activity(session, principal, body)
    created(response, f"/activities/{activity.id}", activity.version)
    return activity


@router.get("/activities/{activity_id}", summary="活动详情（含报名数、签到数与参与人次）")
async def get_activity(activity_id: PathId, principal: Reader, response: Response) -> ActivityRead:
    with unit_of_work() as session:
        activity = service.get_activity(session, principal, activity_id)
    set_etag(response, activity.version)
    return activity


@router.patch("/activities/{activity_id}", summary="修改活动（含未注册参与人数）", responses=problem_responses(412))
async def update_activity(
    activity_id: PathId, body: ActivityUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> ActivityRead:
    # The write lock: a capacity change counts places and moves the waiting list (SQLite's lock).
    with unit_of_work(write_lock=True) as session:
        activity = service.update_activity(session, principal, activity_id, body, if_match)
    set_etag(response, activity.version)
    return activity


async def _transition(
    activity_id: int, principal: Principal, response: Response, target: ActivityStatus
) -> ActivityRead:
    with unit_of_work() as session:
        activity = service.transition(session, principal, activity_id, target)
    set_etag(response, activity.version)
    return activity


@router.post("/activities/{activity_id}/open", summary="开放报名（筹备中 → 报名中）")
async def open_activity(activity_id: PathId, principal: Writer, response: Response) -> ActivityRead:
    return await _transition(activity_id, principal, response, ActivityStatus.open)


@router.post("/activities/{activity_id}/finish", summary="结束活动")
async def finish_activity(activity_id: PathId, principal: Writer, response: Response) -> ActivityRead:
    return await _transition(activity_id, principal, response, ActivityStatus.finished)


@router.post("/activities/{activity_id}/cancel", summary="取消活动")
async def cancel_activity(activity_id: PathId, principal: Writer, response: Response) -> ActivityRead:
    return await _transition(activity_id, principal, response, ActivityStatus.cancelled)


@router.get("/activities/{activity_id}/check-in-code", summary="取得活动签到码（组织者），活动结束 1 小时后失效")
async def get_check_in_code(activity_id: PathId, principal: Writer) -> CheckInCode:
    with unit_of_work() as session:
        return service.check_in_code(session, principal, activity_id)


@router.post(
    "/activities/{activity_id}/signups",
    summary="报名（党员本人，或管理员为本组织党员）；名额已满时进入候补名单",
    status_code=201,
)
async def create_signup(activity_id: PathId, body: SignupCreate, principal: Writer) -> SignupRead:
    with unit_of_work(write_lock=True) as session:
        return signups.sign_up(session, principal, activity_id, body)


@router.delete(
    "/activities/{activity_id}/signups/{signup_id}",
    summary="取消报名（活动开始前；本人，或管理员为其可见的报名）；空出的名额给候补名单的第一位",
)
async def cancel_signup(activity_id: PathId, signup_id: PathId, principal: Writer) -> SignupRead:
    with unit_of_work(write_lock=True) as session:
        return signups.cancel_signup(session, principal, activity_id, signup_id)


@router.get("/activities/{activity_id}/signups", summary="报名、候补与考勤名单（按报名先后）")
async def list_signups(
    activity_id: PathId, principal: Reader, query: Annotated[SignupListQuery, query_of(SignupListQuery)]
) -> Page[SignupRead]:
    with unit_of_work() as session:
        return signups.list_signups(session, principal, activity_id, query)


@router.post("/activities/{activity_id}/check-in", summary="扫码签到（党员本人）")
async def check_in(activity_id: PathId, body: CheckInBody, principal: Writer) -> SignupRead:
    with unit_of_work() as session:
        return signups.check_in(session, principal, activity_id, body.code)


@router.post("/activities/{activity_id}/check-out", summary="扫码签退（党员本人）")
async def check_out(activity_id: PathId, body: CheckInBody, principal: Writer) -> SignupRead:
    with unit_of_work() as session:
        return signups.check_out(session, principal, activity_id, body.code)


@router.put("/activities/{activity_id}/signups/{signup_id}/attendance", summary="手工登记签到、签退时间（管理员）")
async def mark_attendance(
    activity_id: PathId, signup_id: PathId, body: AttendanceUpdate, principal: Writer
) -> SignupRead:
    with unit_of_work() as session:
        return signups.mark_attendance(session, principal, activity_id, signup_id, body)
