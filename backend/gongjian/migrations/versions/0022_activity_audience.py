"""who may take part in an activity

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 03:30:00

- `activities.audience`: `community` (本社区党员), `partners` (本社区及共建单位党员) or `platform`
  (全平台党员). Every existing activity gets `partners`, which is who could take part before the
  field existed (the members who saw it: the community's, the organiser's and its partner units').
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("audience", sa.String(length=16), server_default="partners", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("audience")
