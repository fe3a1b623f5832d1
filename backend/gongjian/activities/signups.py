"""Sign-ups and attendance: members sign up (or an admin signs them up), cancel before the start,
check in and out with the activity's code, and an activity's managers may set the times by hand.

A sign-up at a full activity waits on its waiting list (unless the caller asked for `waitlist=false`:
then it is refused as before). Signing up and cancelling run under the activity's row lock, so the
capacity holds and the waiting list moves up in order however many members act at once (waitlist).
A cancelled sign-up stays as history; signing up again is a new sign-up at the end of the queue.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.activities import codes, waitlist
from gongjian.activities.actions import (
    attendance_refusal,
    cancel_refusal,
    check_in_refusal,
    check_out_refusal,
    sign_up_refusal,
    signup_actions,
)
from gongjian.activities.permissions import audience_refusal, require_manager, signup_scope
from gongjian.activities.schemas import AttendanceUpdate, SignupCreate, SignupListQuery, SignupRead
from gongjian.activities.service import activity_row
from gongjian.kit import audit
from gongjian.kit.errors import conflict, forbidden, unprocessable
from gongjian.kit.pagination import Page, page_of, read_rows
from gongjian.kit.principal import Principal, set_stamp, stamp
from gongjian.kit.rows import one_or_404
from gongjian.kit.transitions import check_move
from gongjian.members.permissions import named_member, own_member, require_own_member
from gongjian.models import Activity, ActivitySignup, Member
from gongjian.models.base import utcnow
from gongjian.models.enums import SIGNUP_MOVES, AuditAction, Role, SignupStatus

SIGNUP_LABEL = "报名记录"
# Signed up or waiting: the sign-ups that are not cancelled (at most one per member and activity).
LIVE = ActivitySignup.status != SignupStatus.cancelled.value


def _signup_member(session: Session, principal: Principal, data: SignupCreate) -> Member:
    if principal.role is Role.member:
        member = require_own_member(session, principal)
        if data.member_id is not None and data.member_id != member.id:
            raise forbidden("党员只能为自己报名")
        return member
    if data.member_id is None:
        raise unprocessable("member_required", "请指定报名的党员", field="body.member_id")
    # An admin signs up the members it looks after, which are the ones it sees: any other is
    # answered like a missing one.
    return named_member(session, principal, data.member_id, "body.member_id")


def sign_up(session: Session, principal: Principal, activity_id: int, data: SignupCreate) -> SignupRead:
    """Check-then-insert under a lock: the caller opened `unit_of_work(write_lock=True)` (SQLite),
    and the activity row is locked FOR UPDATE (PostgreSQL), so sign-ups for one activity queue up
    and the capacity can't be overshot."""
    # Locked as it is read: the status and capacity checked below are the ones committed last.
    activity = activity_row(session, principal, activity_id, lock=True)
    member = _signup_member(session, principal, data)
    refusal = sign_up_refusal(activity) or audience_refusal(session, activity, member)
    if refusal is not None:
        raise refusal
    existing = session.execute(
        select(ActivitySignup.status).where(
            ActivitySignup.activity_id == activity.id, ActivitySignup.member_id == member.id, LIVE
        )
    ).scalar_one_or_none()
    if existing == SignupStatus.waiting.value:
        raise conflict("already_waiting", "该党员已在此活动的候补名单中")
    if existing is not None:
        raise conflict("already_signed_up", "该党员已报名此活动")
    status = SignupStatus.signed_up
    if activity.capacity is not None and waitlist.signed_up_count(session, activity.id) >= activity.capacity:
        if not data.waitlist:
            raise conflict("activity_full", f"活动报名已满（上限 {activity.capacity} 人）")
        status = SignupStatus.waiting
    signup = ActivitySignup(
        activity_id=activity.id, member_id=member.id, status=status.value, **stamp(principal, "signed_up")
    )
    session.add(signup)
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.create,
        "activity_signup",
        signup.id,
        {"activity_id": activity.id, "member_id": member.id, "status": status.value},
    )
    return _reads(session, principal, activity, [signup])[0]


def cancel_signup(session: Session, principal: Principal, activity_id: int, signup_id: int) -> SignupRead:
    """Cancel before the activity starts: a member its own sign-up, an admin the ones it sees (the
    activity's managers: all; an organisation's admin: its members', which it may sign up). A freed
    place goes to the first waiting sign-up, in the same transaction under the same lock."""
    activity = activity_row(session, principal, activity_id, lock=True)
    stmt = select(ActivitySignup).where(ActivitySignup.id == signup_id, ActivitySignup.activity_id == activity.id)
    scope = signup_scope(principal, activity)
    signup: ActivitySignup = one_or_404(session, stmt if scope is None else stmt.where(scope), SIGNUP_LABEL)
    # A second cancel is a 409, not a silent success: the row is still there (history), and the
    # caller that believed it held a place learns it didn't. Retries of one request are covered by
    # the Idempotency-Key middleware.
    check_move(SignupStatus(signup.status), SignupStatus.cancelled, SIGNUP_MOVES, "signup_cancelled", noun="报名")
    refusal = cancel_refusal(activity, signup, utcnow())
    if refusal is not None:
        raise refusal
    was = signup.status
    signup.status = SignupStatus.cancelled.value
    signup.cancelled_at = utcnow()
    set_stamp(signup, "cancelled", principal)
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.update,
        "activity_signup",
        signup.id,
        {"status": [was, SignupStatus.cancelled.value], "cancelled_at": [None, signup.cancelled_at.isoformat()]},
    )
    waitlist.promote(session, principal, activity)
    return _reads(session, principal, activity, [signup])[0]


