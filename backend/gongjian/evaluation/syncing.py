"""Keeping an open period's evaluations in step with its members.

Opening a period creates one evaluation per active in-service member (在职党员 with a unit, not
archived). **Members who become in-service while the period is open** get theirs lazily: reads of
the period's evaluations (list, ranking, export) and finalizing first run `sync_evaluations`, an
idempotent `INSERT … SELECT … ON CONFLICT DO NOTHING` over the unique (period_id, member_id), so
concurrent readers can't create duplicates. The same step removes evaluations that nobody has
scored yet of members who are no longer active in-service (archived, or moved to another category);
an evaluation with any score entered stays and must be completed. An evaluation keeps the unit and
community the member had when it was created: they decide who scores it and in which unit's ranking
it counts.

A read syncs only after the caller's permission checks have passed, and only for a caller who may
see the open period's evaluations (`permissions.sees_open_evaluations`). A GET that ends in 403 or
404, or whose caller sees none of it, writes nothing: when a sync is due, the checks, the sync and
the read share one transaction, so a refusal raised anywhere in them — the read's own included (a
unit's ranking refuses a community that has no member in it) — rolls the sync back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, bindparam, delete, exists, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gongjian.db import unit_of_work
from gongjian.models import Evaluation, EvaluationPeriod, Member
from gongjian.models.enums import EvaluationPeriodStatus, EvaluationStatus, MemberCategory, MemberStatus

S = TypeVar("S")
T = TypeVar("T")


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
    """Sync the period's evaluations if anything is to be created or dropped, in short transactions
    of its own. Call it only once the caller's permission is checked.

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


def read_synced(period_id: int, may_sync: bool, checked: Callable[[Session], S], read: Callable[[Session, S], T]) -> T:
    """Answer a read of a period's evaluations, syncing them first when this caller's read should.

    `checked` runs the caller's permission checks (raising 403/404) and returns what `read` needs;
    `may_sync` says whether the caller sees the period's open evaluations. In the usual case,
    nothing to sync, checks and read share one read transaction. Otherwise checks, sync and read
    run again in one write transaction, committed only if the read answers: a caller refused by the
    checks or by the read leaves the sync rolled back."""
    with unit_of_work() as session:
        context = checked(session)
        if not (may_sync and _sync_needed(session, period_id)):
            return read(session, context)
    with unit_of_work(write_lock=True) as session:
        context = checked(session)
        _sync_locked(session, period_id)
        return read(session, context)


def sync_evaluations(session: Session, period: EvaluationPeriod) -> None:
    """Idempotent: evaluations for eligible members lacking one; drop untouched ones of members who
    left. Only while the period is open."""
    if period.status != EvaluationPeriodStatus.open.value:
        return
    source = select(literal(period.id), Member.id, Member.unit_org_id, Member.community_org_id).where(
        _eligible(),
        ~exists().where(Evaluation.period_id == period.id, Evaluation.member_id == Member.id),
    )
    columns = ["period_id", "member_id", "unit_org_id", "community_org_id"]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(Evaluation) if dialect == "postgresql" else sqlite.insert(Evaluation)
    session.execute(insert.from_select(columns, source).on_conflict_do_nothing())
    gone = select(Member.id).where(~_eligible())
    session.execute(
        delete(Evaluation)
        .where(
            Evaluation.period_id == period.id,
            Evaluation.status == EvaluationStatus.pending.value,
            Evaluation.member_id.in_(gone),
        )
        .execution_options(synchronize_session=False)
    )
