"""Residents (居民) of a community: people who post 微心愿 and 社情民意 of their own and follow them.

A resident belongs to one community. Its login (`users.role = resident`, organisation = the
community) is optional: a resident registered from WeChat always has one, a resident entered by
the community may have one with a password (the mobile web) or none. The mobile and the room are
personal data, encrypted at rest (kit/personal_data.py); the mobile also has its keyed lookup hash,
so a community never holds the same mobile twice among its active residents.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongjian.models.accounts import User
from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin
from gongjian.models.organizations import Organization


class Resident(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "residents"
    __table_args__ = (
        Index("ix_residents_community_org_id_name", "community_org_id", "name"),
        Index("ix_residents_community_org_id_phone_lookup", "community_org_id", "phone_lookup"),
    )

    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # The resident's login, when it has one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    phone_ciphertext: Mapped[str] = mapped_column(String(255))
    phone_lookup: Mapped[str] = mapped_column(String(64))
    building: Mapped[str] = mapped_column(String(50))  # 楼栋, e.g. "3 栋 2 单元"
    room_ciphertext: Mapped[str] = mapped_column(String(255))  # 房号, encrypted
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(100))

    community_org: Mapped[Organization] = relationship(lazy="raise")
    user: Mapped[User | None] = relationship(lazy="raise")
