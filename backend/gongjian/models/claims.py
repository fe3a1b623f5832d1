"""The two-way claim list (双向认领清单): categories, service items and the claims on them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin, local_day_of
from gongjian.models.organizations import Organization


class ServiceCategory(IdMixin, TimestampMixin, Base):
    """The five categories of the list, loaded as reference data (`gongjian load-reference`)."""

    __tablename__ = "service_categories"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ServiceTemplate(IdMixin, TimestampMixin, Base):
    """An item of the reference catalogue (the source article's 35), belonging to no organisation:
    a community adopts it into its needs list, a unit or social organisation offers it as a
    resource (`POST /service-items/adopt`). Loaded by `gongjian load-reference`, keyed by `code`."""

    __tablename__ = "service_templates"
    __table_args__ = (CheckConstraint("capacity >= 1", name="capacity_positive"),)

    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(ForeignKey("service_categories.code"))
    # need, resource or both (`TemplateDirection`): the sides it may be adopted into.
    direction: Mapped[str] = mapped_column(String(16))
    # The places an adopted item starts with (the adopter may change them).
    capacity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# An organisation holds at most one open (draft or published) item per template; a closed one may
# be adopted again. The rule lives in `claims.adoption`; this index keeps a race from breaking it.
OPEN_ADOPTION = "status != 'closed' AND template_code IS NOT NULL"


class ServiceItem(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "service_items"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        Index("ix_service_items_status_category", "status", "category"),
        Index(
            "uq_service_items_provider_org_id_template_code_open",
            "provider_org_id",
            "template_code",
            unique=True,
            sqlite_where=text(OPEN_ADOPTION),
            postgresql_where=text(OPEN_ADOPTION),
        ),
    )

    # The catalogue template the item was adopted from; null for items entered by hand.
    template_code: Mapped[str | None] = mapped_column(ForeignKey("service_templates.code"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(ForeignKey("service_categories.code"))
    # Null only for items of the old reference list that real organisations had claimed: revision
    # 0019 removed their placeholder provider and kept them (closed) with their claims.
    provider_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    # need: posted by a community for units to claim; resource: offered by a unit for the community.
    direction: Mapped[str] = mapped_column(String(16))
    capacity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Last day (Asia/Shanghai) on which the item may be claimed; none: no deadline.
    claim_deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    provider_org: Mapped[Organization | None] = relationship(lazy="raise")


class Claim(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "claims"
    __table_args__ = (
        Index("ix_claims_item_id_status", "item_id", "status"),
        Index("ix_claims_organization_id_status", "organization_id", "status"),
        # The list's default order (newest first, id breaking ties): issue 18.
        Index("ix_claims_created_at_id", "created_at", "id"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    # The claiming organisation (a unit or social organisation for a need, the community for a resource).
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(16), default="claimed", server_default="claimed")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_by_name: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Business dates (kit/calendar.py): the days the claim and its completion count on in reports.
    claimed_on: Mapped[date] = mapped_column(Date, default=local_day_of("created_at"))
    completed_on: Mapped[date | None] = mapped_column(Date, default=local_day_of("completed_at", optional=True))
    completion_report: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    verify_comment: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # withdrawn or rejected
    end_reason: Mapped[str | None] = mapped_column(Text)

    item: Mapped[ServiceItem] = relationship(lazy="raise")
    organization: Mapped[Organization] = relationship(lazy="raise")
