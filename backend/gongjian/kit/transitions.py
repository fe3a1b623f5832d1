"""State machines: each model's states come with a table of allowed moves, checked here.

A table maps each target state to the states it may be reached from, and is written beside the
model's states in `models/enums.py` (e.g. `CLAIM_MOVES` after `ClaimStatus`). A move the table
doesn't allow is a 409 with the domain's own code and a sentence naming both states in Chinese.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TypeVar

from gongjian.kit.errors import conflict
from gongjian.models.enums import LabelledEnum

S = TypeVar("S", bound=LabelledEnum)


def check_move(
    current: S, target: S, moves: Mapping[S, Collection[S]], code: str, noun: str = "", *, detail: str | None = None
) -> None:
    """Raise 409 `code` unless `moves` allows `current` → `target`.

    The message reads "{noun}当前为“…”，不能改为“…”" with the states' Chinese labels, or `detail`
    where a domain's sentence is older than this format (clients already show it)."""
    if current in moves.get(target, ()):
        return
    raise conflict(code, detail or f"{noun}当前为“{current.label_of(current)}”，不能改为“{target.label_of(target)}”")
