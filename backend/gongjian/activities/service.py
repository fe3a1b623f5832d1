"""Activities: reading them with their sign-up and waiting counts, publishing, editing and moving them through
their states, and issuing check-in codes. Sign-ups and attendance live in `signups.py`; who sees and
who manages an activity in `permissions.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from gongjian.activities import codes, waitlist
from gongjian.activities.actions import activity_actions
from gongjian.activities.permissions import (
    activity_scope,
    not_in_audience,
    require_manager,
    require_may_host,
    require_publisher,
    takes_part,
)
from gongjian.activities.schemas import (
    ActivityCreate,
    ActivityListQuery,
    ActivityRead,
    ActivityUpdate,
    CheckInCode,
)
from gongjian.kit import audit
from gongjian.kit.calendar import end_of, start_of
from gongjian.kit.errors import conflict, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, cached_select, page_of, read_rows
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.kit.transitions import check_move
from gongjian.members.permissions import own_member
from gongjian.models import Activity, ActivitySignup, Organization
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    ACTIVITY_MOVES,
    ActivityStatus,
    AuditAction,
    LabelledEnum,
    OrganizationKind,
    SignupStatus,
)

ACTIVITY_LABEL = "活动"
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
    "audience",
)


# --- reading -----------------------------------------------------------------------------------


def readable_activities(principal: Principal) -> Select[Activity]:
    stmt = select(Activity).options(joinedload(Activity.community_org), joinedload(Activity.organizer_org))
    scope = activity_scope(principal)
    return stmt if scope is None else stmt.where(scope)


def _reads(session: Session, principal: Principal, activities: Sequence[Any]) -> list[ActivityRead]:
    """Activities as the caller reads them: counts, and what it may do now (`actions`), each fetched
    for the whole page in one query."""
    ids = [a.id for a in activities]
    counts = waitlist.counts_of(session, ids)
    member = own_member(session, principal)
    mine: dict[int, ActivitySignup] = {}
    open_to_me: set[int] = set()
    if member is not None and ids:
        mine = {
            s.activity_id: s
            for s in session.execute(
                select(ActivitySignup).where(
                    ActivitySignup.activity_id.in_(ids),
                    ActivitySignup.member_id == member.id,
                    ActivitySignup.status != SignupStatus.cancelled.value,
                )
            ).scalars()
        }
        open_to_me = set(session.execute(select(Activity.id).where(Activity.id.in_(ids), takes_part(member))).scalars())
    now = utcnow()
    reads = []
    for activity in activities:
        signed, checked, waiting = counts.get(activity.id, (0, 0, 0))
        data: dict[str, Any] = {
            name: getattr(activity, name) for name in ActivityRead.model_fields if hasattr(activity, name)
        }
        data.update(
            signup_count=signed,
            waiting_count=waiting,
            checked_in_count=checked,
            participant_count=checked + activity.guest_count,
        )
        data["allowed_actions"], data["blocked_actions"] = activity_actions(
            principal,
            activity,
            is_member=member is not None,
            mine=mine.get(activity.id),
            audience=None if activity.id in open_to_me else not_in_audience(activity),
            now=now,
        )
        reads.append(ActivityRead.model_validate(data))
    return reads


def _read_one(session: Session, principal: Principal, activity: Activity) -> ActivityRead:
    return _reads(session, principal, [activity])[0]


def list_activities(session: Session, principal: Principal, query: ActivityListQuery) -> Page[ActivityRead]:
    rows, total = read_rows(_activities_matching(query, principal), query, session=session)
    return page_of(ActivityRead, _reads(session, principal, _with_orgs(session, rows)), total, query)


@cached_select()
def _activities_matching(query: ActivityListQuery, principal: Principal) -> Select[Any]:
    """The list's select of columns, built once per caller and filters (the scope depends on the
    caller's role, organisation and user only); no joins: the organisations are read for the page."""
    stmt = select(Activity.__table__)
    scope = activity_scope(principal)
    if scope is not None:
        stmt = stmt.where(scope)
    if query.kind is not None:
        stmt = stmt.where(Activity.kind == query.kind.value)
    if query.community_org_id is not None:
        stmt = stmt.where(Activity.community_org_id == query.community_org_id)
    if query.organizer_org_id is not None:
        stmt = stmt.where(Activity.organizer_org_id == query.organizer_org_id)
    if query.status is not None:
        stmt = stmt.where(Activity.status == query.status.value)
    if query.starts_from is not None:
        stmt = stmt.where(Activity.starts_at >= start_of(query.starts_from))
    if query.starts_until is not None:
        stmt = stmt.where(Activity.starts_at < end_of(query.starts_until))
    return apply_sort(stmt, query.sort.value, ACTIVITY_SORT_COLUMNS, Activity.id)


