"""Volunteer records: entry, approval, corrections (new versions, never edits) and members'
correction requests; hours summaries; proofs of service.

Visibility: a platform admin sees every record; an organisation's admin sees the records it
organised and those of its own members; a member sees its own. Approval belongs only to the admin
of the organiser organisation, and never to the one who entered the record.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from gongjian.kit import audit
from gongjian.kit.errors import ProblemError, conflict, forbidden, not_found, unprocessable
from gongjian.kit.pagination import PageParams, count_of, fetch_page
from gongjian.kit.principal import Principal
from gongjian.kit.sorting import apply_sort
from gongjian.members.permissions import looks_after_member, member_in_org, require_own_member
from gongjian.models import (
    Activity,
    ActivitySignup,
    Member,
    Organization,
    VolunteerCertificate,
    VolunteerCorrectionRequest,
    VolunteerRecord,
)
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    AuditAction,
    CorrectionRequestStatus,
    HoursSource,
    Role,
    VolunteerRecordStatus,
    WebhookEventType,
)
from gongjian.volunteering import rules
from gongjian.volunteering.schemas import (
    CertificateCreate,
    CorrectionRequestCreate,
    RecordCorrection,
    RecordCreate,
    RecordSort,
    SummaryGroup,
)
from gongjian.webhooks.outbox import emit

RECORD_LABEL = "志愿服务记录"
REQUEST_LABEL = "更正申请"
CERTIFICATE_LABEL = "志愿服务证明"
MEMBER_LABEL = "党员"
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
_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), rules.SHANGHAI)


# --- scoping -----------------------------------------------------------------------------------


def _record_scope(principal: Principal) -> ColumnElement[bool] | None:
    if principal.is_admin:
        return None
    if principal.role is Role.member:
        return VolunteerRecord.member_id.in_(select(Member.id).where(Member.user_id == principal.id))
    org = principal.organization_id
    return or_(
        VolunteerRecord.organizer_org_id == org,
        VolunteerRecord.member_id.in_(select(Member.id).where(member_in_org(org))),
    )


def _superseded() -> ColumnElement[bool]:
    """SQL: an approved correction of this record exists (it no longer counts)."""
    newer = aliased(VolunteerRecord)
    return exists().where(newer.corrects_id == VolunteerRecord.id, newer.status == VolunteerRecordStatus.approved.value)


def counted_records() -> ColumnElement[bool]:
    """SQL: the records whose hours count — approved, and not replaced by an approved correction."""
    return and_(VolunteerRecord.status == VolunteerRecordStatus.approved.value, ~_superseded())


def readable_records(principal: Principal) -> Select[VolunteerRecord]:
    stmt = select(VolunteerRecord)
    scope = _record_scope(principal)
    return stmt if scope is None else stmt.where(scope)


def to_rows(session: Session, records: Sequence[VolunteerRecord]) -> list[dict[str, Any]]:
    """Records as response dicts, with names and flags fetched in one query each."""
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
    superseded = set(
        session.execute(
            select(VolunteerRecord.corrects_id).where(
                VolunteerRecord.corrects_id.in_(ids), VolunteerRecord.status == VolunteerRecordStatus.approved.value
            )
        ).scalars()
    )
    rows = []
    for r in records:
        row = {name: getattr(r, name) for name in RECORD_FIELDS}
        row.update(
            id=r.id,
            member={"id": r.member_id, "name": members.get(r.member_id, "")},
            organizer_org={"id": r.organizer_org_id, "name": orgs.get(r.organizer_org_id, "")},
            activity_kind=kinds.get(r.activity_id) if r.activity_id is not None else None,
            hours=r.half_hours / 2,
            recorded_by_name=r.recorded_by_name,
            recorded_at=r.recorded_at,
            entry_deadline=r.entry_deadline,
            reviewed_by_name=r.reviewed_by_name,
            reviewed_at=r.reviewed_at,
            root_id=r.root_id or r.id,
            superseded=r.id in superseded,
            created_at=r.created_at,
            updated_at=r.updated_at,
            version=r.version,
        )
        rows.append(row)
    return rows


def list_records(
    session: Session,
    principal: Principal,
    params: PageParams,
    *,
    member_id: int | None,
    activity_id: int | None,
    organizer_org_id: int | None,
    status: VolunteerRecordStatus | None,
    late: bool | None,
    ended_from: date | None,
    ended_until: date | None,
    sort: RecordSort,
) -> tuple[list[dict[str, Any]], int]:
    stmt = readable_records(principal)
    if member_id is not None:
        stmt = stmt.where(VolunteerRecord.member_id == member_id)
    if activity_id is not None:
        stmt = stmt.where(VolunteerRecord.activity_id == activity_id)
    if organizer_org_id is not None:
        stmt = stmt.where(VolunteerRecord.organizer_org_id == organizer_org_id)
    if status is not None:
        stmt = stmt.where(VolunteerRecord.status == status.value)
    if late is not None:
        stmt = stmt.where(VolunteerRecord.late == late)
    if ended_from is not None:
        stmt = stmt.where(VolunteerRecord.ended_at >= _local_start(ended_from))
    if ended_until is not None:
        stmt = stmt.where(VolunteerRecord.ended_at < _local_start(ended_until + timedelta(days=1)))
    columns = {"ended_at": VolunteerRecord.ended_at, "id": VolunteerRecord.id}
    rows, total = fetch_page(session, apply_sort(stmt, sort.value, columns, VolunteerRecord.id), params)
    return to_rows(session, rows), total


def get_record(session: Session, principal: Principal, record_id: int) -> VolunteerRecord:
    row = session.execute(readable_records(principal).where(VolunteerRecord.id == record_id)).scalar_one_or_none()
    if row is None:
        raise not_found(RECORD_LABEL)
    return row


def record_history(session: Session, principal: Principal, record_id: int) -> list[dict[str, Any]]:
    record = get_record(session, principal, record_id)
    root = record.root_id or record.id
    versions = session.execute(
        select(VolunteerRecord).where(VolunteerRecord.root_id == root).order_by(VolunteerRecord.id)
    ).scalars()
    return to_rows(session, list(versions))


# --- entering records --------------------------------------------------------------------------


def _is_org_admin_of(principal: Principal, org_id: int) -> bool:
    return principal.is_org_admin and principal.organization_id == org_id


def _attendance(session: Session, activity_id: int, member_id: int) -> ActivitySignup | None:
    return session.execute(
        select(ActivitySignup).where(ActivitySignup.activity_id == activity_id, ActivitySignup.member_id == member_id)
    ).scalar_one_or_none()


def _entered_half_hours(hours: float | None, start: datetime, end: datetime, field: str) -> int:
    if hours is None:
        raise unprocessable("hours_required", "没有签到签退记录，请填写服务时长", field=field)
    half = rules.half_hours_of(hours)
    if half < 1:
        raise unprocessable("hours_too_small", "服务时长按半小时计，至少 0.5 小时", field=field)
    if half > rules.half_hours_between(start, end):
        raise unprocessable("hours_exceed_span", "服务时长不能超过开始到结束的时间", field=field)
    return half


def create_record(session: Session, principal: Principal, data: RecordCreate) -> VolunteerRecord:
    if not (principal.is_admin or principal.is_org_admin):
        raise forbidden("志愿服务记录由组织单位录入")
    member = session.get(Member, data.member_id)
    if member is None or member.archived_at is not None:
        raise unprocessable("member_not_found", "党员不存在或已归档", field="body.member_id")
    signup: ActivitySignup | None = None
    activity: Activity | None = None
    if data.activity_id is not None:
        activity = session.get(Activity, data.activity_id)
        if activity is None:
            raise unprocessable("activity_not_found", "活动不存在", field="body.activity_id")
        if not activity.counts_hours:
            raise unprocessable(
                "activity_counts_no_hours", "该活动不计志愿服务时长，不产生志愿服务记录", field="body.activity_id"
            )
        if data.organizer_org_id is not None and data.organizer_org_id != activity.organizer_org_id:
            raise unprocessable("organizer_mismatch", "组织单位应为活动的主办组织", field="body.organizer_org_id")
        organizer_id = activity.organizer_org_id
        signup = _attendance(session, activity.id, member.id)
        if not (principal.is_admin or _is_org_admin_of(principal, organizer_id)):
            raise forbidden("只有活动主办组织的管理员可以录入该活动的志愿服务记录")
        if signup is None and not looks_after_member(principal, member):
            raise unprocessable("member_not_in_activity", "该党员没有报名此活动", field="body.member_id")
        content = data.content or activity.title
        location = data.location if data.location is not None else activity.location
    else:
        organizer_id = data.organizer_org_id or principal.organization_id or 0
        if not principal.is_admin and organizer_id != principal.organization_id:
            raise forbidden("只能以本组织名义录入志愿服务记录")
        if session.get(Organization, organizer_id) is None:
            raise unprocessable("organization_not_found", "请指定组织单位", field="body.organizer_org_id")
        if not looks_after_member(principal, member):
            raise forbidden("不属于本组织的党员，请通过活动录入")
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
        half = _entered_half_hours(data.hours, started_at, ended_at, "body.hours")
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
    deadline = rules.entry_deadline(ended_at)
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
        recorded_by=principal.key,
        recorded_by_name=principal.name,
        recorded_at=now,
        entry_deadline=deadline,
        late=rules.local_date(now) > deadline,
        status=VolunteerRecordStatus.pending.value,
    )
    session.add(record)
    session.flush()
    record.root_id = record.id
    session.flush()
    audit.record(
        session, principal, AuditAction.create, "volunteer_record", record.id, audit.snapshot(record, RECORD_FIELDS)
    )
    return record


# --- review ------------------------------------------------------------------------------------


def _require_approver(principal: Principal, record: VolunteerRecord) -> None:
    if not _is_org_admin_of(principal, record.organizer_org_id):
        raise forbidden("只有组织单位的管理员可以审核该记录")
    if record.recorded_by == principal.key:
        raise ProblemError(403, "self_approval", "无权操作", "录入人不能审核自己录入的记录")


def _is_current(session: Session, record_id: int) -> bool:
    record = session.get_one(VolunteerRecord, record_id)
    if record.status != VolunteerRecordStatus.approved.value:
        return False
    newer = session.execute(
        select(VolunteerRecord.id).where(
            VolunteerRecord.corrects_id == record_id, VolunteerRecord.status == VolunteerRecordStatus.approved.value
        )
    ).first()
    return newer is None


def review(session: Session, principal: Principal, record_id: int, approve: bool, note: str) -> VolunteerRecord:
    record = get_record(session, principal, record_id)
    session.execute(select(VolunteerRecord.id).where(VolunteerRecord.id == record.id).with_for_update())
    _require_approver(principal, record)
    if record.status != VolunteerRecordStatus.pending.value:
        raise conflict("record_not_pending", "只有待审核的记录可以审核")
    if not approve and not note:
        raise unprocessable("note_required", "驳回时请填写审核意见", field="body.note")
    if approve and record.corrects_id is not None and not _is_current(session, record.corrects_id):
        raise conflict("record_superseded", "被更正的记录已被另一条更正取代")
    before = audit.snapshot(record, RECORD_FIELDS)
    record.status = (VolunteerRecordStatus.approved if approve else VolunteerRecordStatus.rejected).value
    record.review_note = note
    record.reviewed_by = principal.key
    record.reviewed_by_name = principal.name
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
    return record


# --- corrections -------------------------------------------------------------------------------


def correct_record(session: Session, principal: Principal, record_id: int, data: RecordCorrection) -> VolunteerRecord:
    """A correction is a new pending record naming the one it corrects; the original is untouched."""
    original = get_record(session, principal, record_id)
    session.execute(select(VolunteerRecord.id).where(VolunteerRecord.id == original.id).with_for_update())
    if not (principal.is_admin or _is_org_admin_of(principal, original.organizer_org_id)):
        raise forbidden("只有组织单位的管理员可以更正该记录")
    if original.status != VolunteerRecordStatus.approved.value:
        raise conflict("record_not_approved", "只有已通过的记录需要更正；待审核的记录请驳回后重录")
    if not _is_current(session, original.id):
        raise conflict("record_superseded", "该记录已被更正，请更正最新的版本")
    pending = session.execute(
        select(VolunteerRecord.id).where(
            VolunteerRecord.corrects_id == original.id, VolunteerRecord.status == VolunteerRecordStatus.pending.value
        )
    ).first()
    if pending is not None:
        raise conflict("correction_pending", "该记录已有一条待审核的更正")
    request: VolunteerCorrectionRequest | None = None
    if data.request_id is not None:
        request = session.get(VolunteerCorrectionRequest, data.request_id)
        if request is None or request.record_id != original.id:
            raise unprocessable("request_not_found", "更正申请不存在或不属于该记录", field="body.request_id")
        if request.status != CorrectionRequestStatus.open.value:
            raise conflict("request_answered", "该更正申请已答复")
    started_at = data.started_at or original.started_at
    ended_at = data.ended_at or original.ended_at
    if ended_at <= started_at:
        raise unprocessable("invalid_time_range", "结束时间必须晚于开始时间", field="body.ended_at")
    if data.hours is not None:
        half = _entered_half_hours(data.hours, started_at, ended_at, "body.hours")
        source = HoursSource.entered
    else:
        half, source = original.half_hours, HoursSource(original.hours_source)
    now = utcnow()
    record = VolunteerRecord(
        member_id=original.member_id,
        activity_id=original.activity_id,
        content=data.content or original.content,
        location=data.location if data.location is not None else original.location,
        started_at=started_at,
        ended_at=ended_at,
        half_hours=half,
        hours_source=source.value,
        organizer_org_id=original.organizer_org_id,
        evaluation=data.evaluation if data.evaluation is not None else original.evaluation,
        recorded_by=principal.key,
        recorded_by_name=principal.name,
        recorded_at=now,
        # The entry deadline is the original's; a correction is not a late entry.
        entry_deadline=original.entry_deadline,
        late=False,
        status=VolunteerRecordStatus.pending.value,
        root_id=original.root_id or original.id,
        corrects_id=original.id,
        correction_reason=data.reason,
    )
    session.add(record)
    session.flush()
    audit.record(
        session, principal, AuditAction.create, "volunteer_record", record.id, audit.snapshot(record, RECORD_FIELDS)
    )
    if request is not None:
        _answer(session, principal, request, CorrectionRequestStatus.accepted, "已提交更正", record.id)
    return record


# --- members' correction requests --------------------------------------------------------------


def readable_requests(principal: Principal) -> Select[VolunteerCorrectionRequest]:
    stmt = select(VolunteerCorrectionRequest)
    scope = _record_scope(principal)
    if scope is None:
        return stmt
    return stmt.where(VolunteerCorrectionRequest.record_id.in_(select(VolunteerRecord.id).where(scope)))


def request_correction(
    session: Session, principal: Principal, record_id: int, data: CorrectionRequestCreate
) -> VolunteerCorrectionRequest:
    record = get_record(session, principal, record_id)
    member = require_own_member(session, principal)
    if record.member_id != member.id:
        raise forbidden("只能对自己的记录申请更正")
    if record.status == VolunteerRecordStatus.pending.value:
        raise conflict("record_not_reviewed", "记录尚在审核中，审核后再申请更正")
    open_request = session.execute(
        select(VolunteerCorrectionRequest.id).where(
            VolunteerCorrectionRequest.record_id == record.id,
            VolunteerCorrectionRequest.status == CorrectionRequestStatus.open.value,
        )
    ).first()
    if open_request is not None:
        raise conflict("request_open", "该记录已有一条待答复的更正申请")
    request = VolunteerCorrectionRequest(
        record_id=record.id, member_id=member.id, reason=data.reason, requested_by=principal.key
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.create,
        "volunteer_correction_request",
        request.id,
        {"record_id": record.id, "reason": data.reason},
    )
    return request


def list_requests(
    session: Session,
    principal: Principal,
    params: PageParams,
    *,
    status: CorrectionRequestStatus | None,
    record_id: int | None,
) -> tuple[list[VolunteerCorrectionRequest], int]:
    stmt = readable_requests(principal)
    if status is not None:
        stmt = stmt.where(VolunteerCorrectionRequest.status == status.value)
    if record_id is not None:
        stmt = stmt.where(VolunteerCorrectionRequest.record_id == record_id)
    return fetch_page(session, stmt.order_by(VolunteerCorrectionRequest.id.desc()), params)


def _answer(
    session: Session,
    principal: Principal,
    request: VolunteerCorrectionRequest,
    status: CorrectionRequestStatus,
    reply: str,
    correction_record_id: int | None,
) -> None:
    fields = ("status", "reply", "correction_record_id")
    before = audit.snapshot(request, fields)
    request.status = status.value
    request.reply = reply
    request.answered_by = principal.key
    request.answered_at = utcnow()
    request.correction_record_id = correction_record_id
    audit.finish_update(session, principal, "volunteer_correction_request", request, before, fields)


def decline_request(session: Session, principal: Principal, request_id: int, reply: str) -> VolunteerCorrectionRequest:
    request = session.execute(
        readable_requests(principal).where(VolunteerCorrectionRequest.id == request_id)
    ).scalar_one_or_none()
    if request is None:
        raise not_found(REQUEST_LABEL)
    record = session.get_one(VolunteerRecord, request.record_id)
    if not (principal.is_admin or _is_org_admin_of(principal, record.organizer_org_id)):
        raise forbidden("更正申请由组织单位答复")
    if request.status != CorrectionRequestStatus.open.value:
        raise conflict("request_answered", "该更正申请已答复")
    _answer(session, principal, request, CorrectionRequestStatus.declined, reply, None)
    return request


# --- hours -------------------------------------------------------------------------------------


def _year_range(year: int) -> tuple[datetime, datetime]:
    return _local_start(date(year, 1, 1)), _local_start(date(year + 1, 1, 1))


def hours_summary(
    session: Session, principal: Principal, params: PageParams, group_by: SummaryGroup, year: int | None
) -> tuple[list[dict[str, Any]], int]:
    total_half = func.sum(VolunteerRecord.half_hours)
    count = func.count(VolunteerRecord.id)
    stmt: Any  # Select of four typed columns; count_of takes any select
    if group_by is SummaryGroup.member:
        key, name = Member.id, Member.name
        stmt = select(key, name, total_half, count).join(Member, Member.id == VolunteerRecord.member_id)
    elif group_by is SummaryGroup.organization:
        key, name = Organization.id, Organization.name
        stmt = select(key, name, total_half, count).join(
            Organization, Organization.id == VolunteerRecord.organizer_org_id
        )
    else:
        key, name = Organization.id, Organization.name
        stmt = (
            select(key, name, total_half, count)
            .join(Member, Member.id == VolunteerRecord.member_id)
            .join(Organization, Organization.id == Member.community_org_id)
        )
    stmt = stmt.where(counted_records())
    scope = _record_scope(principal)
    if scope is not None:
        stmt = stmt.where(scope)
    if year is not None:
        start, end = _year_range(year)
        stmt = stmt.where(VolunteerRecord.ended_at >= start, VolunteerRecord.ended_at < end)
    stmt = stmt.group_by(key, name)
    total = count_of(session, stmt)
    ordered = stmt.order_by(total_half.desc(), key).limit(params.page_size).offset(params.offset)
    rows = [
        {
            "id": row[0],
            "name": row[1],
            "hours": int(row[2] or 0) / 2,
            "record_count": int(row[3]),
            "stars": rules.stars_for(int(row[2] or 0)) if group_by is SummaryGroup.member else None,
        }
        for row in session.execute(ordered).all()
    ]
    return rows, total


def _visible_member(session: Session, principal: Principal, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise not_found(MEMBER_LABEL)
    if principal.role is Role.member:
        if member.user_id != principal.id:
            raise not_found(MEMBER_LABEL)
    elif not looks_after_member(principal, member):
        raise not_found(MEMBER_LABEL)
    return member


def member_hours(session: Session, principal: Principal, member_id: int) -> dict[str, Any]:
    member = _visible_member(session, principal, member_id)
    rows = session.execute(
        select(VolunteerRecord.ended_at, VolunteerRecord.half_hours, Activity.kind)
        .outerjoin(Activity, Activity.id == VolunteerRecord.activity_id)
        .where(VolunteerRecord.member_id == member.id, counted_records())
    ).all()
    by_year: dict[int, int] = defaultdict(int)
    by_kind: dict[str | None, int] = defaultdict(int)
    for ended_at, half, kind in rows:
        by_year[rules.local_date(ended_at).year] += half
        by_kind[kind] += half
    total = sum(by_year.values())
    return {
        "member_id": member.id,
        "name": member.name,
        "total_hours": total / 2,
        "stars": rules.stars_for(total),
        "record_count": len(rows),
        "by_year": [{"year": y, "hours": h / 2} for y, h in sorted(by_year.items())],
        "by_activity_kind": [
            {"kind": k, "hours": h / 2}
            for k, h in sorted(by_kind.items(), key=lambda item: (item[0] is None, item[0] or ""))
        ],
    }


# --- proofs of service -------------------------------------------------------------------------


def issue_certificate(
    session: Session, principal: Principal, member_id: int, data: CertificateCreate
) -> VolunteerCertificate:
    member = _visible_member(session, principal, member_id)
    member_orgs = {member.community_org_id, member.unit_org_id} - {None}
    if principal.role is Role.member:
        issuing_id = member.community_org_id
        if data.issuing_org_id is not None and data.issuing_org_id not in member_orgs:
            raise unprocessable("issuing_org_invalid", "出具组织应为本人所在社区或单位", field="body.issuing_org_id")
        issuing_id = data.issuing_org_id or issuing_id
    elif principal.is_admin:
        if data.issuing_org_id is None:
            raise unprocessable("issuing_org_required", "请指定出具证明的组织", field="body.issuing_org_id")
        issuing_id = data.issuing_org_id
    else:
        issuing_id = principal.organization_id or 0
        if data.issuing_org_id is not None and data.issuing_org_id != issuing_id:
            raise forbidden("只能以本组织名义出具证明")
    if issuing_id not in member_orgs:
        raise unprocessable("issuing_org_invalid", "出具组织应为该党员所在社区或单位", field="body.issuing_org_id")
    issuer = session.get_one(Organization, issuing_id)
    records = list(
        session.execute(
            select(VolunteerRecord)
            .where(
                VolunteerRecord.member_id == member.id,
                counted_records(),
                VolunteerRecord.ended_at >= _local_start(data.period_start),
                VolunteerRecord.ended_at < _local_start(data.period_end + timedelta(days=1)),
            )
            .order_by(VolunteerRecord.ended_at, VolunteerRecord.id)
        ).scalars()
    )
    if not records:
        raise unprocessable("no_approved_hours", "该期间没有经审核通过的志愿服务时长", field="body.period_start")
    half = sum(r.half_hours for r in records)
    contents = list(dict.fromkeys(r.content for r in records))
    summary = f"参加志愿服务 {len(records)} 次：" + "、".join(contents)
    if len(summary) > 300:
        summary = summary[:299] + "…"
    today = rules.local_date(utcnow())
    certificate = VolunteerCertificate(
        number="pending-" + secrets.token_hex(8),
        member_id=member.id,
        member_name=member.name,
        volunteer_number=member.volunteer_number or "",
        period_start=data.period_start,
        period_end=data.period_end,
        half_hours=half,
        record_count=len(records),
        content_summary=summary,
        issuing_org_id=issuer.id,
        issuing_org_name=issuer.name,
        issued_on=today,
        issued_by=principal.key,
        record_ids=[r.id for r in records],
    )
    session.add(certificate)
    session.flush()
    # Year, serial, and a random tail so that numbers can't be walked to read others' proofs.
    tail = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(6))
    certificate.number = f"ZY{today.year}-{certificate.id:06d}-{tail}"
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.create,
        "volunteer_certificate",
        certificate.id,
        {"number": certificate.number, "member_id": member.id, "half_hours": half},
    )
    return certificate


def certificate_row(c: VolunteerCertificate) -> dict[str, Any]:
    return {
        "id": c.id,
        "number": c.number,
        "member_id": c.member_id,
        "member_name": c.member_name,
        "volunteer_number": c.volunteer_number,
        "period_start": c.period_start,
        "period_end": c.period_end,
        "hours": c.half_hours / 2,
        "content_summary": c.content_summary,
        "issuing_org_id": c.issuing_org_id,
        "issuing_org_name": c.issuing_org_name,
        "issued_on": c.issued_on,
        "record_count": c.record_count,
        "record_ids": c.record_ids,
        "created_at": c.created_at,
    }


def certificate_by_number(session: Session, number: str) -> VolunteerCertificate:
    row = session.execute(
        select(VolunteerCertificate).where(VolunteerCertificate.number == number)
    ).scalar_one_or_none()
    if row is None:
        raise not_found(CERTIFICATE_LABEL)
    return row
