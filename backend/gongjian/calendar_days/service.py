"""The platform's working-day table (`calendar_days`): platform admins mark days as working days or
days off over the official calendar, for years the `chinesecalendar` package doesn't know yet or
for a change it doesn't have. How a day is decided is `kit.calendar`'s rule; this is the table's
upkeep, audited, and the answer to "what is this day, and why".
"""

from __future__ import annotations

from datetime import date
from importlib.metadata import version
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gongjian.calendar_days.schemas import (
    CalendarDayListQuery,
    CalendarDayRead,
    CalendarDayWrite,
    CalendarInfo,
    OfficialDay,
    WorkingDayRead,
)
from gongjian.kit import audit
from gongjian.kit.access import require_platform_admin
from gongjian.kit.calendar import official_day, official_years, working_day
from gongjian.kit.errors import not_found
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, cached_select, read_page
from gongjian.kit.principal import Principal, set_stamp
from gongjian.kit.sorting import apply_sort
from gongjian.models import CalendarDay
from gongjian.models.enums import AuditAction

LABEL = "日历调整"
ENTITY = "calendar_day"
FIELDS = ("day", "is_working_day", "name")
ONLY_PLATFORM_ADMINS = "只有平台管理员可以维护工作日日历"


def calendar_info() -> CalendarInfo:
    first, last = official_years()
    return CalendarInfo(
        official_first_year=first, official_last_year=last, package=f"chinesecalendar {version('chinesecalendar')}"
    )


def list_days(session: Session, query: CalendarDayListQuery) -> Page[CalendarDayRead]:
    return read_page(_days_matching(query), query, CalendarDayRead, session=session)


@cached_select()
def _days_matching(query: CalendarDayListQuery) -> Select[Any]:
    stmt = select(CalendarDay)
    if query.year is not None:
        stmt = stmt.where(CalendarDay.day >= date(query.year, 1, 1), CalendarDay.day <= date(query.year, 12, 31))
    if query.is_working_day is not None:
        stmt = stmt.where(CalendarDay.is_working_day == query.is_working_day)
    return apply_sort(stmt, query.sort.value, {"day": CalendarDay.day}, CalendarDay.id)


def _entry(session: Session, day: date, *, lock: bool = False) -> CalendarDay | None:
    stmt = select(CalendarDay).where(CalendarDay.day == day)
    return session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()


def get_day(session: Session, day: date) -> WorkingDayRead:
    resolved = working_day(session, day)
    official = official_day(day)
    entry = _entry(session, day)
    return WorkingDayRead(
        day=day,
        is_working_day=resolved.is_working_day,
        name=resolved.name,
        source=resolved.source,
        official=None if official is None else OfficialDay(is_working_day=official.is_working_day, name=official.name),
        entry=None if entry is None else CalendarDayRead.model_validate(entry),
    )


def put_day(
    session: Session, principal: Principal, day: date, data: CalendarDayWrite, if_match: str | None
) -> tuple[WorkingDayRead, bool]:
    """Mark the day (a new entry, or a change of the existing one); whether it was created."""
    require_platform_admin(principal, ONLY_PLATFORM_ADMINS)
    entry = _entry(session, day, lock=True)
    if entry is None:
        entry = CalendarDay(day=day, is_working_day=data.is_working_day, name=data.name)
        set_stamp(entry, "updated", principal)
        session.add(entry)
        session.flush()
        audit.record(session, principal, AuditAction.create, ENTITY, entry.id, audit.snapshot(entry, FIELDS))
        return get_day(session, day), True
    check_if_match(if_match, entry.version)
    before = audit.snapshot(entry, FIELDS)
    entry.is_working_day, entry.name = data.is_working_day, data.name
    if audit.snapshot(entry, FIELDS) != before:
        set_stamp(entry, "updated", principal)
    audit.finish_update(session, principal, ENTITY, entry, before, FIELDS)
    return get_day(session, day), False


def delete_day(session: Session, principal: Principal, day: date, if_match: str | None) -> None:
    """Remove the platform's entry: the day is what the official calendar (or the week) says again."""
    require_platform_admin(principal, ONLY_PLATFORM_ADMINS)
    entry = _entry(session, day, lock=True)
    if entry is None:
        raise not_found(LABEL)
    check_if_match(if_match, entry.version)
    audit.record(session, principal, AuditAction.delete, ENTITY, entry.id, audit.snapshot(entry, FIELDS))
    session.delete(entry)
    session.flush()
