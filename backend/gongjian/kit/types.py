"""Field types with the strictness the API promises.

Pydantic's lax mode reads numbers as Unix timestamps for dates and times (`?since=0` would mean
1970). The API takes ISO 8601 text only, and date-times must carry an offset (DESIGN.md).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator

_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?([eE][-+]?\d+)?\s*")


def _iso_text_only(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("请使用 ISO 8601 格式，如 2017-03-01 或 2017-03-01T09:00:00+08:00")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_text_only)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_text_only)]
