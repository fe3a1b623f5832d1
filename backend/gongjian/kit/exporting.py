"""A list's rows as an xlsx sheet, "导出" beside the list a report is made from.

The export reads the list through the list's own service call, page by page with the same filters
and sort, so it holds exactly the rows the caller may see in the list (scoping lives in one place)
and in the same order. Bounded: more than `MAX_EXPORT_ROWS` rows is refused; narrow the filters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from gongjian.kit import spreadsheet
from gongjian.kit.calendar import LOCAL_ZONE
from gongjian.kit.errors import ProblemError
from gongjian.kit.pagination import Page
from gongjian.kit.query import MAX_PAGE_SIZE, ListQuery
from gongjian.models.enums import LabelledEnum

MAX_EXPORT_ROWS = 10_000

R = TypeVar("R")


Q = TypeVar("Q", bound=ListQuery)


def every_row(fetch: Callable[[Q], Page[R]], query: Q) -> list[R]:
    rows: list[R] = []
    page = 1
    while True:
        got = fetch(query.model_copy(update={"page": page, "page_size": MAX_PAGE_SIZE}))
        if got.total > MAX_EXPORT_ROWS:
            raise ProblemError(
                422,
                "export_too_large",
                "导出的行数过多",
                f"最多导出 {MAX_EXPORT_ROWS} 行（当前 {got.total} 行），请缩小筛选范围",
            )
        rows.extend(got.items)
        if not got.items or len(rows) >= got.total:
            return rows
        page += 1


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    value: Callable[[Any], Any]


def cell(value: Any) -> Any:
    """A value as people read it in the sheet: enum labels, Beijing wall-clock times, 是/否."""
    if isinstance(value, LabelledEnum):
        return type(value).label_of(str(value))
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def sheet_xlsx(title: str, columns: Sequence[Column], rows: Sequence[Any]) -> bytes:
    sheet = spreadsheet.Sheet(title[:31], widths={i + 1: c.width for i, c in enumerate(columns)})
    sheet.title(title)
    sheet.header(*(c.header for c in columns))
    sheet.rows(([cell(c.value(r)) for c in columns] for r in rows), wrap=True)
    return spreadsheet.xlsx([sheet])
