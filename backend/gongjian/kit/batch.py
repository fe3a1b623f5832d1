"""Batch actions: one request names a bounded list of rows, and each is handled as if alone.

Each id runs the same service call (so the same permission rule and state checks) as the single
action, inside its own savepoint: one refused id leaves the others done, and the answer says, id by
id, what happened — a desk approving 30 records sees which 2 were not its to approve, and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import Field, field_validator
from sqlalchemy.orm import Session

from gongjian.kit.errors import Problem, ProblemError
from gongjian.kit.schemas import InputModel, OutputModel
from gongjian.kit.types import BodyId

MAX_BATCH = 100


class BatchIds(InputModel):
    ids: Annotated[
        list[BodyId], Field(min_length=1, max_length=MAX_BATCH, description=f"1–{MAX_BATCH} 个编号，不得重复")
    ]

    @field_validator("ids")
    @classmethod
    def _distinct(cls, ids: list[int]) -> list[int]:
        # The same id twice would be answered twice, the second time as "already approved".
        if len(set(ids)) != len(ids):
            raise ValueError("编号不得重复")
        return ids


class BatchItem(OutputModel):
    id: int
    ok: bool = Field(description="该编号是否已办成")
    problem: Problem | None = Field(default=None, description="未办成的原因（与单条操作的错误相同）")


class BatchResult(OutputModel):
    items: list[BatchItem]
    succeeded: int
    failed: int


def run_each(session: Session, ids: list[int], act: Callable[[int], object]) -> BatchResult:
    items: list[BatchItem] = []
    for item_id in ids:
        try:
            with session.begin_nested():
                act(item_id)
        except ProblemError as exc:
            problem = Problem(
                type=f"urn:gongjian:problem:{exc.code}",
                title=exc.title,
                status=exc.status,
                detail=exc.detail,
                code=exc.code,
                errors=exc.errors,
            )
            items.append(BatchItem(id=item_id, ok=False, problem=problem))
        else:
            items.append(BatchItem(id=item_id, ok=True))
    ok = sum(1 for i in items if i.ok)
    return BatchResult(items=items, succeeded=ok, failed=len(items) - ok)
