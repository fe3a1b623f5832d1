"""Party members (党员) under dual management (党员双管制).

An in-service member (在职党员) belongs to a work unit's party organisation *and* reports to a
community's; the other categories belong to a community. Members are archived, never deleted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from gongjian.kit.sorting import SORT_KEY_LENGTH, name_sort_key, sort_key_default
from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from gongjian.models.organizations import Organization


class Member(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "members"
    __table_args__ = (
        # The list's order by name (pinyin, `sort_name`) within each side of dual management, the
        # tiebreak included: an organisation admin's page reads each side in order and merges them.
        Index("ix_members_sort_name_id", "sort_name", "id"),
        Index("ix_members_community_org_id_sort_name_id", "community_org_id", "sort_name", "id"),
        Index("ix_members_unit_org_id_sort_name_id", "unit_org_id", "sort_name", "id"),
        Index("ix_members_community_org_id_phone_lookup", "community_org_id", "phone_lookup"),
    )

    name: Mapped[str] = mapped_column(String(50))
    # What `sort=name` orders by: the name's pinyin (kit/sorting.py `name_sort_key`), kept with it.
    sort_name: Mapped[str | None] = mapped_column(String(SORT_KEY_LENGTH), default=sort_key_default)
    gender: Mapped[str] = mapped_column(String(8))
    birth_date: Mapped[date | None] = mapped_column(Date)
    # Encrypted at rest (a database dump must not show phone numbers); see the members domain.
    phone_ciphertext: Mapped[str | None] = mapped_column(String(255))
    # A keyed hash of the normalised phone (kit/personal_data.py `phone_lookup`): the ciphertext is
    # randomised, so this is what finds a member by phone (a 报到 never creates a duplicate).
    phone_lookup: Mapped[str | None] = mapped_column(String(64))
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

    unit_org: Mapped[Organization | None] = relationship(foreign_keys=[unit_org_id], lazy="raise")
    community_org: Mapped[Organization] = relationship(foreign_keys=[community_org_id], lazy="raise")

    @validates("name")
    def _keep_sort_key(self, _key: str, name: str) -> str:
        self.sort_name = name_sort_key(name)
        return name


class CommunityRecord(IdMixin, Base):
    """党员在社区表现记录: what the member's community records about its conduct there.

    Records are facts as recorded: no update or delete; a correction is a new record.
    """

    __tablename__ = "community_records"
    __table_args__ = (Index("ix_community_records_member_id_occurred_on", "member_id", "occurred_on"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # The community that wrote it (the member's community at the time).
    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
