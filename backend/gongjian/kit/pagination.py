"""The one pagination contract: `?page=&page_size=` in, `{items, total, page, page_size}` out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, Select, bindparam, func, select
from sqlalchemy.orm import Session

MAX_PAGE_SIZE = 100


T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


# Dependencies are coroutines on purpose: FastAPI runs plain `def` dependencies in the thread pool,
# a hop that costs more than the work here.
async def page_params(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000, description="页码，从 1 开始")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数，最多 100")] = 20,
) -> PageParams:
    # Every list's query passes here: its text filters (searches) go to the database, and
    # PostgreSQL text can't hold NUL characters, so one is bad input (422), not a 500.
    for name, value in request.query_params.multi_items():
        if "\x00" in value:
            raise RequestValidationError(
                [{"type": "value_error", "loc": ("query", name), "msg": "文本不能包含空字符", "input": value}]
            )
    return PageParams(page=page, page_size=page_size)


PageQuery = Annotated[PageParams, Depends(page_params)]


def count_of(db: Session | Connection, stmt: Select[Any]) -> int:
    return int(db.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())


def fetch_page(session: Session, stmt: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    """ORM: run `stmt` (filtered and ordered) for one page of entities, and count all it matches."""
    total = count_of(session, stmt)
    if total == 0 or params.offset >= total:
        return [], total
    rows = list(session.execute(stmt.limit(params.page_size).offset(params.offset)).scalars())
    return rows, total


def paged(stmt: Select[Any], total: ColumnElement[int] | None = None) -> Select[Any]:
    """Turn a filtered, ordered Core select into a page query: LIMIT/OFFSET as bind parameters and
    the total as an extra last column (a scalar subquery the database evaluates once).

    Build it once per filter shape (filter *values* as bind parameters) and keep it: constructing
    SQLAlchemy statements costs more than running them. `total` replaces the default count(*) when
    a cheaper exact expression is known.
    """
    count = (
        total
        if total is not None
        else select(func.count()).select_from(stmt.order_by(None).subquery()).scalar_subquery()
    )
    return stmt.add_columns(count.label("_total")).limit(bindparam("_limit")).offset(bindparam("_offset"))


def fetch_rows_page(
    conn: Connection, page_stmt: Select[Any], params: PageParams, binds: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Run a `paged()` statement: one round trip for the rows (as plain dicts, the cheapest input
    for `page_of`) and the total. Past the last page, the total is read on its own."""
    values = {**(binds or {}), "_limit": params.page_size, "_offset": params.offset}
    result = conn.execute(page_stmt, values)
    keys = list(result.keys())[:-1]
    rows = result.all()
    if not rows:
        total_column = list(page_stmt.selected_columns)[-1]
        return [], int(conn.execute(select(total_column), values).scalar_one())
    return [dict(zip(keys, row[:-1], strict=True)) for row in rows], int(rows[0][-1])


def page_of(schema: type[M], rows: list[Any], total: int, params: PageParams) -> Page[M]:
    """Validate a whole page in one pass (dicts, or ORM objects read by attribute)."""
    return Page[schema].model_validate(  # type: ignore[valid-type]
        {"items": rows, "total": total, "page": params.page, "page_size": params.page_size},
        from_attributes=True,
    )
