"""报到: communities' report codes, reports, and members found by phone

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-10 10:00:00

- `report_codes`: a community's current 报到 code version (rotation bumps it) and optional expiry;
  a community without a row has version 1 and no expiry.
- `reports`: one row per submission, pending / approved / rejected; at most one pending per
  reporter (account or WeChat openid) per community (partial unique indexes).
- `members.phone_lookup`: a keyed hash (HMAC-SHA256 under a key derived from the data key) of the
  normalised phone, so a member is found by phone — the ciphertext is randomised. Filled in here
  for existing members: run with the server's environment (the data key decrypts the phones). A
  phone no key opens is left without a lookup (and logged), as the app shows it masked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gongjian.models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("alembic.0015")
_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "report_codes",
        sa.Column("community_org_id", sa.Integer(), nullable=False),
        sa.Column("code_version", sa.Integer(), nullable=False),
        sa.Column("expires_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rotated_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_by", sa.String(length=64), nullable=False),
        sa.Column("rotated_by_name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_org_id"], ["organizations.id"], name=op.f("fk_report_codes_community_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_codes")),
        sa.UniqueConstraint("community_org_id", name=op.f("uq_report_codes_community_org_id")),
    )
    op.create_table(
        "reports",
        sa.Column("community_org_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=False),
        sa.Column("phone_ciphertext", sa.String(length=255), nullable=False),
        sa.Column("phone_lookup", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("unit_org_id", sa.Integer(), nullable=True),
        sa.Column("joined_party_on", sa.Date(), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("reporter_user_id", sa.Integer(), nullable=True),
        sa.Column("reporter_openid", sa.String(length=64), nullable=True),
        sa.Column("reporter_unionid", sa.String(length=64), nullable=True),
        sa.Column("decided_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_by_name", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", gongjian.models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", gongjian.models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["community_org_id"], ["organizations.id"], name=op.f("fk_reports_community_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_reports_member_id_members")),
        sa.ForeignKeyConstraint(["reporter_user_id"], ["users.id"], name=op.f("fk_reports_reporter_user_id_users")),
        sa.ForeignKeyConstraint(
            ["unit_org_id"], ["organizations.id"], name=op.f("fk_reports_unit_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_community_org_id_status", ["community_org_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_reporter_user_id"), ["reporter_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_reporter_openid"), ["reporter_openid"], unique=False)
        batch_op.create_index(
            "uq_reports_pending_user",
            ["community_org_id", "reporter_user_id"],
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        )
        batch_op.create_index(
            "uq_reports_pending_openid",
            ["community_org_id", "reporter_openid"],
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_lookup", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_members_community_org_id_phone_lookup", ["community_org_id", "phone_lookup"], unique=False
        )
    _fill_phone_lookups()


def _fill_phone_lookups() -> None:
    from gongjian.kit.personal_data import UnreadableCiphertext, decrypt, phone_lookup

    conn = op.get_bind()
    members = sa.table("members", sa.column("id"), sa.column("phone_ciphertext"), sa.column("phone_lookup"))
    rows = conn.execute(
        sa.select(members.c.id, members.c.phone_ciphertext).where(members.c.phone_ciphertext.is_not(None))
    ).all()
    for member_id, sealed in rows:
        try:
            lookup = phone_lookup(decrypt(sealed))
        except UnreadableCiphertext:
            logger.warning("member %s: phone unreadable, no lookup written", member_id)
            continue
        conn.execute(sa.update(members).where(members.c.id == member_id).values(phone_lookup=lookup))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_community_org_id_phone_lookup")
        batch_op.drop_column("phone_lookup")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("uq_reports_pending_openid")
        batch_op.drop_index("uq_reports_pending_user")
        batch_op.drop_index(batch_op.f("ix_reports_reporter_openid"))
        batch_op.drop_index(batch_op.f("ix_reports_reporter_user_id"))
        batch_op.drop_index(batch_op.f("ix_reports_member_id"))
        batch_op.drop_index("ix_reports_community_org_id_status")
    op.drop_table("reports")
    op.drop_table("report_codes")
