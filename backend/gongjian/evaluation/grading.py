"""The arithmetic of the two-way evaluation, as pure functions (no database).

- **Final score** = w·community + (1−w)·unit, computed in `Decimal` and rounded to one decimal with
  ROUND_HALF_UP (84.25 → 84.3). Scores are carried as integer tenths everywhere else.
- **Grade** from the thresholds (inclusive lower bounds, whole points): 优秀 ≥ 90, 合格 ≥ 75,
  基本合格 ≥ 60, else 不合格 by default.
- **Veto** (`never_reported`): a member who had not reported to the community by the end of the
  period (no 报到日期, or one after the period) is graded at most 基本合格.
- **Share of 优秀 per unit**: quota = floor(numerator × n / denominator), n = the unit's
  evaluations in the period (everyone, not only those reaching 90). The members graded 优秀 after
  the veto are ordered by final score, then community score, then unit score (all descending). If
  they fit the quota all keep 优秀. Otherwise the first `quota` keep it — except that members tied
  on all three scores with the first member left out (a tie *at the cut*) all lose it, even those
  inside the quota: a tie is never broken by the order of the list. Those who lose 优秀 are graded
  合格. Recommended for award = graded 优秀 after this step.
- **Rank** within the unit by the same three scores; members equal on all three share a rank
  (1, 2, 2, 4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from gongjian.models.enums import EvaluationGrade

TENTH = Decimal("0.1")


def to_tenths(value: float) -> int | None:
    """72.5 → 725; None when the number has more than one decimal."""
    exact = Decimal(str(value))
    if exact != exact.quantize(TENTH):
        return None
    return int(exact * 10)


def from_tenths(tenths: int | None) -> float | None:
    return None if tenths is None else tenths / 10


def final_tenths(weight_milli: int, community_tenths: int, unit_tenths: int) -> int:
    weight = Decimal(weight_milli) / 1000
    final = weight * Decimal(community_tenths) / 10 + (1 - weight) * Decimal(unit_tenths) / 10
    return int(final.quantize(TENTH, rounding=ROUND_HALF_UP) * 10)


@dataclass(frozen=True, slots=True)
class Scheme:
    excellent_min: int
    qualified_min: int
    basically_qualified_min: int
    share_numerator: int
    share_denominator: int


@dataclass(frozen=True, slots=True)
class Scored:
    id: int
    final: int  # tenths
    community: int
    unit: int
    vetoed: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    rank: int
    grade: EvaluationGrade
    recommended: bool


def base_grade(final: int, scheme: Scheme) -> EvaluationGrade:
    if final >= scheme.excellent_min * 10:
        return EvaluationGrade.excellent
    if final >= scheme.qualified_min * 10:
        return EvaluationGrade.qualified
    if final >= scheme.basically_qualified_min * 10:
        return EvaluationGrade.basically_qualified
    return EvaluationGrade.unqualified


def excellent_quota(scheme: Scheme, member_count: int) -> int:
    return scheme.share_numerator * member_count // scheme.share_denominator


def _key(row: Scored) -> tuple[int, int, int]:
    return (row.final, row.community, row.unit)


def grade_unit(rows: Sequence[Scored], scheme: Scheme, member_count: int | None = None) -> dict[int, Outcome]:
    """Grades, award recommendations and ranks for one unit's scored evaluations.

    `member_count` is the unit's number of evaluations (defaults to `len(rows)`; it is larger when
    some evaluations are not scored yet, as in a provisional ranking)."""
    ordered = sorted(rows, key=_key, reverse=True)
    grades: dict[int, EvaluationGrade] = {}
    for row in ordered:
        grade = base_grade(row.final, scheme)
        if row.vetoed and grade in (EvaluationGrade.excellent, EvaluationGrade.qualified):
            grade = EvaluationGrade.basically_qualified
        grades[row.id] = grade

    candidates = [r for r in ordered if grades[r.id] is EvaluationGrade.excellent]
    quota = excellent_quota(scheme, len(rows) if member_count is None else member_count)
    if len(candidates) > quota:
        cut = _key(candidates[quota])
        keep = {r.id for r in candidates[:quota] if _key(r) != cut}
        for r in candidates:
            if r.id not in keep:
                grades[r.id] = EvaluationGrade.qualified

    outcomes: dict[int, Outcome] = {}
    rank = 0
    previous: tuple[int, int, int] | None = None
    for position, row in enumerate(ordered, start=1):
        if _key(row) != previous:
            rank, previous = position, _key(row)
        grade = grades[row.id]
        outcomes[row.id] = Outcome(rank, grade, grade is EvaluationGrade.excellent)
    return outcomes
