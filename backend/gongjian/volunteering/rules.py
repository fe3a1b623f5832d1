"""The arithmetic of the national rules, kept apart so each rule is one small function.

- Hours go in half-hour steps, rounded *down* (1 h 29 min → 1 h; 1 h 30 min → 1.5 h): a record
  never claims more than was served.
- A record is due within 10 working days after the service ends (志愿服务记录与证明出具办法).
  Working days here are Monday to Friday of the local calendar (`kit.calendar`); official holidays
  and make-up working days (调休) are not modelled, so around holidays the deadline comes a little
  early and more records are flagged.
- Star levels (星级志愿者) by approved hours: 1–5 stars from 100 / 300 / 600 / 1000 / 1500 hours.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from gongjian.kit.calendar import local_date

ENTRY_WORKING_DAYS = 10
STAR_THRESHOLDS_HOURS = (100, 300, 600, 1000, 1500)


def half_hours_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 1800))


def half_hours_of(hours: float) -> int:
    return math.floor(hours * 2 + 1e-9)


def add_working_days(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def entry_deadline(service_ended_at: datetime) -> date:
    return add_working_days(local_date(service_ended_at), ENTRY_WORKING_DAYS)


def stars_for(half_hours: int) -> int:
    return sum(1 for threshold in STAR_THRESHOLDS_HOURS if half_hours >= threshold * 2)
