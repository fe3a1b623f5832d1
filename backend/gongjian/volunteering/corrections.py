"""Corrections and members' correction requests: an approved record is never edited.

A correction is a new pending record naming the one it corrects (`corrects_id`) and why; once it is
approved, the corrected record is superseded and its hours stop counting. A member asks for a
correction of its own record; the organiser answers by submitting a correction with `request_id`,
or by declining with a reply.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gongjian.kit import audit
from gongjian.kit.errors import conflict, unprocessable
from gongjian.kit.pagination import Page, page_of, read_rows
from gongjian.kit.principal import Principal, set_stamp, stamp
from gongjian.kit.rows import one_or_404
from gongjian.kit.transitions import check_move
from gongjian.models import VolunteerCorrectionRequest, VolunteerRecord
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    CORRECTION_REQUEST_MOVES,
    AuditAction,
    CorrectionRequestStatus,
    HoursSource,
    VolunteerRecordStatus,
)
from gongjian.volunteering import permissions
from gongjian.volunteering.records import RECORD_FIELDS, as_read, entered_half_hours, get_record, is_current
from gongjian.volunteering.schemas import (
    CorrectionRequestCreate,
    CorrectionRequestListQuery,
    CorrectionRequestRead,
    RecordCorrection,
    RecordRead,
)

REQUEST_LABEL = "更正申请"


# --- corrections -------------------------------------------------------------------------------


def correct_record(session: Session, principal: Principal, record_id: int, data: RecordCorrection) -> RecordRead:
    """A correction is a new pending record naming the one it corrects; the original is untouched."""
    original = get_record(session, principal, record_id, lock=True)
    permissions.require_corrector(principal, original)
    if original.status != VolunteerRecordStatus.approved.value:
        raise conflict("record_not_approved", "只有已通过的记录需要更正；待审核的记录请驳回后重录")
    if not is_current(session, original.id):
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
        _check_answer(request, CorrectionRequestStatus.accepted)
    started_at = data.started_at or original.started_at
    ended_at = data.ended_at or original.ended_at
    if ended_at <= started_at:
        raise unprocessable("invalid_time_range", "结束时间必须晚于开始时间", field="body.ended_at")
    if data.hours is not None:
        half = entered_half_hours(data.hours, started_at, ended_at, "body.hours")
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
        **stamp(principal, "recorded"),
        recorded_at=now,
        # The entry deadline is the original's; a correction is not a late entry.
        entry_deadline=original.entry_deadline,
        entry_deadline_basis=original.entry_deadline_basis,
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
    return as_read(session, principal, record)


# --- members' correction requests --------------------------------------------------------------


def readable_requests(principal: Principal) -> Select[VolunteerCorrectionRequest]:
    stmt = select(VolunteerCorrectionRequest)
    scope = permissions.record_scope(principal)
    if scope is None:
        return stmt
    return stmt.where(VolunteerCorrectionRequest.record_id.in_(select(VolunteerRecord.id).where(scope)))


def request_correction(
    session: Session, principal: Principal, record_id: int, data: CorrectionRequestCreate
) -> CorrectionRequestRead:
    record = get_record(session, principal, record_id)
    member = permissions.require_record_owner(session, principal, record)
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
        record_id=record.id, member_id=member.id, reason=data.reason, **stamp(principal, "requested")
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
    return _request_read(principal, request, record.organizer_org_id)


def _request_read(
    principal: Principal, request: VolunteerCorrectionRequest, organizer_org_id: int
) -> CorrectionRequestRead:
    """The read schema, with what the caller may do to the request now."""
    fields = {name: getattr(request, name) for name in CorrectionRequestRead.model_fields if name != "allowed_actions"}
    actions = permissions.correction_request_actions(principal, organizer_org_id, request.status)
    return CorrectionRequestRead.model_validate({**fields, "allowed_actions": actions})


def list_requests(
    session: Session, principal: Principal, query: CorrectionRequestListQuery
) -> Page[CorrectionRequestRead]:
    # Built per request: the caller's scope is a subquery of the records they see (permissions).
    stmt = readable_requests(principal)
    if query.status is not None:
        stmt = stmt.where(VolunteerCorrectionRequest.status == query.status.value)
    if query.record_id is not None:
        stmt = stmt.where(VolunteerCorrectionRequest.record_id == query.record_id)
    stmt = stmt.order_by(VolunteerCorrectionRequest.id.desc())
    rows, total = read_rows(stmt, query, session=session)
    record_ids = {r.record_id for r in rows}
    organizers = {
        rid: org
        for rid, org in session.execute(
            select(VolunteerRecord.id, VolunteerRecord.organizer_org_id).where(VolunteerRecord.id.in_(record_ids))
        )
    }
    reads = [_request_read(principal, r, organizers[r.record_id]) for r in rows]
    return page_of(CorrectionRequestRead, reads, total, query)


def _check_answer(request: VolunteerCorrectionRequest, answer: CorrectionRequestStatus) -> None:
    current = CorrectionRequestStatus(request.status)
    check_move(current, answer, CORRECTION_REQUEST_MOVES, "request_answered", detail="该更正申请已答复")


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
    set_stamp(request, "answered", principal)
    request.answered_at = utcnow()
    request.correction_record_id = correction_record_id
    audit.finish_update(session, principal, "volunteer_correction_request", request, before, fields)


def decline_request(session: Session, principal: Principal, request_id: int, reply: str) -> CorrectionRequestRead:
    stmt = readable_requests(principal).where(VolunteerCorrectionRequest.id == request_id)
    request: VolunteerCorrectionRequest = one_or_404(session, stmt, REQUEST_LABEL, lock=True)
    record = session.get_one(VolunteerRecord, request.record_id)
    permissions.require_answerer(principal, record)
    _check_answer(request, CorrectionRequestStatus.declined)
    _answer(session, principal, request, CorrectionRequestStatus.declined, reply, None)
    return _request_read(principal, request, record.organizer_org_id)
