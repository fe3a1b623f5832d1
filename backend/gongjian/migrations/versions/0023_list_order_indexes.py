"""indexes for the default order of the wishes and claims lists

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 03:45:00

Both lists default to newest first (`created_at DESC, id DESC`). Without an index on that order every
first page sorted the whole table (a temporary B-tree on SQLite, a sort that spilled to disk on
PostgreSQL at a district's scale — issue 18). The community-scoped index serves a community admin's
list, which filters on `community_org_id` before ordering.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("wishes", "ix_wishes_created_at_id", ["created_at", "id"]),
    ("wishes", "ix_wishes_community_org_id_created_at_id", ["community_org_id", "created_at", "id"]),
    ("claims", "ix_claims_created_at_id", ["created_at", "id"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
