"""Field types with the strictness the API promises.

Pydantic's lax mode reads numbers as Unix timestamps for dates and times (`?since=0` would mean
1970). The API takes ISO 8601 text only, and date-times must carry
an offset (README, "Conventions every endpoint follows").
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AwareDatetime, BeforeValidator, Field

_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?([eE][-+]?\d+)?\s*")


def _iso_text_only(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("请使用 ISO 8601 格式，如 2017-03-01 或 2017-03-01T09:00:00+08:00")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_text_only)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_text_only)]


# Ids are 32-bit integer keys: anything outside 1 … 2**31 - 1 can't name a row, and is refused as
# input (422) before it reaches the database, where PostgreSQL would overflow.
MAX_ID = 2**31 - 1
ID_BOUNDS: dict[str, Any] = {"ge": 1, "le": MAX_ID}

PathId = Annotated[int, Path(**ID_BOUNDS)]
QueryId = Annotated[int | None, Query(**ID_BOUNDS)]
BodyId = Annotated[int, Field(**ID_BOUNDS)]
