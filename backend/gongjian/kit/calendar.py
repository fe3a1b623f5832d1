"""The community calendar: days, months and years as people in the communities count them
(Asia/Shanghai, UTC+8, no DST), turned into UTC-aware bounds for the stored timestamps.

Every domain that turns a local day into an instant, or an instant into a local day, asks here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from gongjian.models.base import utcnow

LOCAL_ZONE = timezone(timedelta(hours=8), "Asia/Shanghai")
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
