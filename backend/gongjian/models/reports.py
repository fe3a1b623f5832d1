"""报到: a party member reports to a community (在职党员进社区双报到) from its phone.

A community's 报到 code is signed; `ReportCode` keeps the version it is signed with (rotation bumps
it, so older codes are refused) and an optional expiry. A `Report` is one submission: pending until
the community's admin approves it (linking or creating the member) or rejects it with a reason.
Reports are kept whatever happens afterwards: a member who moves reports again, to the new
community, and the old community keeps its history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin


class ReportCode(IdMixin, Base):
    """The current 报到 code of a community (no row: version 1, no expiry)."""

    __tablename__ = "report_codes"

    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    code_version: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rotated_by: Mapped[str] = mapped_column(String(64))
    rotated_by_name: Mapped[str] = mapped_column(String(100))


_PENDING = text("status = 'pending'")


class Report(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_community_org_id_status", "community_org_id", "status"),
        # One pending report per reporter (account or WeChat identity) per community, whatever races.
        Index(
            "uq_reports_pending_user",
            "community_org_id",
            "reporter_user_id",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
        Index(
            "uq_reports_pending_openid",
            "community_org_id",
            "reporter_openid",
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
    )

    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(8))
    # Encrypted like members' phones; `phone_lookup` is the keyed hash members are matched by.
    phone_ciphertext: Mapped[str] = mapped_column(String(255))
    phone_lookup: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16))
    unit_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    joined_party_on: Mapped[date | None] = mapped_column(Date)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Who reported: a member account, or a WeChat identity not bound to any account yet (its openid).
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reporter_openid: Mapped[str | None] = mapped_column(String(64), index=True)
    reporter_unionid: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_by_name: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    # The member the approval linked or created.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
