"""Activities, sign-ups and attendance.

Visibility: a platform admin sees every activity; an organisation's admin sees the activities in
its community, the ones it organises, and those in communities it partners with (共建); a member
sees the same for its own community and unit. Anything else is 404.

Managing an activity (edit, open/finish/cancel, check-in code, attendance by hand) belongs to the
platform admin and the admins of its organiser and of its community.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from gongjian.activities import codes
from gongjian.activities.permissions import partner_communities
from gongjian.activities.schemas import (
    ActivityCreate,
    ActivityRead,
    ActivitySort,
    ActivityUpdate,
    AttendanceUpdate,
    SignupCreate,
)
from gongjian.kit import audit
from gongjian.kit.errors import conflict, forbidden, not_found, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import PageParams, fetch_page
from gongjian.kit.principal import Principal
from gongjian.kit.sorting import apply_sort
from gongjian.members.permissions import (
    looks_after_member,
    member_in_org,
    own_member,
    require_own_member,
)
from gongjian.models import Activity, ActivitySignup, Member, Organization, Partnership
from gongjian.models.base import utcnow
from gongjian.models.enums import ActivityKind, ActivityStatus, AuditAction, OrganizationKind, Role
from gongjian.organizations.permissions import is_partner

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACTIVITY_LABEL = "活动"
SIGNUP_LABEL = "报名记录"
ACTIVITY_FIELDS = (
    "title",
    "kind",
    "community_org_id",
    "organizer_org_id",
    "starts_at",
    "ends_at",
    "location",
    "capacity",
    "counts_hours",
    "status",
    "guest_count",
    "description",
)
# Members may check in from this long before the start.
CHECK_IN_OPENS_BEFORE = timedelta(hours=1)

TRANSITIONS: dict[str, tuple[set[ActivityStatus], ActivityStatus]] = {
    "open": ({ActivityStatus.planned}, ActivityStatus.open),
    "finish": ({ActivityStatus.planned, ActivityStatus.open}, ActivityStatus.finished),
    "cancel": ({ActivityStatus.planned, ActivityStatus.open}, ActivityStatus.cancelled),
}


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


# --- reading -----------------------------------------------------------------------------------


def readable_activities(principal: Principal) -> Select[Activity]:
    stmt = select(Activity).options(joinedload(Activity.community_org), joinedload(Activity.organizer_org))
    if principal.is_admin:
        return stmt
    if principal.role is Role.member:
        mine = select(Member.community_org_id, Member.unit_org_id).where(Member.user_id == principal.id).subquery()
        orgs = select(mine.c.community_org_id).union(select(mine.c.unit_org_id))
        partners = select(Partnership.community_org_id).where(
            Partnership.unit_org_id.in_(select(mine.c.unit_org_id)), Partnership.archived_at.is_(None)
        )
        return stmt.where(
            or_(
                Activity.community_org_id.in_(orgs),
                Activity.organizer_org_id.in_(orgs),
                Activity.community_org_id.in_(partners),
            )
        )
    org = principal.organization_id
    return stmt.where(or_(Activity.community_org_id == org, Activity.organizer_org_id == org, partner_communities(org)))


def counts_of(session: Session, activity_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """{activity id: (signed up, checked in)} in one query."""
    if not activity_ids:
        return {}
    rows = session.execute(
        select(ActivitySignup.activity_id, func.count(), func.count(ActivitySignup.checked_in_at))
        .where(ActivitySignup.activity_id.in_(activity_ids))
        .group_by(ActivitySignup.activity_id)
    ).all()
    return {row[0]: (int(row[1]), int(row[2])) for row in rows}


def to_read(activity: Activity, counts: dict[int, tuple[int, int]]) -> ActivityRead:
    signed, checked = counts.get(activity.id, (0, 0))
    data: dict[str, Any] = {
        name: getattr(activity, name) for name in ActivityRead.model_fields if hasattr(activity, name)
    }
    data.update(
        signup_count=signed,
        checked_in_count=checked,
        participant_count=checked + activity.guest_count,
    )
    return ActivityRead.model_validate(data)


def read_one(session: Session, activity: Activity) -> ActivityRead:
    return to_read(activity, counts_of(session, [activity.id]))


def list_activities(
    session: Session,
    principal: Principal,
    params: PageParams,
    *,
    kind: ActivityKind | None,
    community_org_id: int | None,
    organizer_org_id: int | None,
    status: ActivityStatus | None,
    starts_from: date | None,
    starts_until: date | None,
    sort: ActivitySort,
) -> tuple[list[ActivityRead], int]:
    stmt = readable_activities(principal)
    if kind is not None:
        stmt = stmt.where(Activity.kind == kind.value)
    if community_org_id is not None:
        stmt = stmt.where(Activity.community_org_id == community_org_id)
    if organizer_org_id is not None:
        stmt = stmt.where(Activity.organizer_org_id == organizer_org_id)
    if status is not None:
        stmt = stmt.where(Activity.status == status.value)
    if starts_from is not None:
        stmt = stmt.where(Activity.starts_at >= local_day_start(starts_from))
    if starts_until is not None:
        stmt = stmt.where(Activity.starts_at < local_day_start(starts_until + timedelta(days=1)))
    columns = {"starts_at": Activity.starts_at, "id": Activity.id}
    rows, total = fetch_page(session, apply_sort(stmt, sort.value, columns, Activity.id), params)
    counts = counts_of(session, [a.id for a in rows])
    return [to_read(a, counts) for a in rows], total


def get_activity(session: Session, principal: Principal, activity_id: int) -> Activity:
    row = (
        session.execute(readable_activities(principal).where(Activity.id == activity_id)).unique().scalar_one_or_none()
    )
    if row is None:
        raise not_found(ACTIVITY_LABEL)
    return row


def manages(principal: Principal, activity: Activity) -> bool:
    return principal.is_admin or (
        principal.is_org_admin and principal.organization_id in (activity.organizer_org_id, activity.community_org_id)
    )


def _require_manager(principal: Principal, activity: Activity) -> None:
    if not manages(principal, activity):
        raise forbidden("只有平台管理员、主办组织或所在社区的管理员可以管理该活动")


# --- writing -----------------------------------------------------------------------------------


def _org(session: Session, org_id: int, field: str) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or org.archived_at is not None:
        raise unprocessable("organization_not_found", "党组织不存在或已归档", field=field)
    return org


def create_activity(session: Session, principal: Principal, data: ActivityCreate) -> Activity:
    if not (principal.is_admin or principal.is_org_admin):
        raise forbidden("只有平台管理员或党组织管理员可以发布活动")
    organizer_id = data.organizer_org_id or principal.organization_id
    if organizer_id is None:
        raise unprocessable("organizer_required", "请指定主办党组织", field="body.organizer_org_id")
    community = _org(session, data.community_org_id, "body.community_org_id")
    if community.kind != OrganizationKind.community.value:
        raise unprocessable("wrong_organization_kind", "活动所在组织应为社区党组织", field="body.community_org_id")
    _org(session, organizer_id, "body.organizer_org_id")
    if not principal.is_admin:
        org = principal.organization_id
        if organizer_id != org:
            raise forbidden("只能以本组织名义主办活动")
        if community.id != org and not is_partner(session, org or 0, community.id):
            raise forbidden("只能在本社区或共建社区发布活动")
    values = data.model_dump()
    values["organizer_org_id"] = organizer_id
    activity = Activity(**values)
    activity.created_by = principal.key
    session.add(activity)
    session.flush()
    audit.record(
        session, principal, AuditAction.create, "activity", activity.id, audit.snapshot(activity, ACTIVITY_FIELDS)
    )
    return get_activity(session, principal, activity.id)


def update_activity(
    session: Session, principal: Principal, activity_id: int, data: ActivityUpdate, if_match: str | None
) -> Activity:
    activity = get_activity(session, principal, activity_id)
    _require_manager(principal, activity)
    check_if_match(if_match, activity.version)
    if ActivityStatus(activity.status) is ActivityStatus.cancelled:
        raise conflict("activity_cancelled", "活动已取消，不能再修改")
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    starts = changes.get("starts_at", activity.starts_at)
    ends = changes.get("ends_at", activity.ends_at)
    if ends <= starts:
        raise unprocessable("invalid_time_range", "结束时间必须晚于开始时间", field="body.ends_at")
    if changes.get("capacity") is not None:
        signed = counts_of(session, [activity.id]).get(activity.id, (0, 0))[0]
        if changes["capacity"] < signed:
            raise conflict("capacity_below_signups", f"已有 {signed} 人报名，人数上限不能低于此数")
    before = audit.snapshot(activity, ACTIVITY_FIELDS)
    for name, value in changes.items():
        setattr(activity, name, value.value if isinstance(value, ActivityKind) else value)
    audit.finish_update(session, principal, "activity", activity, before, ACTIVITY_FIELDS)
    return activity


def transition(session: Session, principal: Principal, activity_id: int, action: str) -> Activity:
    activity = get_activity(session, principal, activity_id)
    _require_manager(principal, activity)
    allowed, target = TRANSITIONS[action]
    if ActivityStatus(activity.status) not in allowed:
        current = ActivityStatus.label_of(activity.status)
        raise conflict("invalid_status_transition", f"活动当前为“{current}”，不能改为“{target.label_of(target)}”")
    before = audit.snapshot(activity, ACTIVITY_FIELDS)
    activity.status = target.value
    audit.finish_update(session, principal, "activity", activity, before, ACTIVITY_FIELDS)
    return activity


def check_in_code(session: Session, principal: Principal, activity_id: int) -> codes.IssuedCode:
    activity = get_activity(session, principal, activity_id)
    _require_manager(principal, activity)
    if ActivityStatus(activity.status) is ActivityStatus.cancelled:
        raise conflict("activity_cancelled", "活动已取消")
    return codes.issue(activity.id, activity.ends_at)


# --- sign-ups ----------------------------------------------------------------------------------


def _signup_member(session: Session, principal: Principal, data: SignupCreate) -> Member:
    if principal.role is Role.member:
        member = require_own_member(session, principal)
        if data.member_id is not None and data.member_id != member.id:
            raise forbidden("党员只能为自己报名")
        return member
    if data.member_id is None:
        raise unprocessable("member_required", "请指定报名的党员", field="body.member_id")
    found = session.get(Member, data.member_id)
    if found is None or found.archived_at is not None:
        raise unprocessable("member_not_found", "党员不存在或已归档", field="body.member_id")
    if not looks_after_member(principal, found):
        raise forbidden("只能为本组织的党员报名")
    return found


def sign_up(session: Session, principal: Principal, activity_id: int, data: SignupCreate) -> ActivitySignup:
    """Check-then-insert under a lock: the caller opened `unit_of_work(write_lock=True)` (SQLite),
    and the activity row is locked FOR UPDATE (PostgreSQL), so sign-ups for one activity queue up
    and the capacity can't be overshot."""
    # Lock first, then read: the status and capacity checked below are the ones committed last.
    session.execute(select(Activity.id).where(Activity.id == activity_id).with_for_update())
    activity = get_activity(session, principal, activity_id)
    member = _signup_member(session, principal, data)
    if ActivityStatus(activity.status) is not ActivityStatus.open:
        raise conflict("activity_not_open", "活动不在报名中")
    existing = session.execute(
        select(ActivitySignup.id).where(
            ActivitySignup.activity_id == activity.id, ActivitySignup.member_id == member.id
        )
    ).first()
    if existing is not None:
        raise conflict("already_signed_up", "该党员已报名此活动")
    if activity.capacity is not None:
        signed = session.execute(
            select(func.count()).select_from(ActivitySignup).where(ActivitySignup.activity_id == activity.id)
        ).scalar_one()
        if signed >= activity.capacity:
            raise conflict("activity_full", f"活动报名已满（上限 {activity.capacity} 人）")
    signup = ActivitySignup(activity_id=activity.id, member_id=member.id, signed_up_by=principal.key)
    session.add(signup)
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.create,
        "activity_signup",
        signup.id,
        {"activity_id": activity.id, "member_id": member.id},
    )
    return _load_signup(session, signup.id)


