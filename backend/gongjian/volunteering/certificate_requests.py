"""Members' requests for a proof of service: a member asks for a proof of its own hours in a period,
naming its community (the default) or its unit; an admin of that organisation issues the proof
through the one issuing service (`certificates.issue_certificate`) or declines with a reason.
Who sees and answers which request: `permissions.certificate_request_scope` / `require_issuer`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gongjian.kit import audit
from gongjian.kit.errors import conflict, not_found
from gongjian.kit.pagination import Page, page_of, read_rows
from gongjian.kit.principal import Principal, set_stamp, stamp
from gongjian.kit.rows import one_or_404
from gongjian.kit.transitions import check_move
from gongjian.members.permissions import require_own_member
from gongjian.models import Member, Organization, VolunteerCertificate, VolunteerCertificateRequest
from gongjian.models.base import utcnow
from gongjian.models.enums import CERTIFICATE_REQUEST_MOVES, AuditAction, CertificateRequestStatus
from gongjian.volunteering import certificates, permissions
from gongjian.volunteering.schemas import (
    CertificateCreate,
    CertificateRequestCreate,
    CertificateRequestListQuery,
    CertificateRequestRead,
)

REQUEST_LABEL = "证明申请"
ENTITY = "volunteer_certificate_request"
_R = VolunteerCertificateRequest


def readable_rows(principal: Principal) -> Select[Any]:
    """The requests the caller sees, with the names and the certificate number, in one select."""
    stmt: Select[Any] = (
        select(  # type: ignore[assignment]
            _R.id,
            _R.member_id,
            Member.name.label("member_name"),
            _R.issuing_org_id,
            Organization.name.label("issuing_org_name"),
            _R.period_start,
            _R.period_end,
            _R.purpose,
            _R.status,
            _R.reply,
            _R.answered_by_name.label("answered_by"),
            _R.answered_at,
            _R.certificate_id,
            VolunteerCertificate.number.label("certificate_number"),
            _R.created_at,
            _R.version,
        )
        .join(Member, Member.id == _R.member_id)
        .join(Organization, Organization.id == _R.issuing_org_id)
        .outerjoin(VolunteerCertificate, VolunteerCertificate.id == _R.certificate_id)
    )
    scope = permissions.certificate_request_scope(principal)
    return stmt if scope is None else stmt.where(scope)


def _with_actions(principal: Principal, row: Any) -> dict[str, Any]:
    actions = permissions.certificate_request_actions(principal, row["issuing_org_id"], row["status"])
    return {**row, "allowed_actions": actions}


def get_request(session: Session, principal: Principal, request_id: int) -> CertificateRequestRead:
    row = session.execute(readable_rows(principal).where(_R.id == request_id)).mappings().one_or_none()
    if row is None:
        raise not_found(REQUEST_LABEL)
    return CertificateRequestRead.model_validate(_with_actions(principal, row))


def list_requests(
    session: Session, principal: Principal, query: CertificateRequestListQuery
) -> Page[CertificateRequestRead]:
    # Built per request: the scope depends on the caller.
    stmt = readable_rows(principal)
    if query.status is not None:
        stmt = stmt.where(_R.status == query.status.value)
    if query.member_id is not None:
        stmt = stmt.where(_R.member_id == query.member_id)
    rows, total = read_rows(stmt.order_by(_R.id.desc()), query, session=session)
    return page_of(CertificateRequestRead, [_with_actions(principal, row) for row in rows], total, query)


def request_certificate(
    session: Session, principal: Principal, data: CertificateRequestCreate
) -> CertificateRequestRead:
    permissions.require_requester(principal)
    member = require_own_member(session, principal)
    issuing_id = permissions.issuing_org_id(principal, member, data.issuing_org_id)
    pending = session.execute(
        select(_R.id).where(
            _R.member_id == member.id,
            _R.status == CertificateRequestStatus.pending.value,
            _R.period_start == data.period_start,
            _R.period_end == data.period_end,
        )
    ).first()
    if pending is not None:
        raise conflict("request_pending", "该期间已有一条待出具的证明申请")
    request = _R(
        member_id=member.id,
        issuing_org_id=issuing_id,
        period_start=data.period_start,
        period_end=data.period_end,
        purpose=data.purpose,
        **stamp(principal, "requested"),
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.create,
        ENTITY,
        request.id,
        audit.snapshot(request, ("member_id", "issuing_org_id", "period_start", "period_end", "purpose")),
    )
    return get_request(session, principal, request.id)


def _answerable(session: Session, principal: Principal, request_id: int, answer: CertificateRequestStatus) -> Any:
    stmt = select(_R).where(_R.id == request_id)
    scope = permissions.certificate_request_scope(principal)
    request: VolunteerCertificateRequest = one_or_404(
        session, stmt if scope is None else stmt.where(scope), REQUEST_LABEL, lock=True
    )
    permissions.require_issuer(principal, request)
    check_move(
        CertificateRequestStatus(request.status), answer, CERTIFICATE_REQUEST_MOVES, "request_answered", "证明申请"
    )
    return request


def _answer(
    session: Session,
    principal: Principal,
    request: VolunteerCertificateRequest,
    status: CertificateRequestStatus,
    reply: str,
    certificate_id: int | None,
) -> CertificateRequestRead:
    fields = ("status", "reply", "certificate_id")
    before = audit.snapshot(request, fields)
    request.status = status.value
    request.reply = reply
    request.certificate_id = certificate_id
    request.answered_at = utcnow()
    set_stamp(request, "answered", principal)
    audit.finish_update(session, principal, ENTITY, request, before, fields)
    return get_request(session, principal, request.id)


def issue_requested(session: Session, principal: Principal, request_id: int) -> CertificateRequestRead:
    """Issue the proof the request asks for, through the one issuing service (its checks: the member
    is still the caller's to see, the organisation still the member's, there are approved hours)."""
    request = _answerable(session, principal, request_id, CertificateRequestStatus.issued)
    period = CertificateCreate(
        period_start=request.period_start, period_end=request.period_end, issuing_org_id=request.issuing_org_id
    )
    certificate = certificates.issue_certificate(session, principal, request.member_id, period)
    return _answer(session, principal, request, CertificateRequestStatus.issued, "", certificate.id)


def decline_request(session: Session, principal: Principal, request_id: int, reply: str) -> CertificateRequestRead:
    request = _answerable(session, principal, request_id, CertificateRequestStatus.declined)
    return _answer(session, principal, request, CertificateRequestStatus.declined, reply, None)
