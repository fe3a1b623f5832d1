"""Field types with the strictness the API promises.

Pydantic's lax mode reads numbers as Unix timestamps for dates and times (`?since=0` would mean
1970). The API takes ISO 8601 text only, and date-times must carry
an offset (README, "Conventions every endpoint follows").

Dates and date-times lie in the years 1900–2999 (`kit.calendar`'s window): no record is outside
it, and the extremes of Python's range overflow when shifted to UTC or to the next day
(`0001-01-01T00:00:00+14:00` is in year 0 in UTC).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

from gongjian.kit.calendar import EARLIEST, LATEST, note_request_offset

_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?([eE][-+]?\d+)?\s*")


def _iso_text_only(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("请使用 ISO 8601 格式，如 2017-03-01 或 2017-03-01T09:00:00+08:00")
    return value


_Day = TypeVar("_Day", date, datetime)


def _in_calendar_window(value: _Day) -> _Day:
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise ValueError(f"日期须在 {EARLIEST.year} 至 {LATEST.year} 年之间")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_text_only), AfterValidator(_in_calendar_window)]


def _noted(value: datetime) -> datetime:
    note_request_offset(value)  # the answer gives its times in the offset the request's own carry
    return value


IsoDateTime = Annotated[
    AwareDatetime, BeforeValidator(_iso_text_only), AfterValidator(_in_calendar_window), AfterValidator(_noted)
]


def business_date_field(act: str) -> Any:
    """An optional business date in a request body (`kit.calendar.business_date` checks it)."""
    return Field(
        default=None,
        description=f"业务日期（{act}日期）：管理员补录以往的纸质记录时填写，不能晚于今天；不填为当天",
    )


# Ids are 32-bit integer keys: anything outside 1 … 2**31 - 1 can't name a row, and is refused as
# input (422) before it reaches the database, where PostgreSQL would overflow.
MAX_ID = 2**31 - 1
ID_BOUNDS: dict[str, Any] = {"ge": 1, "le": MAX_ID}

PathId = Annotated[int, Path(**ID_BOUNDS)]
QueryId = Annotated[int | None, Query(**ID_BOUNDS)]
BodyId = Annotated[int, Field(**ID_BOUNDS)]
