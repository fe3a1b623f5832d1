"""Volunteer service records (志愿服务记录), members' correction requests and proofs of service
(志愿服务证明), after 志愿服务条例 (2017) and 志愿服务记录与证明出具办法 (2021).

A record, once approved, is never changed: a correction is a new record that names the one it
corrects (`corrects_id`) and carries the reason; every version of a record shares `root_id`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin, utcnow


class VolunteerRecord(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "volunteer_records"
    __table_args__ = (
        # Covering for a member's counted hours in a period (migration 0024).
        Index("ix_volunteer_records_member_status_ended_hours", "member_id", "status", "ended_at", "half_hours"),
        Index("ix_volunteer_records_organizer_org_id_status", "organizer_org_id", "status"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    content: Mapped[str] = mapped_column(String(500))
    location: Mapped[str] = mapped_column(String(200), default="", server_default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Hours in half-hour steps (hours × 2), so sums are exact on every database.
    half_hours: Mapped[int] = mapped_column(Integer)
    hours_source: Mapped[str] = mapped_column(String(16))
    organizer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    evaluation: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Who entered it and who reviewed it (stamps: the principal's key, e.g. "user:7", and its name).
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entry_deadline: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Which calendar counted the 10 working days (CalendarSource, kit/calendar.py).
    entry_deadline_basis: Mapped[str] = mapped_column(String(16), server_default="weekdays")
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_by_name: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Versions: the first record of a chain has root_id == id and no corrects_id.
    root_id: Mapped[int | None] = mapped_column(Integer, index=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_records.id"), index=True)
    correction_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")


class VolunteerCorrectionRequest(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A member asks the organiser to correct one of its records; the organiser answers."""

    __tablename__ = "volunteer_correction_requests"

    record_id: Mapped[int] = mapped_column(ForeignKey("volunteer_records.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_by_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    reply: Mapped[str] = mapped_column(String(500), default="", server_default="")
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_by_name: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correction_record_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_records.id"))


class VolunteerCertificate(IdMixin, TimestampMixin, Base):
    """A numbered proof of approved hours. What it shows is copied in when issued, so the proof
    keeps saying what it said even if the member is renamed or more hours are approved later."""

    __tablename__ = "volunteer_certificates"

    number: Mapped[str] = mapped_column(String(32), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    member_name: Mapped[str] = mapped_column(String(50))
    volunteer_number: Mapped[str] = mapped_column(String(32), default="", server_default="")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    half_hours: Mapped[int] = mapped_column(Integer)
    record_count: Mapped[int] = mapped_column(Integer)
    content_summary: Mapped[str] = mapped_column(Text)
    issuing_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    issuing_org_name: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_by_name: Mapped[str] = mapped_column(String(100))
    record_ids: Mapped[list[int]] = mapped_column(JSON)


class VolunteerCertificateRequest(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A member asks for a proof of service of its own hours in a period; an admin of the
    organisation it names (its community or unit) issues the proof, or declines with a reason."""

    __tablename__ = "volunteer_certificate_requests"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    issuing_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    purpose: Mapped[str] = mapped_column(String(200), default="", server_default="")
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_by_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending", index=True)
    reply: Mapped[str] = mapped_column(String(500), default="", server_default="")
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_by_name: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_certificates.id"))
