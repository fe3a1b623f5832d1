"""The arithmetic of the national rules, kept apart so each rule is one small function.

- Hours go in half-hour steps, rounded *down* (1 h 29 min → 1 h; 1 h 30 min → 1.5 h): a record
  never claims more than was served.
- A record is due within 10 working days after the service ends (志愿服务记录与证明出具办法).
  Working days are China's official calendar, holidays and 调休 make-up working days included, with
  the platform's own table over it (`kit.calendar.add_working_days`); the record keeps which
  calendar decided its deadline.
- Star levels (星级志愿者) by approved hours: 1–5 stars from 100 / 300 / 600 / 1000 / 1500 hours.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from sqlalchemy.orm import Session

from gongjian.kit.calendar import add_working_days, local_date
from gongjian.models.enums import CalendarSource

ENTRY_WORKING_DAYS = 10
STAR_THRESHOLDS_HOURS = (100, 300, 600, 1000, 1500)


def half_hours_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 1800))


def half_hours_of(hours: float) -> int:
    return math.floor(hours * 2 + 1e-9)


def entry_deadline(session: Session, service_ended_at: datetime) -> tuple[date, CalendarSource]:
    """The last day to enter a record of a service that ended then, and the calendar that decided it."""
    return add_working_days(session, local_date(service_ended_at), ENTRY_WORKING_DAYS)


def stars_for(half_hours: int) -> int:
    return sum(1 for threshold in STAR_THRESHOLDS_HOURS if half_hours >= threshold * 2)
