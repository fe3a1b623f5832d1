"""An activity's places and its waiting list: how many are in, who waits where, and moving the
first waiting sign-ups in when places free.

The queue is the sign-ups' id order: every sign-up is inserted under the activity's lock (FOR
UPDATE on PostgreSQL, the write lock at BEGIN on SQLite), so ids are given in the order the server
accepted the sign-ups. Every caller of `promote` holds that same lock, so the places it counts are
the ones committed last and no place is handed out twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gongjian.kit import audit
from gongjian.kit.principal import Principal
from gongjian.models import Activity, ActivitySignup
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction, SignupStatus

SIGNED_UP = ActivitySignup.status == SignupStatus.signed_up.value
WAITING = ActivitySignup.status == SignupStatus.waiting.value


def counts_of(session: Session, activity_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    """{activity id: (signed up, checked in, waiting)} in one query; cancelled sign-ups don't count."""
    if not activity_ids:
        return {}
    rows = session.execute(
        select(
            ActivitySignup.activity_id,
            func.count(case((SIGNED_UP, 1))),
            func.count(case((SIGNED_UP & ActivitySignup.checked_in_at.is_not(None), 1))),
            func.count(case((WAITING, 1))),
        )
        .where(ActivitySignup.activity_id.in_(activity_ids))
        .group_by(ActivitySignup.activity_id)
    ).all()
    return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}


def signed_up_count(session: Session, activity_id: int) -> int:
    return counts_of(session, [activity_id]).get(activity_id, (0, 0, 0))[0]


def positions_of(session: Session, signup_ids: Sequence[int]) -> dict[int, int]:
    """{waiting sign-up id: its place in its activity's queue, from 1} for the given sign-ups, in one
    query (the rank among the waiting sign-ups of the same activity, by id)."""
    if not signup_ids:
        return {}
    activities = select(ActivitySignup.activity_id).where(ActivitySignup.id.in_(signup_ids))
    ranked = (
        select(
            ActivitySignup.id,
            func.row_number().over(partition_by=ActivitySignup.activity_id, order_by=ActivitySignup.id).label("place"),
        )
        .where(WAITING, ActivitySignup.activity_id.in_(activities))
        .subquery()
    )
    rows = session.execute(select(ranked.c.id, ranked.c.place).where(ranked.c.id.in_(signup_ids))).all()
    return {int(row[0]): int(row[1]) for row in rows}


def promote(session: Session, principal: Principal, activity: Activity) -> list[ActivitySignup]:
    """Move the first waiting sign-ups in, as many as there are free places (all of them when the
    activity has no limit). The caller holds the activity's lock."""
    limit = None
    if activity.capacity is not None:
        limit = activity.capacity - signed_up_count(session, activity.id)
        if limit <= 0:
            return []
    stmt = select(ActivitySignup).where(ActivitySignup.activity_id == activity.id, WAITING).order_by(ActivitySignup.id)
    moved = list(session.execute(stmt.limit(limit)).scalars())
    now = utcnow()
    for signup in moved:
        signup.status = SignupStatus.signed_up.value
        signup.promoted_at = now
    session.flush()
    audit.record_many(
        session,
        principal,
        AuditAction.update,
        "activity_signup",
        [(s.id, {"status": [SignupStatus.waiting.value, SignupStatus.signed_up.value]}) for s in moved],
    )
    return moved
