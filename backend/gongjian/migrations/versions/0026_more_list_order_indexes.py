"""indexes for the default order of the meetings and concerns lists

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 07:00:00

A platform (or district) admin's meetings list defaults to `held_on DESC, id DESC` and its concerns
list to `reported_at DESC, id DESC`; both orders were only indexed behind `community_org_id`, so
every first page sorted the whole table in a temporary B-tree (issue 18). With these the first page
reads its rows in order and stops; the community-scoped indexes still serve a community's admin.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("meetings", "ix_meetings_held_on_id", ["held_on", "id"]),
    ("concerns", "ix_concerns_reported_at_id", ["reported_at", "id"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