def _load_signup(session: Session, signup_id: int) -> ActivitySignup:
    return session.execute(select(ActivitySignup).where(ActivitySignup.id == signup_id)).scalar_one()


def signup_rows_with_members(session: Session, signups: Sequence[ActivitySignup]) -> list[dict[str, Any]]:
    ids = {s.member_id for s in signups}
    names = dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all()) if ids else {}
    return [
        {
            "id": s.id,
            "activity_id": s.activity_id,
            "member": {"id": s.member_id, "name": names.get(s.member_id, "")},
            "signed_up_at": s.signed_up_at,
            "checked_in_at": s.checked_in_at,
            "checked_out_at": s.checked_out_at,
            "attendance_marked_by": s.attendance_marked_by,
        }
        for s in signups
    ]


def list_signups(
    session: Session, principal: Principal, activity_id: int, params: PageParams
) -> tuple[list[dict[str, Any]], int]:
    activity = get_activity(session, principal, activity_id)
    stmt = select(ActivitySignup).where(ActivitySignup.activity_id == activity.id)
    if not manages(principal, activity):
        if principal.role is Role.member:
            stmt = stmt.where(ActivitySignup.member_id.in_(select(Member.id).where(Member.user_id == principal.id)))
        else:
            stmt = stmt.where(
                ActivitySignup.member_id.in_(select(Member.id).where(member_in_org(principal.organization_id)))
            )
    rows, total = fetch_page(session, stmt.order_by(ActivitySignup.id), params)
    return signup_rows_with_members(session, rows), total


