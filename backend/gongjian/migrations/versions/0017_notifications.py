"""WeChat subscription messages: consents, the message outbox, the app's access token

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 10:00:00

- `notification_consents`: per openid and kind, how many more messages the user allowed
  (wx.requestSubscribeMessage: each "accept" allows one) and the last answer.
- `notification_messages`: the outbox of subscription messages, written with the change they tell
  about; `idempotency_key` (`<kind>:<subject>`) unique so nothing is queued twice.
- `wechat_access_tokens`: WeChat's `stable_token`, encrypted with the data key, shared by workers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gongjian.models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_consents",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("remaining", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_result", sa.String(length=16), nullable=True),
        sa.Column("last_result_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_consents")),
        sa.UniqueConstraint("openid", "kind", name=op.f("uq_notification_consents_openid_kind")),
    )
    op.create_table(
        "wechat_access_tokens",
        sa.Column("appid", sa.String(length=64), nullable=False),
        sa.Column("token_ciphertext", sa.Text(), nullable=False),
        sa.Column("expires_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_access_tokens")),
        sa.UniqueConstraint("appid", name=op.f("uq_wechat_access_tokens_appid")),
    )
    op.create_table(
        "notification_messages",
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.String(length=128), nullable=False),
        sa.Column("page", sa.String(length=256), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("created_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_messages_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notification_messages_idempotency_key")),
    )
    with op.batch_alter_table("notification_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_messages_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_messages_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_messages_openid"), ["openid"], unique=False)
        batch_op.create_index(
            "ix_notification_messages_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_messages_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_messages_user_id"))
        batch_op.drop_index("ix_notification_messages_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_notification_messages_openid"))
        batch_op.drop_index(batch_op.f("ix_notification_messages_kind"))
        batch_op.drop_index(batch_op.f("ix_notification_messages_created_at"))

    op.drop_table("notification_messages")
    op.drop_table("wechat_access_tokens")
    op.drop_table("notification_consents")
