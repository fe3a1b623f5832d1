"""sessions: refresh-token families, and the login throttle per address and per account

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 20:00:00

- `login_sessions`: one row per login (a refresh-token family) holding the id of the one refresh
  token that may be spent next; never a token.
- `login_throttles` is rebuilt keyed by (scope, key): scope `address` (a client address) or
  `account` (a user name). Its rows are short-lived counters (forgotten after the window), so the old
  rows are dropped, not moved: at worst a locked user name is unlocked early by the upgrade.
- Failed logins become audit events (`login_failed`); `audit_events.action` is a plain string, so
  that needs no schema change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gongjian.models.base

revision: str = "0010"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("current_jti", sa.String(length=32), nullable=False),
        sa.Column("created_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)

    op.drop_table("login_throttles")
    op.create_table(
        "login_throttles",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("forget_after", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttles_forget_after"), ["forget_after"], unique=False)


def downgrade() -> None:
    op.drop_table("login_throttles")
    op.create_table(
        "login_throttles",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_throttles")),
    )
    op.drop_table("login_sessions")