def _own_signup(session: Session, principal: Principal, activity: Activity) -> ActivitySignup:
    member = require_own_member(session, principal)
    signup = session.execute(
        select(ActivitySignup)
        .where(ActivitySignup.activity_id == activity.id, ActivitySignup.member_id == member.id)
        .with_for_update()
    ).scalar_one_or_none()
    if signup is None:
        raise conflict("not_signed_up", "你没有报名此活动")
    return signup


def check_in(session: Session, principal: Principal, activity_id: int, code: str) -> ActivitySignup:
    activity = get_activity(session, principal, activity_id)
    now = utcnow()
    codes.verify(code, activity.id, now)
    if own_member(session, principal) is None:
        raise forbidden("只有党员本人可以扫码签到")
    if ActivityStatus(activity.status) is not ActivityStatus.open:
        raise conflict("activity_not_open", "活动不在进行中，不能签到")
    if now < activity.starts_at - CHECK_IN_OPENS_BEFORE:
        raise conflict("check_in_not_started", "活动开始前 1 小时起才能签到")
    signup = _own_signup(session, principal, activity)
    if signup.checked_in_at is not None:
        raise conflict("already_checked_in", "你已签到")
    signup.checked_in_at = now
    session.flush()
    audit.record(
        session, principal, AuditAction.update, "activity_signup", signup.id, {"checked_in_at": [None, now.isoformat()]}
    )
    return signup


