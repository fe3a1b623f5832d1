"""Joint meetings (联席会例会) with their topics and tasks, residents' concerns (社情民意) and
honours (荣誉).

A task's `overdue` state and a concern's "past due" are never stored: they are derived from the due
date and today's date whenever they are read (see gongjian.meetings.tasks), so no job has to
keep a flag up to date and no figure can be stale.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongjian.models.base import (
    Base,
    IdMixin,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    local_day_of,
    utcnow,
)
from gongjian.models.organizations import Organization


class Meeting(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_community_org_id_held_on", "community_org_id", "held_on"),
        Index("ix_meetings_held_on_id", "held_on", "id"),
    )

    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[str] = mapped_column(String(16))
    held_on: Mapped[date] = mapped_column(Date)
    theme: Mapped[str] = mapped_column(String(200))
    # Ids of the attending organisations (the community's partner units, social organisations).
    attending_org_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), default="planned", server_default="planned")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(100))

    community_org: Mapped[Organization] = relationship(lazy="raise")


class MeetingTopic(IdMixin, TimestampMixin, VersionedMixin, Base):
    """One of the 2–3 hard problems a meeting takes on (重点研究 2-3 个需要协调解决的难题)."""

    __tablename__ = "meeting_topics"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")


class MeetingTask(IdMixin, TimestampMixin, VersionedMixin, Base):
    """The division of labour on a topic: an owner organisation, a due date and a stored status of
    open / in_progress / done (`overdue` is derived when read)."""

    __tablename__ = "meeting_tasks"
    __table_args__ = (Index("ix_meeting_tasks_status_due_on", "status", "due_on"),)

    topic_id: Mapped[int] = mapped_column(ForeignKey("meeting_topics.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    progress_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Business date (kit/calendar.py): the day the task counts as done.
    done_on: Mapped[date | None] = mapped_column(Date, default=local_day_of("done_at", optional=True))

    owner_org: Mapped[Organization] = relationship(lazy="raise")
    topic: Mapped[MeetingTopic] = relationship(lazy="raise")


class Concern(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A problem found in the community (社情民意): resolved locally or escalated, with feedback."""

    __tablename__ = "concerns"
    __table_args__ = (
        Index("ix_concerns_community_org_id_status", "community_org_id", "status"),
        Index("ix_concerns_community_org_id_reported_at", "community_org_id", "reported_at"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        Index("ix_concerns_community_org_id_reported_on", "community_org_id", "reported_on"),
        Index("ix_concerns_reported_at_id", "reported_at", "id"),
    )

    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    location: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reporter_kind: Mapped[str] = mapped_column(String(16))
    # The resident's, member's or admin's name as reported (residents' names are masked on read).
    reporter_name: Mapped[str] = mapped_column(String(100))
    reporter_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    # The resident it concerns, when known: reported by the resident, or entered on its behalf.
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    # The principal who entered it (e.g. "user:7"): that account sees the concern and its feedback.
    reported_by: Mapped[str] = mapped_column(String(64), index=True)
    reported_by_name: Mapped[str] = mapped_column(String(100))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="reported", server_default="reported")
    # Handle-by date (Asia/Shanghai); set when reported or when escalated.
    due_on: Mapped[date | None] = mapped_column(Date)
    escalated_to: Mapped[str | None] = mapped_column(String(200))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The resident's 满意度 (1–5) with the answer, given once the concern is resolved.
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Business dates (kit/calendar.py): the days reporting and resolution count on in reports.
    reported_on: Mapped[date] = mapped_column(Date, default=local_day_of("reported_at"))
    resolved_on: Mapped[date | None] = mapped_column(Date, default=local_day_of("resolved_at", optional=True))


class ConcernStep(IdMixin, Base):
    """Each change of a concern's status, with its note: the feedback the reporter sees."""

    __tablename__ = "concern_steps"

    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    escalated_to: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_by_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Honor(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "honors"
    __table_args__ = (
        Index("ix_honors_community_org_id_awarded_on", "community_org_id", "awarded_on"),
        CheckConstraint("recipient_org_id IS NULL OR recipient_member_id IS NULL", name="one_recipient_record"),
    )

    title: Mapped[str] = mapped_column(String(200))
    awarding_body: Mapped[str] = mapped_column(String(200))
    awarded_on: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(16))
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    recipient_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    # A team's name (e.g. 社区舞蹈队); for other kinds, the recipient's name when it was awarded.
    recipient_name: Mapped[str] = mapped_column(String(100))
    # The community whose annual figures count this honour.
    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(100))


__all__ = ["Concern", "ConcernStep", "Honor", "Meeting", "MeetingTask", "MeetingTopic"]