def _reads(
    session: Session, principal: Principal, activity: Activity, signups: Sequence[ActivitySignup]
) -> list[SignupRead]:
    now = utcnow()
    ids = {s.member_id for s in signups}
    names = dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all()) if ids else {}
    places = waitlist.positions_of(session, [s.id for s in signups if s.status == SignupStatus.waiting.value])
    return [
        SignupRead.model_validate(
            {
                "id": s.id,
                "activity_id": s.activity_id,
                "member": {"id": s.member_id, "name": names.get(s.member_id, "")},
                "status": s.status,
                "waiting_position": places.get(s.id),
                "signed_up_at": s.signed_up_at,
                "promoted_at": s.promoted_at,
                "cancelled_at": s.cancelled_at,
                "cancelled_by": s.cancelled_by_name,
                "checked_in_at": s.checked_in_at,
                "checked_out_at": s.checked_out_at,
                "attendance_marked_by": s.attendance_marked_by_name,
                "allowed_actions": signup_actions(principal, activity, s, now),
            }
        )
        for s in signups
    ]


def list_signups(session: Session, principal: Principal, activity_id: int, query: SignupListQuery) -> Page[SignupRead]:
    activity = activity_row(session, principal, activity_id)
    stmt = select(ActivitySignup).where(ActivitySignup.activity_id == activity.id)
    scope = signup_scope(principal, activity)
    if scope is not None:
        stmt = stmt.where(scope)
    if query.status is not None:
        stmt = stmt.where(ActivitySignup.status == query.status.value)
    rows, total = read_rows(stmt.order_by(ActivitySignup.id), query, session=session)
    return page_of(SignupRead, _reads(session, principal, activity, rows), total, query)


def _own_signup(session: Session, principal: Principal, activity: Activity) -> ActivitySignup | None:
    """The caller's live sign-up for the activity (locked), if any."""
    member = require_own_member(session, principal)
    signup: ActivitySignup | None = session.execute(
        select(ActivitySignup)
        .where(ActivitySignup.activity_id == activity.id, ActivitySignup.member_id == member.id, LIVE)
        .with_for_update()
    ).scalar_one_or_none()
    return signup


def check_in(session: Session, principal: Principal, activity_id: int, code: str) -> SignupRead:
    activity = activity_row(session, principal, activity_id)
    now = utcnow()
    codes.verify(code, activity.id, now)
    if own_member(session, principal) is None:
        raise forbidden("只有党员本人可以扫码签到")
    signup = _own_signup(session, principal, activity)
    refusal = check_in_refusal(activity, signup, now)
    if refusal is not None:
        raise refusal
    assert signup is not None
    signup.checked_in_at = now
    session.flush()
    audit.record(
        session, principal, AuditAction.update, "activity_signup", signup.id, {"checked_in_at": [None, now.isoformat()]}
    )
    return _reads(session, principal, activity, [signup])[0]


def check_out(session: Session, principal: Principal, activity_id: int, code: str) -> SignupRead:
    activity = activity_row(session, principal, activity_id)
    now = utcnow()
    codes.verify(code, activity.id, now)
    if own_member(session, principal) is None:
        raise forbidden("只有党员本人可以扫码签退")
    signup = _own_signup(session, principal, activity)
    refusal = check_out_refusal(activity, signup, now)
    if refusal is not None:
        raise refusal
    assert signup is not None
    signup.checked_out_at = now
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.update,
        "activity_signup",
        signup.id,
        {"checked_out_at": [None, now.isoformat()]},
    )
    return _reads(session, principal, activity, [signup])[0]


def mark_attendance(
    session: Session, principal: Principal, activity_id: int, signup_id: int, data: AttendanceUpdate
) -> SignupRead:
    activity = activity_row(session, principal, activity_id)
    require_manager(principal, activity)
    signup: ActivitySignup = one_or_404(
        session,
        select(ActivitySignup).where(ActivitySignup.id == signup_id, ActivitySignup.activity_id == activity.id),
        SIGNUP_LABEL,
    )
    refusal = attendance_refusal(activity, signup)
    if refusal is not None:
        raise refusal
    fields = ("checked_in_at", "checked_out_at", "attendance_marked_by", "attendance_marked_by_name")
    before = audit.snapshot(signup, fields)
    signup.checked_in_at = data.checked_in_at
    signup.checked_out_at = data.checked_out_at
    set_stamp(signup, "attendance_marked", principal)
    session.flush()
    changes = audit.diff(before, audit.snapshot(signup, fields))
    if changes:
        audit.record(session, principal, AuditAction.update, "activity_signup", signup.id, changes)
    return _reads(session, principal, activity, [signup])[0]
