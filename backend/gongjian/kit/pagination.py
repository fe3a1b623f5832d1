"""The one pagination contract: `?page=&page_size=` in, `{items, total, page, page_size}` out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, Select, bindparam, func, select
from sqlalchemy.orm import Session

from gongjian.db import HotQuery

MAX_PAGE_SIZE = 100
# The paging parameters' bounds and help, shared by `page_params` and `kit.query.ListQuery`.
PAGE_LIMITS: dict[str, Any] = {"ge": 1, "le": 100_000, "description": "页码，从 1 开始"}
PAGE_SIZE_LIMITS: dict[str, Any] = {"ge": 1, "le": MAX_PAGE_SIZE, "description": "每页条数，最多 100"}


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
    page: Annotated[int, Query(**PAGE_LIMITS)] = 1,
    page_size: Annotated[int, Query(**PAGE_SIZE_LIMITS)] = 20,
) -> PageParams:
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


class HotPage:
    """A `paged()` statement for a hot list, run through `HotQuery` (compiled once, raw cursor).

    One round trip for the rows (as plain dicts, the cheapest input for `page_of`) and the total;
    past the last page the total is read on its own.
    """

    def __init__(self, page_stmt: Select[Any]) -> None:
        self.rows = HotQuery(page_stmt)
        self.total = HotQuery(select(list(page_stmt.selected_columns)[-1]))
        self.keys = self.rows.keys[:-1]

    def fetch(self, params: PageParams, binds: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], int]:
        values = {**(binds or {}), "_limit": params.page_size, "_offset": params.offset}
        rows = self.rows.all(**values)
        if not rows:
            total = self.total.first(**values)
            return [], int(total[0]) if total else 0
        keys = self.keys
        return [dict(zip(keys, row, strict=False)) for row in rows], int(rows[0][-1])


def page_of(schema: type[M], rows: list[Any], total: int, params: PageParams) -> Page[M]:
    """Validate a whole page in one pass (dicts, or ORM objects read by attribute)."""
    return Page[schema].model_validate(  # type: ignore[valid-type]
        {"items": rows, "total": total, "page": params.page, "page_size": params.page_size},
        from_attributes=True,
    )
