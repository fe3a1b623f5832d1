"""Activities (活动), their sign-ups and attendance (报名、签到、签退)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from gongjian.models.organizations import Organization


class ActivitySignup(IdMixin, Base):
    __tablename__ = "activity_signups"
    # One live (signed-up or waiting) sign-up per member and activity; cancelled ones stay as
    # history, so a member who cancelled may sign up again (a new row, at the end of the queue).
    __table_args__ = (
        Index(
            "uq_activity_signups_live",
            "activity_id",
            "member_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    signed_up_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who signed up: the member itself, or an admin for its member (a stamp: see kit.principal).
    signed_up_by: Mapped[str] = mapped_column(String(64))
    signed_up_by_name: Mapped[str] = mapped_column(String(100))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an admin marked attendance by hand instead of the member scanning the code.
    attendance_marked_by: Mapped[str | None] = mapped_column(String(64))
    attendance_marked_by_name: Mapped[str | None] = mapped_column(String(100))
    # `signed_up` (has a place), `waiting` (queued by id: the order the sign-ups were accepted under
    # the activity's lock), `cancelled` (kept for history).
    status: Mapped[str] = mapped_column(String(16), default="signed_up", server_default="signed_up")
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancelled_by_name: Mapped[str | None] = mapped_column(String(100))


class Activity(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_community_org_id_starts_at", "community_org_id", "starts_at"),)

    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    organizer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # None: no limit on sign-ups.
    capacity: Mapped[int | None] = mapped_column(Integer)
    counts_hours: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    status: Mapped[str] = mapped_column(String(16), default="planned", server_default="planned", index=True)
    # Participants who are not registered members (residents in the audience), counted by head.
    guest_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Who may take part (enums.ActivityAudience); "partners" is what every activity allowed before.
    audience: Mapped[str] = mapped_column(String(16), default="partners", server_default="partners")
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(100))

    community_org: Mapped[Organization] = relationship(foreign_keys=[community_org_id], lazy="raise")
    organizer_org: Mapped[Organization] = relationship(foreign_keys=[organizer_org_id], lazy="raise")
