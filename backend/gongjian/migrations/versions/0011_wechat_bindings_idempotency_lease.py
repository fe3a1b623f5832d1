"""WeChat invitations name the login they bind; idempotency markers are renewed while running

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-30 20:00:00

- `wechat_invitations.user_id`: the member's login when the invitation was issued (null: the member
  had none, and redeeming creates one). Who may invite depends on who owns that login
  (wechat/permissions.py), so an invitation binds only the login it was issued for: if the member
  is linked to another login meanwhile, the code is refused. Existing invitations (7-day life) keep
  null and so only bind members that still have no login.
- `idempotency_records.heartbeat_at`: a request holding an `Idempotency-Key` renews it every
  quarter of the lease (`GONGJIAN_IDEMPOTENCY_LEASE_SECONDS`), so a second request for the key is
  refused however long the first runs; a marker not renewed for a whole lease belongs to a request
  whose process died, and the key may run again. Existing rows keep null (`created_at` stands in).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gongjian.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("wechat_invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_wechat_invitations_user_id_users"), "users", ["user_id"], ["id"])
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
    with op.batch_alter_table("wechat_invitations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_wechat_invitations_user_id_users"), type_="foreignkey")
        batch_op.drop_column("user_id")
