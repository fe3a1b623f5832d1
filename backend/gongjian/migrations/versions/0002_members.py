"""members

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:40:24.483211
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gongjian.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "members",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("phone_ciphertext", sa.String(length=255), nullable=True),
        sa.Column("joined_party_on", sa.Date(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("unit_org_id", sa.Integer(), nullable=True),
        sa.Column("community_org_id", sa.Integer(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("volunteer_number", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("archived_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            gongjian.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            gongjian.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["community_org_id"], ["organizations.id"], name=op.f("fk_members_community_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["unit_org_id"], ["organizations.id"], name=op.f("fk_members_unit_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("user_id", name=op.f("uq_members_user_id")),
        sa.UniqueConstraint("volunteer_number", name=op.f("uq_members_volunteer_number")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_category"), ["category"], unique=False)
        batch_op.create_index("ix_members_community_org_id_name", ["community_org_id", "name"], unique=False)
        batch_op.create_index(batch_op.f("ix_members_name"), ["name"], unique=False)
        batch_op.create_index("ix_members_unit_org_id_name", ["unit_org_id", "name"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_unit_org_id_name")
        batch_op.drop_index(batch_op.f("ix_members_name"))
        batch_op.drop_index("ix_members_community_org_id_name")
        batch_op.drop_index(batch_op.f("ix_members_category"))

    op.drop_table("members")
