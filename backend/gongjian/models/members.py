"""Party members (党员) under dual management (党员双管制).

An in-service member (在职党员) belongs to a work unit's party organisation *and* reports to a
community's; the other categories belong to a community. Members are archived, never deleted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin


class Member(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_community_org_id_name", "community_org_id", "name"),
        Index("ix_members_unit_org_id_name", "unit_org_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(50), index=True)
    gender: Mapped[str] = mapped_column(String(8))
    birth_date: Mapped[date | None] = mapped_column(Date)
    # Encrypted at rest (a database dump must not show phone numbers); see the members domain.
    phone_ciphertext: Mapped[str | None] = mapped_column(String(255))
    joined_party_on: Mapped[date | None] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(16), index=True)
    unit_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    reported_on: Mapped[date | None] = mapped_column(Date)  # 报到日期: reported to the community
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    volunteer_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The member's own login, when it has one (the mini-program's "me").
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