def _with_orgs(session: Session, rows: list[dict[str, Any]]) -> list[Any]:
    """A page's rows read by attribute as `_reads` reads an `Activity`, with its community and
    organiser looked up for the whole page at once."""
    if not rows:
        return []
    ids = {row["community_org_id"] for row in rows} | {row["organizer_org_id"] for row in rows}
    orgs = {
        org.id: org
        for org in session.execute(
            select(Organization.id, Organization.name, Organization.kind).where(Organization.id.in_(ids))
        )
    }
    return [
        SimpleNamespace(**row, community_org=orgs[row["community_org_id"]], organizer_org=orgs[row["organizer_org_id"]])
        for row in rows
    ]


ACTIVITY_SORT_COLUMNS = {"starts_at": Activity.starts_at, "id": Activity.id}


def activity_row(session: Session, principal: Principal, activity_id: int, *, lock: bool = False) -> Activity:
    """The activity as the caller sees it (404 otherwise); `lock` before a change that depends on it."""
    stmt = readable_activities(principal).where(Activity.id == activity_id)
    row: Activity = one_or_404(session, stmt, ACTIVITY_LABEL, lock=lock, of=Activity)
    return row


def get_activity(session: Session, principal: Principal, activity_id: int) -> ActivityRead:
    return _read_one(session, principal, activity_row(session, principal, activity_id))


# --- writing -----------------------------------------------------------------------------------


def create_activity(session: Session, principal: Principal, data: ActivityCreate) -> ActivityRead:
    require_publisher(principal)
    organizer_id = data.organizer_org_id or principal.organization_id
    if organizer_id is None:
        raise unprocessable("organizer_required", "请指定主办党组织", field="body.organizer_org_id")
    community = live_organization(session, data.community_org_id, "body.community_org_id")
    if community.kind != OrganizationKind.community.value:
        raise unprocessable("wrong_organization_kind", "活动所在组织应为社区党组织", field="body.community_org_id")
    live_organization(session, organizer_id, "body.organizer_org_id")
    require_may_host(session, principal, organizer_id, community.id)
    values = data.model_dump()
    values["organizer_org_id"] = organizer_id
    activity = Activity(**values, **stamp(principal, "created"))
    session.add(activity)
    session.flush()
    audit.record(
        session, principal, AuditAction.create, "activity", activity.id, audit.snapshot(activity, ACTIVITY_FIELDS)
    )
    return get_activity(session, principal, activity.id)


def update_activity(
    session: Session, principal: Principal, activity_id: int, data: ActivityUpdate, if_match: str | None
) -> ActivityRead:
    # Locked: a capacity change counts the places and moves waiting sign-ups in (waitlist).
    activity = activity_row(session, principal, activity_id, lock=True)
    require_manager(principal, activity)
    check_if_match(if_match, activity.version)
    if ActivityStatus(activity.status) is ActivityStatus.cancelled:
        raise conflict("activity_cancelled", "活动已取消，不能再修改")
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    starts = changes.get("starts_at", activity.starts_at)
    ends = changes.get("ends_at", activity.ends_at)
    if ends <= starts:
        raise unprocessable("invalid_time_range", "结束时间必须晚于开始时间", field="body.ends_at")
    if changes.get("capacity") is not None:
        # Lowering the limit never takes a place from a member who has one: refused instead.
        signed = waitlist.signed_up_count(session, activity.id)
        if changes["capacity"] < signed:
            raise conflict("capacity_below_signups", f"已有 {signed} 人报名，人数上限不能低于此数")
    before = audit.snapshot(activity, ACTIVITY_FIELDS)
    for name, value in changes.items():
        setattr(activity, name, value.value if isinstance(value, LabelledEnum) else value)
    audit.finish_update(session, principal, "activity", activity, before, ACTIVITY_FIELDS)
    if "capacity" in changes and ActivityStatus(activity.status) is ActivityStatus.open:
        # More places (or no limit): the waiting list moves up in order.
        waitlist.promote(session, principal, activity)
    return _read_one(session, principal, activity)


def transition(session: Session, principal: Principal, activity_id: int, target: ActivityStatus) -> ActivityRead:
    """Open, finish or cancel (the moves `ACTIVITY_MOVES` allows)."""
    activity = activity_row(session, principal, activity_id)
    require_manager(principal, activity)
    check_move(ActivityStatus(activity.status), target, ACTIVITY_MOVES, "invalid_status_transition", noun="活动")
    before = audit.snapshot(activity, ACTIVITY_FIELDS)
    activity.status = target.value
    audit.finish_update(session, principal, "activity", activity, before, ACTIVITY_FIELDS)
    return _read_one(session, principal, activity)


def check_in_code(session: Session, principal: Principal, activity_id: int) -> CheckInCode:
    activity = activity_row(session, principal, activity_id)
    require_manager(principal, activity)
    if ActivityStatus(activity.status) is ActivityStatus.cancelled:
        raise conflict("activity_cancelled", "活动已取消")
    issued = codes.issue(activity.id, activity.ends_at)
    return CheckInCode(activity_id=activity.id, code=issued.code, expires_at=issued.expires_at)
