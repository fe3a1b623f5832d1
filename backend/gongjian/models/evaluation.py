"""Two-way evaluation (双向考评): per period, each in-service member gets a community score and a
unit score, weighted into a final score and a grade.

Scores are stored as integer tenths (72.5 → 725) so SQLite and PostgreSQL agree exactly; the
community weight is stored in thousandths (0.3 → 300).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin
from gongjian.models.members import Member
from gongjian.models.organizations import Organization


class EvaluationScheme(IdMixin, TimestampMixin, Base):
    """A reference scheme (community criteria, thresholds, weight …), loaded by `load-reference`."""

    __tablename__ = "evaluation_schemes"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # {"community_weight": "0.3", "criteria": [...], "thresholds": {...}, ...}: see reference JSON.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)


class EvaluationPeriod(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "evaluation_periods"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    community_weight_milli: Mapped[int] = mapped_column(Integer)
    # [{"code": "reporting", "name": "报到履职", "max_points": 25}, ...]; max points sum to 100.
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    excellent_min: Mapped[int] = mapped_column(Integer)
    qualified_min: Mapped[int] = mapped_column(Integer)
    basically_qualified_min: Mapped[int] = mapped_column(Integer)
    excellent_share_numerator: Mapped[int] = mapped_column(Integer)
    excellent_share_denominator: Mapped[int] = mapped_column(Integer)
    vetoes: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Evaluation(IdMixin, TimestampMixin, VersionedMixin, Base):
    """One member in one period. The unit and community are those of the member when the evaluation
    was created: they decide who scores it and in which unit's ranking it counts."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("period_id", "member_id"),
        Index("ix_evaluations_period_id_unit_org_id", "period_id", "unit_org_id"),
        Index("ix_evaluations_period_id_community_org_id", "period_id", "community_org_id"),
    )

    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    unit_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    community_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    # {criterion code: points in tenths}
    community_points: Mapped[dict[str, int] | None] = mapped_column(JSON)
    community_score_tenths: Mapped[int | None] = mapped_column(Integer)
    community_opinion: Mapped[str | None] = mapped_column(Text)
    community_scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    community_scored_by: Mapped[str | None] = mapped_column(String(64))
    community_scored_by_name: Mapped[str | None] = mapped_column(String(100))
    unit_score_tenths: Mapped[int | None] = mapped_column(Integer)
    unit_comment: Mapped[str | None] = mapped_column(Text)
    unit_scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unit_scored_by: Mapped[str | None] = mapped_column(String(64))
    unit_scored_by_name: Mapped[str | None] = mapped_column(String(100))
    final_score_tenths: Mapped[int | None] = mapped_column(Integer)
    # Set when the period is finalized (cleared on reopen).
    grade: Mapped[str | None] = mapped_column(String(24))
    vetoed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    recommended: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    member: Mapped[Member] = relationship(lazy="raise")
    unit_org: Mapped[Organization] = relationship(foreign_keys=[unit_org_id], lazy="raise")
    community_org: Mapped[Organization] = relationship(foreign_keys=[community_org_id], lazy="raise")
    period: Mapped[EvaluationPeriod] = relationship(lazy="raise")
