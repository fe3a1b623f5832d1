"""a covering index for counting a member's hours in a period

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 06:45:00

Hours are counted per member and period (annual statistics per community and per area, the hours
summary, evaluation): `member_id`, the status that counts, the period on `ended_at`, summing
`half_hours`. With `(member_id, status)` alone each member's records were fetched row by row from the
table to test the period (issue 18: the annual stats probed 24,000 members that way); with the period
and the hours in the index each member is one range read of the index, never the table. It replaces
the `(member_id, status)` index, its prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("ix_volunteer_records_member_id_status", ["member_id", "status"])
NEW = ("ix_volunteer_records_member_status_ended_hours", ["member_id", "status", "ended_at", "half_hours"])


def upgrade() -> None:
    op.create_index(NEW[0], "volunteer_records", NEW[1], unique=False)
    op.drop_index(OLD[0], table_name="volunteer_records")


def downgrade() -> None:
    op.create_index(OLD[0], "volunteer_records", OLD[1], unique=False)
    op.drop_index(NEW[0], table_name="volunteer_records")
