"""The five cards of the party-member service station (党员服务站五卡) and their entry logs.

A member holds one open card, of the type its category calls for; a change of category closes it
and issues a new one. Entries are append-only: nothing edits or deletes them, and a points entry is
undone only by a reversing entry. Card numbers are `<community code>-<type code>-<sequence>`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongjian.models.base import Base, IdMixin, UTCDateTime, utcnow
from gongjian.models.members import Member


class Card(IdMixin, Base):
    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("series", "sequence"),
        Index("ix_cards_member_id", "member_id"),
        # At most one open card per member, whatever races.
        Index(
            "uq_cards_member_id_open",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    card_type: Mapped[str] = mapped_column(String(16))
    # `series` is the number without its sequence (`LHT-JF`); `number` the whole (`LHT-JF-000012`).
    number: Mapped[str] = mapped_column(String(48), unique=True)
    series: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)
    # The community's service station that issued it.
    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Points cards only: the balance after the last entry (each entry keeps its own running balance).
    points_balance: Mapped[int | None] = mapped_column(Integer)

    member: Mapped[Member] = relationship(lazy="raise")


class CardEntry(IdMixin, Base):
    __tablename__ = "card_entries"
    __table_args__ = (Index("ix_card_entries_card_id_id", "card_id", "id"),)

    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    card_type: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[date] = mapped_column(Date)
    # The type's own fields (see cards/schemas.py); personal data in here is encrypted.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Points cards: the change, the balance after it, and the entry it reverses (at most once).
    points: Mapped[int | None] = mapped_column(Integer)
    balance: Mapped[int | None] = mapped_column(Integer)
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("card_entries.id"), unique=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_by_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
