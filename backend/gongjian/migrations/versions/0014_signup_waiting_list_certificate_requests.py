"""Sign-ups get a status (signed up, waiting, cancelled); members ask for proofs of service

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02 10:00:00

- `activity_signups.status`: `signed_up` (has a place), `waiting` (on the activity's waiting list,
  queued by id) or `cancelled` (kept for history with `cancelled_at` / `cancelled_by(_name)`).
  Existing sign-ups all had a place: they become `signed_up`. `promoted_at`: when a waiting sign-up
  got its place.
- The unique (activity, member) constraint becomes a partial unique index over live sign-ups
  (status other than cancelled), so a member who cancelled may sign up again as a new row.
- `volunteer_certificate_requests`: a member's request for a proof of service, answered by an admin
  of the organisation it names (issued, with the certificate's id, or declined with a reason).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gongjian.models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("status != 'cancelled'")


def upgrade() -> None:
    with op.batch_alter_table("activity_signups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), server_default="signed_up", nullable=False))
        batch_op.add_column(sa.Column("promoted_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by_name", sa.String(length=100), nullable=True))
        batch_op.drop_constraint("uq_activity_signups_activity_id_member_id", type_="unique")
    op.create_index(
        "uq_activity_signups_live",
        "activity_signups",
        ["activity_id", "member_id"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_table(
        "volunteer_certificate_requests",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("issuing_org_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(length=200), server_default="", nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_by_name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("reply", sa.String(length=500), server_default="", nullable=False),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_by_name", sa.String(length=100), nullable=True),
        sa.Column("answered_at", gongjian.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            gongjian.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            gongjian.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["volunteer_certificates.id"],
            name=op.f("fk_volunteer_certificate_requests_certificate_id_volunteer_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["issuing_org_id"],
            ["organizations.id"],
            name=op.f("fk_volunteer_certificate_requests_issuing_org_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_volunteer_certificate_requests_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_certificate_requests")),
    )
    with op.batch_alter_table("volunteer_certificate_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_certificate_requests_issuing_org_id"), ["issuing_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_volunteer_certificate_requests_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_volunteer_certificate_requests_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("volunteer_certificate_requests")
    # Cancelled sign-ups can't survive the old one-row-per-member constraint: history is lost.
    op.execute("DELETE FROM activity_signups WHERE status = 'cancelled'")
    op.drop_index("uq_activity_signups_live", table_name="activity_signups")
    with op.batch_alter_table("activity_signups", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_activity_signups_activity_id_member_id", ["activity_id", "member_id"])
        batch_op.drop_column("cancelled_by_name")
        batch_op.drop_column("cancelled_by")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("promoted_at")
        batch_op.drop_column("status")
