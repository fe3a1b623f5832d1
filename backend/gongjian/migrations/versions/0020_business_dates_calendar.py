"""business dates beside the real timestamps; the platform's working-day table

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-12 10:00:00

- Business dates (业务日期), the day a step counts on in reports, each beside the real timestamp
  it belongs to: `wishes.registered_on` (`created_at`) and `fulfilled_on` (`fulfilled_at`),
  `claims.claimed_on` (`created_at`) and `completed_on` (`completed_at`), `concerns.reported_on`
  (`reported_at`) and `resolved_on` (`resolved_at`), `meeting_tasks.done_on` (`done_at`). Existing
  rows get the local day (Asia/Shanghai, UTC+8) of their timestamp, which is what the app writes
  when no business date is given.
- `calendar_days`: days a platform admin marks as working days or days off, over the official
  calendar.
- `volunteer_records.entry_deadline_basis`: which calendar decided the entry deadline. Existing
  deadlines were counted Monday to Friday: `weekdays`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gongjian.models.base

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, business date column, the timestamp it is the local day of, whether the step always happened)
BUSINESS_DATES = (
    ("wishes", "registered_on", "created_at", True),
    ("wishes", "fulfilled_on", "fulfilled_at", False),
    ("claims", "claimed_on", "created_at", True),
    ("claims", "completed_on", "completed_at", False),
    ("concerns", "reported_on", "reported_at", True),
    ("concerns", "resolved_on", "resolved_at", False),
    ("meeting_tasks", "done_on", "done_at", False),
)
# Reports read these by community and business date.
INDEXES = (
    ("wishes", "ix_wishes_community_org_id_registered_on", ["community_org_id", "registered_on"]),
    ("concerns", "ix_concerns_community_org_id_reported_on", ["community_org_id", "reported_on"]),
)


def _local_day(column: str) -> str:
    """SQL for the Asia/Shanghai calendar day of a UTC timestamp column (the zone has no DST)."""
    if op.get_bind().dialect.name == "sqlite":
        return f"date({column}, '+8 hours')"  # stored as naive UTC text
    return f"CAST((({column} AT TIME ZONE 'UTC') + INTERVAL '8 hours') AS DATE)"


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_working_day", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=50), server_default="", nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_by_name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", gongjian.models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", gongjian.models.base.UTCDateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_days")),
        sa.UniqueConstraint("day", name=op.f("uq_calendar_days_day")),
    )
    for table, column, _, _ in BUSINESS_DATES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, sa.Date(), nullable=True))
    for table, column, moment, _ in BUSINESS_DATES:
        op.execute(f"UPDATE {table} SET {column} = {_local_day(moment)} WHERE {moment} IS NOT NULL")
    for table in dict.fromkeys(table for table, _, _, _ in BUSINESS_DATES):
        with op.batch_alter_table(table) as batch:
            for of_table, column, _, always in BUSINESS_DATES:
                if of_table == table and always:
                    batch.alter_column(column, existing_type=sa.Date(), nullable=False)
            for of_table, name, columns in INDEXES:
                if of_table == table:
                    batch.create_index(name, columns, unique=False)
    with op.batch_alter_table("volunteer_records") as batch:
        batch.add_column(
            sa.Column("entry_deadline_basis", sa.String(length=16), server_default="weekdays", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("volunteer_records") as batch:
        batch.drop_column("entry_deadline_basis")
    for table in dict.fromkeys(table for table, _, _, _ in BUSINESS_DATES):
        with op.batch_alter_table(table) as batch:
            for of_table, name, _ in INDEXES:
                if of_table == table:
                    batch.drop_index(name)
            for of_table, column, _, _ in BUSINESS_DATES:
                if of_table == table:
                    batch.drop_column(column)
    op.drop_table("calendar_days")