def check_out(session: Session, principal: Principal, activity_id: int, code: str) -> ActivitySignup:
    activity = get_activity(session, principal, activity_id)
    now = utcnow()
    codes.verify(code, activity.id, now)
    if own_member(session, principal) is None:
        raise forbidden("只有党员本人可以扫码签退")
    if ActivityStatus(activity.status) not in (ActivityStatus.open, ActivityStatus.finished):
        raise conflict("activity_not_open", "活动不在进行中，不能签退")
    signup = _own_signup(session, principal, activity)
    if signup.checked_in_at is None:
        raise conflict("not_checked_in", "请先签到")
    if signup.checked_out_at is not None:
        raise conflict("already_checked_out", "你已签退")
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
    return signup


def mark_attendance(
    session: Session, principal: Principal, activity_id: int, signup_id: int, data: AttendanceUpdate
) -> ActivitySignup:
    activity = get_activity(session, principal, activity_id)
    _require_manager(principal, activity)
    if ActivityStatus(activity.status) is ActivityStatus.cancelled:
        raise conflict("activity_cancelled", "活动已取消")
    signup = session.execute(
        select(ActivitySignup).where(ActivitySignup.id == signup_id, ActivitySignup.activity_id == activity.id)
    ).scalar_one_or_none()
    if signup is None:
        raise not_found(SIGNUP_LABEL)
    fields = ("checked_in_at", "checked_out_at", "attendance_marked_by")
    before = audit.snapshot(signup, fields)
    signup.checked_in_at = data.checked_in_at
    signup.checked_out_at = data.checked_out_at
    signup.attendance_marked_by = principal.name[:64]  # who marked it, as people read it
    session.flush()
    changes = audit.diff(before, audit.snapshot(signup, fields))
    if changes:
        audit.record(session, principal, AuditAction.update, "activity_signup", signup.id, changes)
    return signup
