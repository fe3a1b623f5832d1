"""Volunteer records: which count, reading them, entering them, and their review.

A record is entered by the organiser organisation (from check-in/check-out when the member has both
for the activity), waits for review, and is approved or rejected; it is never edited afterwards
(corrections are new records, in `corrections.py`). Who may do what is in `permissions.py`; the
arithmetic (half hours, the entry deadline) in `rules.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session, aliased

from gongjian import notifications
from gongjian.activities.permissions import activity_scope
from gongjian.activities.waitlist import SIGNED_UP
from gongjian.kit import audit
from gongjian.kit.calendar import end_of, local_date, start_of
from gongjian.kit.errors import conflict, unprocessable
from gongjian.kit.pagination import Page, cached_select, page_of, read_rows
from gongjian.kit.principal import Principal, set_stamp, stamp
from gongjian.kit.rows import one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.kit.transitions import check_move
from gongjian.members.permissions import named_member, own_member_ids
from gongjian.models import Activity, ActivitySignup, Member, Organization, VolunteerCorrectionRequest, VolunteerRecord
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    VOLUNTEER_RECORD_MOVES,
    AuditAction,
    CorrectionRequestStatus,
    HoursSource,
    Role,
    VolunteerRecordStatus,
    WebhookEventType,
)
from gongjian.volunteering import permissions, rules
from gongjian.volunteering.schemas import RecordCreate, RecordListQuery, RecordRead
from gongjian.webhooks.outbox import emit

RECORD_LABEL = "志愿服务记录"
RECORD_FIELDS = (
    "member_id",
    "activity_id",
    "content",
    "location",
    "started_at",
    "ended_at",
    "half_hours",
    "hours_source",
    "organizer_org_id",
    "evaluation",
    "late",
    "status",
    "review_note",
    "corrects_id",
    "correction_reason",
)


# --- which records count -----------------------------------------------------------------------


def _superseded() -> ColumnElement[bool]:
    """SQL: an approved correction of this record exists (it no longer counts).

    An uncorrelated IN over the (few) approved corrections, which both databases compute once per
    statement (SQLite as a temporary index, PostgreSQL as a hashed subplan); a correlated EXISTS was
    probed once per record, and SQLite scanned the table for each probe once it had statistics saying
    `corrects_id` is nearly all NULL — minutes for the hours summary at 100,000 records (issue 18).
    NULLs are excluded so that `NOT IN` means "no approved correction" exactly; written `> 0` (ids
    are positive) rather than `IS NOT NULL`, which SQLite answers by scanning the whole table (2,000,000
    rows at a district's scale, for every statement) where a range reads the few corrections from the
    `corrects_id` index."""
    newer = aliased(VolunteerRecord)
    corrected = select(newer.corrects_id).where(
        newer.corrects_id > 0, newer.status == VolunteerRecordStatus.approved.value
    )
    return VolunteerRecord.id.in_(corrected)


def counted_records() -> ColumnElement[bool]:
    """SQL: the records whose hours count — approved, and not replaced by an approved correction.

    Hours, proofs of service, evaluation and statistics all count by this one rule."""
    return and_(VolunteerRecord.status == VolunteerRecordStatus.approved.value, ~_superseded())


# --- reading records ---------------------------------------------------------------------------


def readable_records(principal: Principal) -> Select[VolunteerRecord]:
    stmt = select(VolunteerRecord)
    scope = permissions.record_scope(principal)
    return stmt if scope is None else stmt.where(scope)


def _actions(
    principal: Principal,
    record: VolunteerRecord,
    *,
    superseded: bool,
    correction_pending: bool,
    request_open: bool,
    own: bool,
    reviewer: permissions.Reviewer | None,
) -> list[str]:
    """What the caller may do to the record now (the read schema's `allowed_actions`), by the same
    rules the actions check: review (`permissions.approver_refusal`), correct, ask for a correction."""
    status = VolunteerRecordStatus(record.status)
    actions = []
    if (
        status is VolunteerRecordStatus.pending
        and reviewer is not None
        and permissions.approver_refusal(principal, record, reviewer) is None
    ):
        actions += ["approve", "reject"]
    if (
        status is VolunteerRecordStatus.approved
        and not superseded
        and not correction_pending
        and permissions.may_correct(principal, record)
    ):
        actions.append("correct")
    if own and status is not VolunteerRecordStatus.pending and not request_open:
        actions.append("request_correction")
    return actions


def _rows(session: Session, principal: Principal, records: Sequence[Any]) -> list[dict[str, Any]]:
    """Records (entities, or a list page's rows read by attribute) as response dicts, with names and
    flags fetched in one query each."""
    if not records:
        return []
    ids = [r.id for r in records]
    members = dict(
        session.execute(select(Member.id, Member.name).where(Member.id.in_({r.member_id for r in records}))).all()
    )
    orgs = dict(
        session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_({r.organizer_org_id for r in records}))
        ).all()
    )
    activity_ids = {r.activity_id for r in records if r.activity_id is not None}
    kinds = (
        dict(session.execute(select(Activity.id, Activity.kind).where(Activity.id.in_(activity_ids))).all())
        if activity_ids
        else {}
    )
    # Approved and pending corrections of the page's records, in one query.
    corrections = session.execute(
        select(VolunteerRecord.corrects_id, VolunteerRecord.status).where(
            VolunteerRecord.corrects_id.in_(ids),
            VolunteerRecord.status.in_((VolunteerRecordStatus.approved.value, VolunteerRecordStatus.pending.value)),
        )
    ).all()
    superseded = {rid for rid, status in corrections if status == VolunteerRecordStatus.approved.value}
    correction_pending = {rid for rid, status in corrections if status == VolunteerRecordStatus.pending.value}
    request_open = set(
        session.execute(
            select(VolunteerCorrectionRequest.record_id).where(
                VolunteerCorrectionRequest.record_id.in_(ids),
                VolunteerCorrectionRequest.status == CorrectionRequestStatus.open.value,
            )
        ).scalars()
    )
    own = set(session.execute(own_member_ids(principal)).scalars()) if principal.role is Role.member else set()
    pending = VolunteerRecordStatus.pending.value
    reviewers = permissions.reviewers_of(session, [r.id for r in records if r.status == pending])
    rows = []
    for r in records:
        organizer_name = orgs.get(r.organizer_org_id, "")
        row = {name: getattr(r, name) for name in RECORD_FIELDS}
        row.update(
            id=r.id,
            member={"id": r.member_id, "name": members.get(r.member_id, "")},
            organizer_org={"id": r.organizer_org_id, "name": organizer_name},
            activity_kind=kinds.get(r.activity_id) if r.activity_id is not None else None,
            hours=r.half_hours / 2,
            recorded_by_name=r.recorded_by_name,
            recorded_at=r.recorded_at,
            entry_deadline=r.entry_deadline,
            entry_deadline_basis=r.entry_deadline_basis,
            reviewed_by_name=r.reviewed_by_name,
            reviewed_at=r.reviewed_at,
            root_id=r.root_id or r.id,
            superseded=r.id in superseded,
            created_at=r.created_at,
            updated_at=r.updated_at,
            version=r.version,
            allowed_actions=_actions(
                principal,
                r,
                superseded=r.id in superseded,
                correction_pending=r.id in correction_pending,
                request_open=r.id in request_open,
                own=r.member_id in own,
                reviewer=reviewers.get(r.id),
            ),
            review_hint=(
                permissions.review_hint(principal, r, reviewers[r.id], organizer_name) if r.id in reviewers else None
            ),
        )
        rows.append(row)
    return rows


def list_records(session: Session, principal: Principal, query: RecordListQuery) -> Page[RecordRead]:
    rows, total = read_rows(_records_matching(query, principal), query, session=session)
    # Columns, not entities (no ORM identity map for a read-only page); read by attribute below.
    return page_of(RecordRead, _rows(session, principal, [SimpleNamespace(**row) for row in rows]), total, query)


@cached_select()
def _records_matching(query: RecordListQuery, principal: Principal) -> Select[Any]:
    """The list's select, built once per caller and filters (`permissions.record_scope` depends on
    the caller's role, organisation and user only)."""
    stmt = select(VolunteerRecord.__table__)
    scope = permissions.record_scope(principal)
    if scope is not None:
        stmt = stmt.where(scope)
    if query.member_id is not None:
        stmt = stmt.where(VolunteerRecord.member_id == query.member_id)
    if query.activity_id is not None:
        stmt = stmt.where(VolunteerRecord.activity_id == query.activity_id)
    if query.organizer_org_id is not None:
        stmt = stmt.where(VolunteerRecord.organizer_org_id == query.organizer_org_id)
    if query.status is not None:
        stmt = stmt.where(VolunteerRecord.status == query.status.value)
    if query.late is not None:
        stmt = stmt.where(VolunteerRecord.late == query.late)
    if query.ended_from is not None:
        stmt = stmt.where(VolunteerRecord.ended_at >= start_of(query.ended_from))
    if query.ended_until is not None:
        stmt = stmt.where(VolunteerRecord.ended_at < end_of(query.ended_until))
    return apply_sort(stmt, query.sort.value, _RECORD_SORT_COLUMNS, VolunteerRecord.id)


_RECORD_SORT_COLUMNS: dict[str, Any] = {"ended_at": VolunteerRecord.ended_at, "id": VolunteerRecord.id}


def as_read(session: Session, principal: Principal, record: VolunteerRecord) -> RecordRead:
    session.flush()
    return RecordRead.model_validate(_rows(session, principal, [record])[0])


def get_record(session: Session, principal: Principal, record_id: int, *, lock: bool = False) -> VolunteerRecord:
    """A record the caller sees, or 404; `lock` before changing anything that depends on it."""
    stmt = readable_records(principal).where(VolunteerRecord.id == record_id)
    record: VolunteerRecord = one_or_404(session, stmt, RECORD_LABEL, lock=lock)
    return record


def read_record(session: Session, principal: Principal, record_id: int) -> RecordRead:
    return as_read(session, principal, get_record(session, principal, record_id))


def record_history(session: Session, principal: Principal, record_id: int) -> list[RecordRead]:
    record = get_record(session, principal, record_id)
    root = record.root_id or record.id
    versions = session.execute(
        select(VolunteerRecord).where(VolunteerRecord.root_id == root).order_by(VolunteerRecord.id)
    ).scalars()
    return [RecordRead.model_validate(row) for row in _rows(session, principal, list(versions))]


# --- entering records --------------------------------------------------------------------------


def _attendance(session: Session, activity_id: int, member_id: int) -> ActivitySignup | None:
    return session.execute(
        select(ActivitySignup).where(
            ActivitySignup.activity_id == activity_id, ActivitySignup.member_id == member_id, SIGNED_UP
        )
    ).scalar_one_or_none()


def entered_half_hours(hours: float | None, start: datetime, end: datetime, field: str) -> int:
    if hours is None:
        raise unprocessable("hours_required", "没有签到签退记录，请填写服务时长", field=field)
    half = rules.half_hours_of(hours)
    if half < 1:
        raise unprocessable("hours_too_small", "服务时长按半小时计，至少 0.5 小时", field=field)
    if half > rules.half_hours_between(start, end):
        raise unprocessable("hours_exceed_span", "服务时长不能超过开始到结束的时间", field=field)
    return half


def create_record(session: Session, principal: Principal, data: RecordCreate) -> RecordRead:
    # The caller's own rights first, then the member it names (one it can't see answers like a
    # missing one): no answer tells it about members beyond its reach.
    permissions.require_recorder(principal)
    signup: ActivitySignup | None = None
    activity: Activity | None = None
    if data.activity_id is not None:
        stmt, scope = select(Activity).where(Activity.id == data.activity_id), activity_scope(principal)
        activity = session.execute(stmt if scope is None else stmt.where(scope)).scalar_one_or_none()
        if activity is None:
            raise unprocessable("activity_not_found", "活动不存在", field="body.activity_id")
        if not activity.counts_hours:
            raise unprocessable(
                "activity_counts_no_hours", "该活动不计志愿服务时长，不产生志愿服务记录", field="body.activity_id"
            )
        if data.organizer_org_id is not None and data.organizer_org_id != activity.organizer_org_id:
            raise unprocessable("organizer_mismatch", "组织单位应为活动的主办组织", field="body.organizer_org_id")
        organizer_id = activity.organizer_org_id
        permissions.require_activity_organizer(principal, organizer_id)
        # The organiser records the members who signed up, whoever's they are, and its own.
        signed_up = Member.id.in_(
            select(ActivitySignup.member_id).where(ActivitySignup.activity_id == activity.id, SIGNED_UP)
        )
        member = named_member(session, principal, data.member_id, "body.member_id", or_where=signed_up)
        signup = _attendance(session, activity.id, member.id)
        content = data.content or activity.title
        location = data.location if data.location is not None else activity.location
    else:
        organizer_id = data.organizer_org_id or principal.organization_id or 0
        permissions.require_own_organization(principal, organizer_id)
        # Exists, archived or not (unlike `kit.rows.live_organization`): an archived organisation's
        # past service is still recorded.
        if session.get(Organization, organizer_id) is None:
            raise unprocessable("organization_not_found", "请指定组织单位", field="body.organizer_org_id")
        member = named_member(session, principal, data.member_id, "body.member_id")
        permissions.require_looks_after(principal, member)
        if data.content is None:
            raise unprocessable("content_required", "请填写服务内容", field="body.content")
        content, location = data.content, data.location or ""
    attended = signup is not None and signup.checked_in_at is not None and signup.checked_out_at is not None
    if attended:
        assert signup is not None and signup.checked_in_at is not None and signup.checked_out_at is not None
        if data.hours is not None:
            raise unprocessable(
                "hours_from_attendance", "该党员有签到签退记录，时长按签到签退计算，不能另填", field="body.hours"
            )
        started_at = data.started_at or signup.checked_in_at
        ended_at = data.ended_at or signup.checked_out_at
        half = rules.half_hours_between(signup.checked_in_at, signup.checked_out_at)
        if half < 1:
            raise unprocessable("hours_too_small", "签到到签退不足半小时，没有可记录的时长", field="body.activity_id")
        source = HoursSource.check_in
    else:
        if activity is not None:
            started_at = data.started_at or activity.starts_at
            ended_at = data.ended_at or activity.ends_at
        elif data.started_at is None or data.ended_at is None:
            raise unprocessable("time_required", "请填写服务开始和结束时间", field="body.started_at")
        else:
            started_at, ended_at = data.started_at, data.ended_at
        half = entered_half_hours(data.hours, started_at, ended_at, "body.hours")
        source = HoursSource.entered
    now = utcnow()
    if ended_at <= started_at:
        raise unprocessable("invalid_time_range", "结束时间必须晚于开始时间", field="body.ended_at")
    if ended_at > now:
        raise unprocessable("service_not_ended", "服务结束后才能录入记录", field="body.ended_at")
    if data.activity_id is not None:
        duplicate = session.execute(
            select(VolunteerRecord.id).where(
                VolunteerRecord.activity_id == data.activity_id,
                VolunteerRecord.member_id == member.id,
                VolunteerRecord.corrects_id.is_(None),
                VolunteerRecord.status != VolunteerRecordStatus.rejected.value,
            )
        ).first()
        if duplicate is not None:
            raise conflict("record_exists", "该党员在此活动已有志愿服务记录；如需修改请提交更正")
    deadline, basis = rules.entry_deadline(session, ended_at)
    record = VolunteerRecord(
        member_id=member.id,
        activity_id=data.activity_id,
        content=content,
        location=location,
        started_at=started_at,
        ended_at=ended_at,
        half_hours=half,
        hours_source=source.value,
        organizer_org_id=organizer_id,
        evaluation=data.evaluation,
        **stamp(principal, "recorded"),
        recorded_at=now,
        entry_deadline=deadline,
        entry_deadline_basis=basis.value,
        late=local_date(now) > deadline,
        status=VolunteerRecordStatus.pending.value,
    )
    session.add(record)
    session.flush()
    record.root_id = record.id
    session.flush()
    audit.record(
        session, principal, AuditAction.create, "volunteer_record", record.id, audit.snapshot(record, RECORD_FIELDS)
    )
    return as_read(session, principal, record)


# --- review ------------------------------------------------------------------------------------


def is_current(session: Session, record_id: int) -> bool:
    record = session.get_one(VolunteerRecord, record_id)
    if record.status != VolunteerRecordStatus.approved.value:
        return False
    newer = session.execute(
        select(VolunteerRecord.id).where(
            VolunteerRecord.corrects_id == record_id, VolunteerRecord.status == VolunteerRecordStatus.approved.value
        )
    ).first()
    return newer is None


def review(session: Session, principal: Principal, record_id: int, approve: bool, note: str) -> RecordRead:
    record = get_record(session, principal, record_id, lock=True)
    permissions.require_approver(session, principal, record)
    target = VolunteerRecordStatus.approved if approve else VolunteerRecordStatus.rejected
    current = VolunteerRecordStatus(record.status)
    check_move(current, target, VOLUNTEER_RECORD_MOVES, "record_not_pending", detail="只有待审核的记录可以审核")
    if not approve and not note:
        raise unprocessable("note_required", "驳回时请填写审核意见", field="body.note")
    if approve and record.corrects_id is not None and not is_current(session, record.corrects_id):
        raise conflict("record_superseded", "被更正的记录已被另一条更正取代")
    before = audit.snapshot(record, RECORD_FIELDS)
    record.status = target.value
    record.review_note = note
    set_stamp(record, "reviewed", principal)
    record.reviewed_at = utcnow()
    audit.finish_update(session, principal, "volunteer_record", record, before, RECORD_FIELDS)
    if approve:
        emit(
            session,
            WebhookEventType.volunteer_record_approved,
            {
                "volunteer_record_id": record.id,
                "member_id": record.member_id,
                "organization_id": record.organizer_org_id,
                "hours": record.half_hours / 2,
                "corrects_id": record.corrects_id,
                "approved_at": record.reviewed_at.isoformat(),
            },
        )
        notifications.notify_record_approved(session, record)
    return as_read(session, principal, record)
