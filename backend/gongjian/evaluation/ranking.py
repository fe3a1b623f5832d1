"""A unit's ranking (单位内排名) and its export, the sheet for the unit's party committee meeting.

Ranks and the 优秀 quota are over the whole unit; the rows are those the caller may see. Before
finalization, grades are computed provisionally with the same rules as finalizing (`grading`). Not
for members (403); to API clients an open period doesn't exist (404).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.db import unit_of_work
from gongjian.evaluation import grading, permissions, spreadsheet
from gongjian.evaluation.evaluations import readable_evaluations
from gongjian.evaluation.periods import PERIOD_LABEL, get_period, scheme_of, vetoed
from gongjian.evaluation.schemas import Ranking
from gongjian.kit.errors import not_found
from gongjian.kit.principal import Principal
from gongjian.kit.rows import one_or_404
from gongjian.models import Evaluation, EvaluationPeriod, Member, Organization
from gongjian.models.enums import EvaluationPeriodStatus

ORG_LABEL = "党组织"


def _checked(
    session: Session, principal: Principal, period_id: int, unit_org_id: int
) -> tuple[EvaluationPeriod, Organization]:
    period = get_period(session, period_id)
    if not permissions.may_read_period_results(principal, period):
        raise not_found(PERIOD_LABEL)
    permissions.require_ranking_reader(principal)
    unit: Organization = one_or_404(session, select(Organization).where(Organization.id == unit_org_id), ORG_LABEL)
    return period, unit


def _rank(session: Session, principal: Principal, period: EvaluationPeriod, unit: Organization) -> dict[str, Any]:
    everyone = session.execute(
        select(Evaluation, Member.reported_on)
        .join(Member, Member.id == Evaluation.member_id)
        .where(Evaluation.period_id == period.id, Evaluation.unit_org_id == unit.id)
    ).all()
    visible_ids = set(
        session.execute(
            readable_evaluations(principal)
            .where(Evaluation.period_id == period.id, Evaluation.unit_org_id == unit.id)
            .with_only_columns(Evaluation.id)
        ).scalars()
    )
    if not visible_ids and not principal.is_admin:
        raise not_found(ORG_LABEL)
    finalized = period.status == EvaluationPeriodStatus.finalized.value
    scored = [
        grading.Scored(
            ev.id,
            ev.final_score_tenths,
            ev.community_score_tenths or 0,
            ev.unit_score_tenths or 0,
            ev.vetoed if finalized else vetoed(period, reported_on),
        )
        for ev, reported_on in everyone
        if ev.final_score_tenths is not None
    ]
    outcomes = grading.grade_unit(scored, scheme_of(period), member_count=len(everyone))
    names = dict(
        session.execute(select(Member.id, Member.name).where(Member.id.in_([ev.member_id for ev, _ in everyone]))).all()
    )
    items: list[dict[str, Any]] = []
    for ev, reported_on in everyone:
        if ev.id not in visible_ids:
            continue
        outcome = outcomes.get(ev.id)
        items.append(
            {
                "rank": outcome.rank if outcome else None,
                "evaluation_id": ev.id,
                "member": {"id": ev.member_id, "name": names[ev.member_id]},
                "final_score": grading.from_tenths(ev.final_score_tenths),
                "community_score": grading.from_tenths(ev.community_score_tenths),
                "unit_score": grading.from_tenths(ev.unit_score_tenths),
                "grade": ev.grade if finalized else (outcome.grade if outcome else None),
                "vetoed": ev.vetoed if finalized else vetoed(period, reported_on),
                "recommended_for_award": ev.recommended if finalized else bool(outcome and outcome.recommended),
                "opinion": ev.community_opinion,
                "unit_comment": ev.unit_comment,
                "points": ev.community_points,
            }
        )
    items.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["member"]["name"], r["evaluation_id"]))
    return {
        "period_id": period.id,
        "period": period,
        "unit_org": {"id": unit.id, "name": unit.name},
        "provisional": not finalized,
        "member_count": len(everyone),
        "excellent_quota": grading.excellent_quota(scheme_of(period), len(everyone)),
        "items": items,
    }


def _ranking(principal: Principal, period_id: int, unit_org_id: int) -> dict[str, Any]:
    """The checks, then the ranking, in one read transaction: a pure read (the member writes keep
    the evaluations in step, syncing.py)."""
    with unit_of_work() as session:
        return _rank(session, principal, *_checked(session, principal, period_id, unit_org_id))


def ranking(principal: Principal, period_id: int, unit_org_id: int) -> Ranking:
    """Opens its own transaction."""
    return Ranking.model_validate(_ranking(principal, period_id, unit_org_id))


def export(principal: Principal, period_id: int, unit_org_id: int) -> tuple[bytes, str]:
    """The ranking as an xlsx sheet, and the file's title (without extension). Blocking: run it in
    the thread pool."""
    data = _ranking(principal, period_id, unit_org_id)
    title = f"{data['period'].name}-{data['unit_org']['name']}-考评结果"
    return spreadsheet.render(data), title
