from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from gongjian.auth.dependencies import caller
from gongjian.calendar_days import service
from gongjian.calendar_days.schemas import (
    CalendarDayListQuery,
    CalendarDayRead,
    CalendarDayWrite,
    CalendarInfo,
    WorkingDayRead,
)
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import IsoDate

router = DomainRouter(tags=["calendar"])

Reader = Annotated[Principal, caller("calendar:read")]
Writer = Annotated[Principal, caller("calendar:write")]
Day = Annotated[IsoDate, Path(description="日期 YYYY-MM-DD")]


@router.get("/calendar", summary="工作日日历：国家节假日安排收录的年份")
async def calendar_info(principal: Reader) -> CalendarInfo:
    return service.calendar_info()


@router.get("/calendar/days", summary="平台维护的工作日调整列表")
async def list_calendar_days(
    principal: Reader, query: Annotated[CalendarDayListQuery, query_of(CalendarDayListQuery)]
) -> Page[CalendarDayRead]:
    with unit_of_work() as session:
        return service.list_days(session, query)


@router.get("/calendar/days/{day}", summary="某日是否工作日，及其依据")
async def get_calendar_day(day: Day, principal: Reader, response: Response) -> WorkingDayRead:
    with unit_of_work() as session:
        found = service.get_day(session, day)
    if found.entry is not None:
        set_etag(response, found.entry.version)
    return found


@router.put(
    "/calendar/days/{day}",
    summary="设定某日为工作日或休息日（平台管理员，覆盖国家安排）",
    responses={201: {"description": "新增的调整", "model": WorkingDayRead}, **problem_responses(412)},
)
async def put_calendar_day(
    day: Day, body: CalendarDayWrite, principal: Writer, response: Response, if_match: IfMatch = None
) -> WorkingDayRead:
    with unit_of_work() as session:
        found, is_new = service.put_day(session, principal, day, body, if_match)
    assert found.entry is not None
    if is_new:
        created(response, f"/calendar/days/{day.isoformat()}", found.entry.version)
    else:
        set_etag(response, found.entry.version)
    return found


@router.delete(
    "/calendar/days/{day}",
    summary="删除平台的调整，恢复国家安排（平台管理员）",
    status_code=204,
    responses=problem_responses(412),
)
async def delete_calendar_day(day: Day, principal: Writer, if_match: IfMatch = None) -> Response:
    with unit_of_work() as session:
        service.delete_day(session, principal, day, if_match)
    return Response(status_code=204)
