"""Reading evaluations: a period's list, and one evaluation with the evidence of the member's year.

Every read is filtered by `permissions.visible_evaluations` (an evaluation the caller may not see is
404). Reads are pure reads: the member writes keep an open period's evaluations in step
(`syncing.sync_members`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, case, false, func, select
from sqlalchemy.orm import Session, joinedload

from gongjian.db import unit_of_work
from gongjian.evaluation import grading, permissions
from gongjian.evaluation.periods import get_period
from gongjian.evaluation.schemas import (
    EvaluationDetail,
    EvaluationEvidence,
    EvaluationListQuery,
    EvaluationRead,
    EvidenceQuery,
)
from gongjian.kit.calendar import end_of, start_of
from gongjian.kit.pagination import Page, page_of, read_rows
from gongjian.kit.principal import Principal
from gongjian.kit.rows import one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.models import CommunityRecord, Evaluation, EvaluationPeriod, Member, VolunteerRecord, Wish
from gongjian.models.enums import WishStatus
from gongjian.volunteering.records import counted_records as counted_volunteer_records

EVALUATION_LABEL = "考评记录"


def readable_evaluations(principal: Principal) -> Select[Any]:
    return (
        select(Evaluation)
        .join(EvaluationPeriod, EvaluationPeriod.id == Evaluation.period_id)
        .join(Member, Member.id == Evaluation.member_id)
        .options(
            joinedload(Evaluation.member),
            joinedload(Evaluation.unit_org),
            joinedload(Evaluation.community_org),
            joinedload(Evaluation.period),
        )
        .where(permissions.visible_evaluations(principal))
    )


def _evaluation_dict(ev: Evaluation) -> dict[str, Any]:
    period = ev.period
    points = ev.community_points or {}
    return {
        "id": ev.id,
        "period_id": ev.period_id,
        "member": {"id": ev.member.id, "name": ev.member.name},
        "unit_org": {"id": ev.unit_org.id, "name": ev.unit_org.name},
        "community_org": {"id": ev.community_org.id, "name": ev.community_org.name},
        "status": ev.status,
        "community_points": [
            {**c, "points": grading.from_tenths(points.get(c["code"])) if ev.community_points else None}
            for c in period.criteria
        ],
        "community_score": grading.from_tenths(ev.community_score_tenths),
        "community_opinion": ev.community_opinion,
        "community_scored_at": ev.community_scored_at,
        "community_scored_by": ev.community_scored_by_name,
        "unit_score": grading.from_tenths(ev.unit_score_tenths),
        "unit_comment": ev.unit_comment,
        "unit_scored_at": ev.unit_scored_at,
        "unit_scored_by": ev.unit_scored_by_name,
        "final_score": grading.from_tenths(ev.final_score_tenths),
        "grade": ev.grade,
        "vetoed": ev.vetoed,
        "recommended_for_award": ev.recommended,
        "version": ev.version,
    }


def evaluation_read(ev: Evaluation) -> EvaluationRead:
    return EvaluationRead.model_validate(_evaluation_dict(ev))


def list_evaluations(principal: Principal, period_id: int, query: EvaluationListQuery) -> Page[EvaluationRead]:
    """A pure read in a transaction of its own: the member writes keep the evaluations in step
    (syncing.py)."""

    def read(session: Session, period: EvaluationPeriod) -> Page[EvaluationRead]:
        # Built per request: the caller's scope is a subquery of who they see (permissions).
        stmt = readable_evaluations(principal).where(Evaluation.period_id == period.id)
        if query.unit_org_id is not None:
            stmt = stmt.where(Evaluation.unit_org_id == query.unit_org_id)
        if query.community_org_id is not None:
            stmt = stmt.where(Evaluation.community_org_id == query.community_org_id)
        if query.member_id is not None:
            stmt = stmt.where(Evaluation.member_id == query.member_id)
        if query.grade is not None:
            stmt = stmt.where(Evaluation.grade == query.grade.value)
        if query.status is not None:
            stmt = stmt.where(Evaluation.status == query.status.value)
        if query.unscored is not None:
            mine = permissions.unscored_by(principal)
            if query.unscored:
                stmt = stmt.where(mine if mine is not None else false())
            elif mine is not None:
                stmt = stmt.where(~mine)
        columns = {"name": Member.name, "final_score": Evaluation.final_score_tenths, "id": Evaluation.id}
        stmt = apply_sort(stmt, query.sort.value, columns, Evaluation.id)
        rows, total = read_rows(stmt, query, session=session)
        return page_of(EvaluationRead, [_evaluation_dict(ev) for ev in rows], total, query)

    with unit_of_work() as session:
        return read(session, get_period(session, period_id))


def get_evaluation(session: Session, principal: Principal, evaluation_id: int) -> Evaluation:
    stmt = readable_evaluations(principal).where(Evaluation.id == evaluation_id)
    evaluation: Evaluation = one_or_404(session, stmt, EVALUATION_LABEL)
    return evaluation


def _evidence(session: Session, evs: Sequence[Evaluation]) -> dict[int, dict[str, Any]]:
    """What each member did in its evaluation's period, by evaluation id, in one query per kind of
    evidence. Volunteer hours count by the volunteering domain's rule (approved and not superseded
    by an approved correction), for services that ended in the period. All `evs` share a period."""
    if not evs:
        return {}
    period = evs[0].period
    members = sorted({ev.member_id for ev in evs})
    start, end = start_of(period.start_date), end_of(period.end_date)
    hours = {
        row.member_id: (int(row.half_hours), int(row.records))
        for row in session.execute(
            select(
                VolunteerRecord.member_id,
                func.coalesce(func.sum(VolunteerRecord.half_hours), 0).label("half_hours"),
                func.count(VolunteerRecord.id).label("records"),
            )
            .where(
                VolunteerRecord.member_id.in_(members),
                counted_volunteer_records(),
                VolunteerRecord.ended_at >= start,
                VolunteerRecord.ended_at < end,
            )
            .group_by(VolunteerRecord.member_id)
        )
    }
    kinds: dict[int, list[dict[str, Any]]] = {}
    for member_id, kind, n in session.execute(
        select(CommunityRecord.member_id, CommunityRecord.kind, func.count())
        .where(
            CommunityRecord.member_id.in_(members),
            CommunityRecord.occurred_on >= period.start_date,
            CommunityRecord.occurred_on <= period.end_date,
        )
        .group_by(CommunityRecord.member_id, CommunityRecord.kind)
        .order_by(CommunityRecord.member_id, CommunityRecord.kind)
    ):
        kinds.setdefault(member_id, []).append({"kind": kind, "count": int(n)})
    done = (WishStatus.fulfilled.value, WishStatus.closed.value)
    wishes = {
        row.member_id: (int(row.claimed), int(row.fulfilled))
        for row in session.execute(
            select(
                Wish.claimant_member_id.label("member_id"),
                func.count(Wish.id).label("claimed"),
                func.coalesce(func.sum(case((Wish.status.in_(done), 1), else_=0)), 0).label("fulfilled"),
            )
            .where(Wish.claimant_member_id.in_(members), Wish.claimed_at >= start, Wish.claimed_at < end)
            .group_by(Wish.claimant_member_id)
        )
    }
    out: dict[int, dict[str, Any]] = {}
    for ev in evs:
        member = ev.member
        half_hours, record_count = hours.get(member.id, (0, 0))
        claimed, fulfilled = wishes.get(member.id, (0, 0))
        out[ev.id] = {
            "reported_on": member.reported_on,
            "reported_in_period": member.reported_on is not None and member.reported_on <= period.end_date,
            "volunteer_hours": half_hours / 2,
            "volunteer_record_count": record_count,
            "community_records": kinds.get(member.id, []),
            "wishes_claimed": claimed,
            "wishes_fulfilled": fulfilled,
        }
    return out


def evidence_of(principal: Principal, period_id: int, query: EvidenceQuery) -> list[EvaluationEvidence]:
    """The evidence of the named evaluations of one period that the caller may see (the others are
    left out, as the list leaves them out), in the order asked."""
    with unit_of_work(write_lock=False) as session:
        get_period(session, period_id)
        stmt = readable_evaluations(principal).where(
            Evaluation.period_id == period_id, Evaluation.id.in_(sorted(set(query.evaluation_id)))
        )
        evs = list(session.scalars(stmt).unique())
        found = _evidence(session, evs)
        asked = dict.fromkeys(query.evaluation_id)
        return [
            EvaluationEvidence.model_validate({"evaluation_id": i, "evidence": found[i]}) for i in asked if i in found
        ]


def evaluation_detail(session: Session, principal: Principal, evaluation_id: int) -> EvaluationDetail:
    ev = get_evaluation(session, principal, evaluation_id)
    return EvaluationDetail.model_validate({**_evaluation_dict(ev), "evidence": _evidence(session, [ev])[ev.id]})
