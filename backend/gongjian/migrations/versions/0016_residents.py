"""Residents (居民): their rows, and their own wishes and concerns with a rating of the follow-up

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-12 10:00:00

- `residents`: a community's resident, with its optional login (`users.role = resident`), name,
  building, and its mobile and room encrypted (the mobile with its keyed lookup hash).
- `wishes.resident_id`, `concerns.resident_id`: the resident a wish or concern is of (posted by it or
  entered on its behalf); null for the rows before residents existed.
- `rating` (1–5), `rating_comment`, `rated_at` on both: the resident's 满意度 with the follow-up.
- Concerns gain the status `cancelled` (a resident withdrew it): a string column, nothing to alter.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gongjian.models.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RATING = "rating IS NULL OR (rating >= 1 AND rating <= 5)"


def upgrade() -> None:
    op.create_table(
        "residents",
        sa.Column("community_org_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone_ciphertext", sa.String(length=255), nullable=False),
        sa.Column("phone_lookup", sa.String(length=64), nullable=False),
        sa.Column("building", sa.String(length=50), nullable=False),
        sa.Column("room_ciphertext", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("deactivated_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_by_name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", gongjian.models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", gongjian.models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["community_org_id"], ["organizations.id"], name=op.f("fk_residents_community_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_residents_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("user_id", name=op.f("uq_residents_user_id")),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index("ix_residents_community_org_id_name", ["community_org_id", "name"], unique=False)
        batch_op.create_index(
            "ix_residents_community_org_id_phone_lookup", ["community_org_id", "phone_lookup"], unique=False
        )

    for table in ("wishes", "concerns"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("resident_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("rating_comment", sa.String(length=500), nullable=True))
            batch_op.add_column(sa.Column("rated_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_resident_id"), ["resident_id"], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_resident_id_residents"), "residents", ["resident_id"], ["id"]
            )
            batch_op.create_check_constraint(batch_op.f(f"ck_{table}_rating_range"), _RATING)


def downgrade() -> None:
    for table in ("concerns", "wishes"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"ck_{table}_rating_range"), type_="check")
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_resident_id_residents"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_resident_id"))
            batch_op.drop_column("rated_at")
            batch_op.drop_column("rating_comment")
            batch_op.drop_column("rating")
            batch_op.drop_column("resident_id")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index("ix_residents_community_org_id_phone_lookup")
        batch_op.drop_index("ix_residents_community_org_id_name")
    op.drop_table("residents")
