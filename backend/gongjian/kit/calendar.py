"""The community calendar: days, months and years as people in the communities count them
(Asia/Shanghai, UTC+8, no DST), turned into UTC-aware bounds for the stored timestamps; the offset
answers give their times in; business dates; and working days.

Every domain that turns a local day into an instant, or an instant into a local day, asks here.

- **Answers' offset**: times are stored in UTC and answered in the offset the request's own
  date-times carry (`kit.types.IsoDateTime` notes each one), or +08:00 when it sent none or sent
  several different ones. `kit.schemas.OutputModel` applies it to every date-time it answers.
- **Business dates** (业务日期): the day a wish was registered, a claim made, a concern resolved…
  as the community counts it. Each defaults to the local day of the real timestamp beside it; an
  admin entering last year from paper names an earlier one (`business_date`). Reports count by it;
  the audit and the timestamp keep the real time.
- **Working days**: China's official calendar (public holidays and 调休 make-up working days) from
  the `chinesecalendar` package, under the platform's own table (`calendar_days`, kept by platform
  admins) for days the package doesn't know or gets wrong; Monday to Friday for a year neither knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.kit.access import require_admin_role
from gongjian.kit.errors import unprocessable
from gongjian.kit.principal import Principal

# LOCAL_ZONE, the communities' zone, is defined beside the models (their business-date defaults use it).
from gongjian.models.base import LOCAL_ZONE as LOCAL_ZONE
from gongjian.models.base import utcnow
from gongjian.models.calendar import CalendarDay
from gongjian.models.enums import CalendarSource

# Query bounds are clamped to this window: no record lies outside it, and the extremes of `date`
# (0001-01-01, 9999-12-31) would overflow when shifted to UTC or to the next day.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def local_today() -> date:
    return utcnow().astimezone(LOCAL_ZONE).date()


def _clamped(day: date) -> date:
    return min(max(day, EARLIEST), LATEST)


def start_of(day: date) -> datetime:
    return datetime.combine(_clamped(day), time.min, tzinfo=LOCAL_ZONE)


def end_of(day: date) -> datetime:
    """Exclusive: the first instant of the next day."""
    return datetime.combine(_clamped(day) + timedelta(days=1), time.min, tzinfo=LOCAL_ZONE)


def local_date(moment: datetime) -> date:
    """The local calendar day of an instant."""
    return moment.astimezone(LOCAL_ZONE).date()


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A local wall-clock time on `day` (the demo's and the tests' way of writing a moment)."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_ZONE)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January 00:00, next 1 January 00:00) of a local year."""
    return start_of(date(year, 1, 1)), end_of(date(year, 12, 31))


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """`2017-06` → [2017-06-01 00:00 +08:00, 2017-07-01 00:00 +08:00)."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return (
        datetime.combine(first, time.min, tzinfo=LOCAL_ZONE),
        datetime.combine(following, time.min, tzinfo=LOCAL_ZONE),
    )


def local_month(moment: datetime) -> str:
    return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m")


# --- the offset of answers ---------------------------------------------------------------------

# The offset of the date-times this request sent: None while it sent none, `_MIXED` once two differ.
_MIXED = timezone(timedelta(minutes=1), "mixed")
_request_offset: ContextVar[timezone | None] = ContextVar("gongjian_request_offset", default=None)


def note_request_offset(moment: datetime) -> None:
    """Called for every date-time a request sends (body or query), by `kit.types.IsoDateTime`.

    Each request runs in its own task with its own copy of the context, so nothing carries over."""
    offset = moment.utcoffset()
    if offset is None:
        return
    current = _request_offset.get()
    if current is None:
        _request_offset.set(timezone(offset))
    elif current is not _MIXED and current.utcoffset(None) != offset:
        _request_offset.set(_MIXED)


def answer_zone() -> tzinfo:
    """The offset this request's answer gives its times in: the one its own date-times carried, or +08:00."""
    zone = _request_offset.get()
    return LOCAL_ZONE if zone is None or zone is _MIXED else zone


# --- business dates ----------------------------------------------------------------------------

# How far back an admin may date a record: the 1st of January this many years before this year.
BUSINESS_DATE_YEARS_BACK = 10
BUSINESS_DATE_ADMIN_ONLY = "只有管理员可以补录业务日期"


def earliest_business_date(today: date) -> date:
    return date(today.year - BUSINESS_DATE_YEARS_BACK, 1, 1)


