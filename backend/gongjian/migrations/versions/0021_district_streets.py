"""organisations above the communities: a district and its streets

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 03:20:00

- `organizations.parent_id`: the organisation above (a community's street, a street's district, a
  unit's or social organisation's street or district). Null for every existing row: the platform
  keeps working one level deep until an admin places its communities under streets.
- Two new organisation kinds (`district`, `street`) and admin roles (`district_admin`,
  `street_admin`) need no schema change: kinds and roles are strings checked by the app.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_organizations_parent_id"), ["parent_id"])
        batch.create_foreign_key(
            batch.f("fk_organizations_parent_id_organizations"), "organizations", ["parent_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.drop_constraint(batch.f("fk_organizations_parent_id_organizations"), type_="foreignkey")
        batch.drop_index(batch.f("ix_organizations_parent_id"))
        batch.drop_column("parent_id")
