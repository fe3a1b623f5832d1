"""Keeping an open period's evaluations in step with its members.

Opening a period creates one evaluation per active in-service member (在职党员 with a unit, not
archived). After that **the writes that change who is eligible keep them in step**, in their own
transaction: creating a member (by hand, by the bulk import, by approving a 报到), changing its
category or unit, archiving or restoring it call `sync_members` with the members written. It
inserts the missing evaluations of those members (`INSERT … SELECT … ON CONFLICT DO NOTHING` over
the unique (period_id, member_id), so concurrent writers can't create duplicates) and removes the
ones nobody has scored yet of those that are no longer active in-service (archived, or moved to
another category); an evaluation with any score entered stays and must be completed. An evaluation
keeps the unit and community the member had when it was created: they decide who scores it and in
which unit's ranking it counts.

So reads of a period's evaluations (list, ranking, export) are pure reads: no probe, no write, the
same for every caller (issue 18: the ranking used to check the whole district's members for
missing evaluations on every GET). Finalizing still runs the whole period's `sync_evaluations`
first, and `ensure_evaluations` does the same on demand: members written outside the app (a bulk
load, SQL by hand) are caught up there.

A member write and a period being opened or finalized can't miss each other (PostgreSQL; SQLite
serialises writers): `sync_members` reads the periods not yet finalized `FOR SHARE`, so it waits
for an opening (which holds the period `FOR UPDATE`) and then sees the period open, or the opening
waits for it and its own sync then sees the member.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, bindparam, delete, exists, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gongjian.db import unit_of_work
from gongjian.models import Evaluation, EvaluationPeriod, Member
from gongjian.models.enums import EvaluationPeriodStatus, EvaluationStatus, MemberCategory, MemberStatus


def _eligible() -> ColumnElement[bool]:
    return and_(
        Member.category == MemberCategory.in_service.value,
        Member.status == MemberStatus.active.value,
        Member.archived_at.is_(None),
        Member.unit_org_id.is_not(None),
    )


def _missing() -> ColumnElement[bool]:
    return exists().where(
        _eligible(), ~exists().where(Evaluation.period_id == bindparam("period_id"), Evaluation.member_id == Member.id)
    )


def _stale() -> ColumnElement[bool]:
    return exists().where(
        Evaluation.period_id == bindparam("period_id"),
        Evaluation.status == EvaluationStatus.pending.value,
        Evaluation.member_id.in_(select(Member.id).where(~_eligible())),
    )


def _sync_needed(session: Session, period_id: int) -> bool:
    """Whether the period is open and has evaluations to create or drop (reads only)."""
    status = session.execute(select(EvaluationPeriod.status).where(EvaluationPeriod.id == period_id)).scalar()
    if status != EvaluationPeriodStatus.open.value:
        return False
    return bool(session.execute(select(or_(_missing(), _stale())), {"period_id": period_id}).scalar())


def ensure_evaluations(period_id: int) -> None:
    """Sync the whole period's evaluations if anything is to be created or dropped, in short
    transactions of its own: the catch-up for members written outside the app (the member writes
    keep them in step themselves, `sync_members`).

    Checks first, in a read transaction, whether anything is to be done; only then syncs, in a
    write-locked one. (On SQLite, a read transaction that starts writing fails with "database is
    locked" when another did the same; the check keeps reads lock-free.)"""
    with unit_of_work() as session:
        needed = _sync_needed(session, period_id)
    if needed:
        with unit_of_work(write_lock=True) as session:
            _sync_locked(session, period_id)


def _sync_locked(session: Session, period_id: int) -> None:
    """Sync under the period's row lock (PostgreSQL; SQLite's write lock is the transaction's)."""
    stmt = select(EvaluationPeriod).where(EvaluationPeriod.id == period_id).with_for_update()
    period = session.execute(stmt).scalar_one_or_none()
    if period is not None:
        sync_evaluations(session, period)


def sync_members(session: Session, member_ids: Collection[int]) -> None:
    """Bring the open periods' evaluations in step with these members, just written in this
    transaction (created, moved to or from in-service, archived, restored)."""
    if not member_ids:
        return
    session.flush()
    periods = session.execute(
        select(EvaluationPeriod.id, EvaluationPeriod.status)
        .where(EvaluationPeriod.status != EvaluationPeriodStatus.finalized.value)
        .with_for_update(read=True)
    ).all()
    for period_id, status in periods:
        if status == EvaluationPeriodStatus.open.value:
            _sync(session, period_id, Member.id.in_(list(member_ids)))


def sync_evaluations(session: Session, period: EvaluationPeriod) -> None:
    """Idempotent: evaluations for eligible members lacking one; drop untouched ones of members who
    left. Only while the period is open."""
    if period.status == EvaluationPeriodStatus.open.value:
        _sync(session, period.id)


def _sync(session: Session, period_id: int, *members: ColumnElement[bool]) -> None:
    """`sync_evaluations` of an open period, for the members `members` selects (all by default)."""
    source = select(literal(period_id), Member.id, Member.unit_org_id, Member.community_org_id).where(
        _eligible(),
        *members,
        ~exists().where(Evaluation.period_id == period_id, Evaluation.member_id == Member.id),
    )
    columns = ["period_id", "member_id", "unit_org_id", "community_org_id"]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(Evaluation) if dialect == "postgresql" else sqlite.insert(Evaluation)
    session.execute(insert.from_select(columns, source).on_conflict_do_nothing())
    gone = select(Member.id).where(~_eligible(), *members)
    session.execute(
        delete(Evaluation)
        .where(
            Evaluation.period_id == period_id,
            Evaluation.status == EvaluationStatus.pending.value,
            Evaluation.member_id.in_(gone),
        )
        .execution_options(synchronize_session=False)
    )
