"""Party organisations (党组织) and the unit ↔ community partnerships (共建关系)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from gongjian.kit.sorting import SORT_KEY_LENGTH, name_sort_key, sort_key_default
from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin


class Organization(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "organizations"
    # The list's default view (not archived, by name) reads this index in order: no sort step.
    __table_args__ = (Index("ix_organizations_archived_at_sort_name_id", "archived_at", "sort_name", "id"),)

    name: Mapped[str] = mapped_column(String(100), unique=True)
    # What `sort=name` orders by: the name's pinyin (kit/sorting.py `name_sort_key`), kept with it.
    sort_name: Mapped[str | None] = mapped_column(String(SORT_KEY_LENGTH), default=sort_key_default)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    # A short readable code, unique, used later in card and certificate numbers.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact_person: Mapped[str] = mapped_column(String(50), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The organisation above: a community's street, a street's district, a unit's or social
    # organisation's street or district (organizations/permissions.py says which kinds fit).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)

    @validates("name")
    def _keep_sort_key(self, _key: str, name: str) -> str:
        self.sort_name = name_sort_key(name)
        return name


class Partnership(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "partnerships"

    unit_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    agreement: Mapped[str] = mapped_column(Text, default="", server_default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit_org: Mapped[Organization] = relationship(foreign_keys=[unit_org_id], lazy="raise")
    community_org: Mapped[Organization] = relationship(foreign_keys=[community_org_id], lazy="raise")
