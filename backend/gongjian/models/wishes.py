"""Micro-wishes (微心愿): residents' small wishes that members and units claim and fulfil."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin, local_day_of
from gongjian.models.members import Member
from gongjian.models.organizations import Organization


class Wish(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "wishes"
    __table_args__ = (
        Index("ix_wishes_community_org_id_status", "community_org_id", "status"),
        Index("ix_wishes_community_org_id_registered_on", "community_org_id", "registered_on"),
        # The list's default order (newest first, id breaking ties), for everyone and per community:
        # without them every page sorted the whole table (issue 18).
        Index("ix_wishes_created_at_id", "created_at", "id"),
        Index("ix_wishes_community_org_id_created_at_id", "community_org_id", "created_at", "id"),
        CheckConstraint("estimated_value >= 0", name="estimated_value_non_negative"),
        # One claimant at a time: a member or an organisation, never both.
        CheckConstraint("claimant_member_id IS NULL OR claimant_org_id IS NULL", name="one_claimant"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
    )

    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # The resident whose wish it is, when known: posted by the resident, or entered on its behalf.
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    resident_name: Mapped[str] = mapped_column(String(50))
    household_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    content: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    estimated_value: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 元
    status: Mapped[str] = mapped_column(String(16), default="submitted", server_default="submitted", index=True)
    claimant_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    claimant_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Business dates (kit/calendar.py): the days registration and fulfilment count on in reports.
    registered_on: Mapped[date] = mapped_column(Date, default=local_day_of("created_at"))
    fulfilled_on: Mapped[date | None] = mapped_column(Date, default=local_day_of("fulfilled_at", optional=True))
    fulfil_note: Mapped[str | None] = mapped_column(Text)
    photo_url: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_feedback: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # rejected or cancelled
    end_reason: Mapped[str | None] = mapped_column(Text)
    # The resident's 满意度 (1–5) with the follow-up, given once the wish is fulfilled.
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community_org: Mapped[Organization] = relationship(foreign_keys=[community_org_id], lazy="raise")
    claimant_org: Mapped[Organization | None] = relationship(foreign_keys=[claimant_org_id], lazy="raise")
    claimant_member: Mapped[Member | None] = relationship(lazy="raise")
