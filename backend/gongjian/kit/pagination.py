"""The one pagination contract: `?page=&page_size=` in, `{items, total, page, page_size}` out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
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
    page: Annotated[int, Query(ge=1, le=100_000, description="页码，从 1 开始")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数，最多 100")] = 20,
) -> PageParams:
    return PageParams(page=page, page_size=page_size)


PageQuery = Annotated[PageParams, Depends(page_params)]


def fetch_page(session: Session, stmt: Select[Any], params: PageParams) -> tuple[list[Any], int]:
    """Run `stmt` (already filtered and ordered) for one page, and count all rows it matches."""
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    if total == 0 or params.offset >= total:
        return [], total
    rows = list(session.execute(stmt.limit(params.page_size).offset(params.offset)).scalars())
    return rows, total


def page_of(schema: type[M], rows: list[Any], total: int, params: PageParams) -> Page[M]:
    return Page[schema](  # type: ignore[valid-type]
        items=[schema.model_validate(row) for row in rows],
        total=total,
        page=params.page,
        page_size=params.page_size,
    )