def business_date(
    principal: Principal,
    requested: date | None,
    *,
    at: datetime,
    field: str,
    not_before: date | None = None,
    not_before_label: str = "",
) -> date:
    """The business date of a step taken at the real time `at`: the local day of `at`, or the earlier
    day an admin names (never after today, never before `earliest_business_date`, never before the
    business date of the step it follows, `not_before`). Everyone else may only leave it out (403)."""
    # A named day is checked; the default, the real day, needs no check.
    today = local_date(at)
    if requested is None:
        return today
    require_admin_role(principal, BUSINESS_DATE_ADMIN_ONLY)
    if requested > today:
        raise unprocessable("business_date_in_future", "业务日期不能晚于今天", field=field)
    earliest = earliest_business_date(today)
    if requested < earliest:
        raise unprocessable("business_date_too_early", f"业务日期不能早于 {earliest.isoformat()}", field=field)
    if not_before is not None and requested < not_before:
        raise unprocessable(
            "business_date_before_previous_step",
            f"业务日期不能早于{not_before_label}（{not_before.isoformat()}）",
            field=field,
        )
    return requested


# --- working days ------------------------------------------------------------------------------

_HOLIDAY_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
_OFFICIAL_YEARS = (min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year)
WEEKEND = "周末"


@dataclass(frozen=True, slots=True)
class WorkingDay:
    day: date
    is_working_day: bool
    name: str
    source: CalendarSource


def official_years() -> tuple[int, int]:
    """The first and last year the installed `chinesecalendar` knows."""
    return _OFFICIAL_YEARS


def official_day(day: date) -> WorkingDay | None:
    """What the official calendar says of the day; None for a year the package doesn't know."""
    if not _OFFICIAL_YEARS[0] <= day.year <= _OFFICIAL_YEARS[1]:
        return None
    working = chinese_calendar.is_workday(day)
    holiday = chinese_calendar.holidays.get(day)
    makeup = chinese_calendar.workdays.get(day)
    if holiday is not None:
        name = _HOLIDAY_NAMES.get(holiday, holiday)
    elif makeup is not None:
        name = f"{_HOLIDAY_NAMES.get(makeup, makeup)}调休上班"
    else:
        name = "" if working else WEEKEND
    return WorkingDay(day, working, name, CalendarSource.official)


def _weekdays(day: date, source: CalendarSource) -> WorkingDay:
    working = day.weekday() < 5
    return WorkingDay(day, working, "" if working else WEEKEND, source)


@dataclass(frozen=True, slots=True)
class _Table:
    """The platform's entries for a span of days, and the years it has any entry in."""

    days: Mapping[date, CalendarDay]
    years: frozenset[int]


def _table(session: Session, first: date, last: date) -> _Table:
    rows = session.execute(select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last)).scalars()
    days = {row.day: row for row in rows}
    # Only a year the package doesn't know needs asking whether the platform keeps it.
    unknown = [y for y in range(first.year, last.year + 1) if not _OFFICIAL_YEARS[0] <= y <= _OFFICIAL_YEARS[1]]
    years = {
        year
        for year in unknown
        if any(d.year == year for d in days)
        or session.execute(
            select(CalendarDay.id).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        ).first()
        is not None
    }
    return _Table(days, frozenset(years))


def _resolve(day: date, table: _Table) -> WorkingDay:
    """The platform's entry for the day; else the official calendar; else, in a year the platform has
    entered days for (its holidays and make-up days), an ordinary week; else Monday to Friday."""
    entry = table.days.get(day)
    if entry is not None:
        return WorkingDay(day, entry.is_working_day, entry.name, CalendarSource.platform)
    official = official_day(day)
    if official is not None:
        return official
    return _weekdays(day, CalendarSource.platform if day.year in table.years else CalendarSource.weekdays)


def working_day(session: Session, day: date) -> WorkingDay:
    return _resolve(day, _table(session, day, day))


# The order in which a span's sources say which calendar decided it: the least official one wins.
_BASIS_ORDER = (CalendarSource.official, CalendarSource.platform, CalendarSource.weekdays)


def add_working_days(session: Session, day: date, count: int) -> tuple[date, CalendarSource]:
    """The `count`-th working day after `day`, and which calendar decided the days counted: `weekdays`
    if any came from a year nobody knows, else `platform` if any came from the platform's table (or a
    year it keeps), else `official`."""
    basis = CalendarSource.official
    window = max(60, count * 4)
    start = day
    table = _table(session, start, start + timedelta(days=window))
    while count > 0:
        day += timedelta(days=1)
        if day > start + timedelta(days=window):  # a long run of holidays: read further
            start, table = day, _table(session, day, day + timedelta(days=window))
        resolved = _resolve(day, table)
        if _BASIS_ORDER.index(resolved.source) > _BASIS_ORDER.index(basis):
            basis = resolved.source
        if resolved.is_working_day:
            count -= 1
    return day, basis
