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


SORT_KEY_LENGTH = 255


def name_sort_key(name: str | None) -> str | None:
    """The key a name sorts by: its pinyin with tone numbers, one syllable per character
    (`张三` → `zhang1 san1`), so 阿 < 李 < 王 < 张 as a Chinese reader expects instead of by code
    point. Other characters (Latin letters, digits) stay as they are, lower-cased. Written with the
    name by the models (`sort_key_default`, `keep_sort_key`), indexed where the name was."""
    if name is None:
        return None
    from pypinyin import Style, lazy_pinyin  # a large dictionary: loaded on first use

    return " ".join(lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)).lower()[:SORT_KEY_LENGTH]


def sort_key_default(context: Any) -> str | None:
    """Column default: the key of the row's `name` (Core bulk inserts too, row by row)."""
    return name_sort_key(context.get_current_parameters().get("name"))
