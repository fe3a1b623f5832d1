"""Sort keys: each list declares a StrEnum of allowed keys (`name`, `-name`, …) as its query model's
`sort` field, validated there and listed in the spec; `apply_sort` turns the chosen key into
ORDER BY with a stable tiebreak."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import InstrumentedAttribute

Sortable = InstrumentedAttribute[Any] | ColumnElement[Any]


def apply_sort(stmt: Select[Any], sort: str, columns: Mapping[str, Sortable], tiebreak: Sortable) -> Select[Any]:
    """`sort` is the key as sent (`-name`), or the query model's StrEnum member itself."""
    descending = sort.startswith("-")
    column = columns[sort.lstrip("-")]
    ordered = column.desc() if descending else column.asc()
    return stmt.order_by(ordered, tiebreak.desc() if descending else tiebreak.asc())


LIKE_ESCAPE = "\\"


def like_pattern(text: str | None) -> str | None:
    """`%text%` for a LIKE with LIKE_ESCAPE, the user's % and _ taken literally."""
    if not text:
        return None
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"
