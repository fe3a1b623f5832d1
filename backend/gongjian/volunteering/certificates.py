"""Proofs of service (志愿服务证明): issued for a member's counted hours in a period, numbered
`ZY<year>-<serial>-<6 random>`, and verifiable without login by that number.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.kit import audit
from gongjian.kit.calendar import end_of, local_today, start_of
from gongjian.kit.errors import unprocessable
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import one_or_404
from gongjian.members import permissions as member_permissions
from gongjian.models import Organization, VolunteerCertificate, VolunteerRecord
from gongjian.models.enums import AuditAction
from gongjian.settings import get_settings
from gongjian.volunteering import permissions
from gongjian.volunteering.records import counted_records
from gongjian.volunteering.schemas import CertificateCreate, CertificatePublic, CertificateRead

CERTIFICATE_LABEL = "志愿服务证明"
_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def issue_certificate(
    session: Session, principal: Principal, member_id: int, data: CertificateCreate
) -> CertificateRead:
    member = member_permissions.visible_member(session, principal, member_id)
    issuing_id = permissions.issuing_org_id(principal, member, data.issuing_org_id)
    issuer = session.get_one(Organization, issuing_id)
    records = list(
        session.execute(
            select(VolunteerRecord)
            .where(
                VolunteerRecord.member_id == member.id,
                counted_records(),
                VolunteerRecord.ended_at >= start_of(data.period_start),
                VolunteerRecord.ended_at < end_of(data.period_end),
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
    today = local_today()
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
        **stamp(principal, "issued"),
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
    return CertificateRead.model_validate(_row(certificate))


def _row(c: VolunteerCertificate) -> dict[str, Any]:
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


def verification_url(base_url: str, number: str) -> str:
    """The public page that shows a proof by its number (the SPA's `/verify/<number>`, no login),
    printed on the proof with its QR code. `base_url`: `GONGJIAN_PUBLIC_URL` when set, else the
    address the request came to."""
    base = get_settings().public_url or base_url
    return f"{base.rstrip('/')}/verify/{number}"


def public_certificate(session: Session, number: str) -> CertificatePublic:
    """What the printed proof shows, for anyone holding its number."""
    stmt = select(VolunteerCertificate).where(VolunteerCertificate.number == number)
    certificate: VolunteerCertificate = one_or_404(session, stmt, CERTIFICATE_LABEL)
    return CertificatePublic.model_validate(_row(certificate))
