"""members: the five cards, their entries, community records

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 23:45:01.741573
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gongjian.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cards",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("card_type", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=48), nullable=False),
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("community_org_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("points_balance", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_org_id"], ["organizations.id"], name=op.f("fk_cards_community_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_cards_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint("number", name=op.f("uq_cards_number")),
        sa.UniqueConstraint("series", "sequence", name=op.f("uq_cards_series_sequence")),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index("ix_cards_member_id", ["member_id"], unique=False)
        batch_op.create_index(
            "uq_cards_member_id_open",
            ["member_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "community_records",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_org_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=100), nullable=False),
        sa.Column("recorded_by_type", sa.String(length=16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_org_id"], ["organizations.id"], name=op.f("fk_community_records_community_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_community_records_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_records")),
    )
    with op.batch_alter_table("community_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_community_records_community_org_id"), ["community_org_id"], unique=False)
        batch_op.create_index("ix_community_records_member_id_occurred_on", ["member_id", "occurred_on"], unique=False)

    op.create_table(
        "card_entries",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("card_type", sa.String(length=16), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("balance", sa.Integer(), nullable=True),
        sa.Column("reverses_entry_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=100), nullable=False),
        sa.Column("recorded_by_type", sa.String(length=16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_card_entries_card_id_cards")),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"], ["card_entries.id"], name=op.f("fk_card_entries_reverses_entry_id_card_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_entries")),
        sa.UniqueConstraint("reverses_entry_id", name=op.f("uq_card_entries_reverses_entry_id")),
    )
    with op.batch_alter_table("card_entries", schema=None) as batch_op:
        batch_op.create_index("ix_card_entries_card_id_id", ["card_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("card_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_card_entries_card_id_id")

    op.drop_table("card_entries")
    with op.batch_alter_table("community_records", schema=None) as batch_op:
        batch_op.drop_index("ix_community_records_member_id_occurred_on")
        batch_op.drop_index(batch_op.f("ix_community_records_community_org_id"))

    op.drop_table("community_records")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index("uq_cards_member_id_open")
        batch_op.drop_index("ix_cards_member_id")

    op.drop_table("cards")
