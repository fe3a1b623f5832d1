"""Reading evaluations: a period's list, and one evaluation with the evidence of the member's year.

Every read is filtered by `permissions.visible_evaluations` (an evaluation the caller may not see is
404). A period's list is brought up to date first (`syncing.read_synced`) when the caller may see
its open evaluations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, false, func, select
from sqlalchemy.orm import Session, joinedload

from gongjian.evaluation import grading, permissions
from gongjian.evaluation.periods import get_period
from gongjian.evaluation.schemas import EvaluationDetail, EvaluationListQuery, EvaluationRead
from gongjian.evaluation.syncing import read_synced
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
    """Opens its own transactions: the period's evaluations may be synced before they are read."""

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

    return read_synced(
        period_id,
        permissions.sees_open_evaluations(principal),
        lambda session: get_period(session, period_id),
        read,
    )


def get_evaluation(session: Session, principal: Principal, evaluation_id: int) -> Evaluation:
    stmt = readable_evaluations(principal).where(Evaluation.id == evaluation_id)
    evaluation: Evaluation = one_or_404(session, stmt, EVALUATION_LABEL)
    return evaluation


def _evidence(session: Session, ev: Evaluation) -> dict[str, Any]:
    """What the member did in the period. Volunteer hours count by the volunteering domain's rule
    (approved and not superseded by an approved correction), for services that ended in the period."""
    period, member = ev.period, ev.member
    start, end = start_of(period.start_date), end_of(period.end_date)
    half_hours, record_count = session.execute(
        select(func.coalesce(func.sum(VolunteerRecord.half_hours), 0), func.count(VolunteerRecord.id)).where(
            VolunteerRecord.member_id == member.id,
            counted_volunteer_records(),
            VolunteerRecord.ended_at >= start,
            VolunteerRecord.ended_at < end,
        )
    ).one()
    kinds = session.execute(
        select(CommunityRecord.kind, func.count())
        .where(
            CommunityRecord.member_id == member.id,
            CommunityRecord.occurred_on >= period.start_date,
            CommunityRecord.occurred_on <= period.end_date,
        )
        .group_by(CommunityRecord.kind)
        .order_by(CommunityRecord.kind)
    ).all()
    done = (WishStatus.fulfilled.value, WishStatus.closed.value)
    claimed, fulfilled = session.execute(
        select(
            func.count(Wish.id),
            func.coalesce(func.sum(case((Wish.status.in_(done), 1), else_=0)), 0),
        ).where(Wish.claimant_member_id == member.id, Wish.claimed_at >= start, Wish.claimed_at < end)
    ).one()
    return {
        "reported_on": member.reported_on,
        "reported_in_period": member.reported_on is not None and member.reported_on <= period.end_date,
        "volunteer_hours": int(half_hours) / 2,
        "volunteer_record_count": int(record_count),
        "community_records": [{"kind": kind, "count": int(n)} for kind, n in kinds],
        "wishes_claimed": int(claimed),
        "wishes_fulfilled": int(fulfilled),
    }


def evaluation_detail(session: Session, principal: Principal, evaluation_id: int) -> EvaluationDetail:
    ev = get_evaluation(session, principal, evaluation_id)
    return EvaluationDetail.model_validate({**_evaluation_dict(ev), "evidence": _evidence(session, ev)})
