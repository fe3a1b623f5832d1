"""names sorted by pinyin: a sort key column on members and organisations (issue 19 item 10)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 07:00:00

`sort=name` ordered by code point (阿 after 张). Each table gets `sort_name`, the name's pinyin
(kit/sorting.py `name_sort_key`), written with the name by the models and backfilled here; it takes
over the name indexes the lists ordered by, each with the id tiebreak the lists order by too, so a
page (and each side of an organisation admin's member list) is read from the index in order.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gongjian.kit.sorting import SORT_KEY_LENGTH, name_sort_key

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEXES = (
    ("members", "ix_members_name", ["name"]),
    ("members", "ix_members_community_org_id_name", ["community_org_id", "name"]),
    ("members", "ix_members_unit_org_id_name", ["unit_org_id", "name"]),
    ("organizations", "ix_organizations_archived_at_name", ["archived_at", "name"]),
)
NEW_INDEXES = (
    ("members", "ix_members_sort_name_id", ["sort_name", "id"]),
    ("members", "ix_members_community_org_id_sort_name_id", ["community_org_id", "sort_name", "id"]),
    ("members", "ix_members_unit_org_id_sort_name_id", ["unit_org_id", "sort_name", "id"]),
    ("organizations", "ix_organizations_archived_at_sort_name_id", ["archived_at", "sort_name", "id"]),
)
BATCH = 5_000


def _backfill(table: str) -> None:
    bind = op.get_bind()
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("sort_name", sa.String))
    update = rows.update().where(rows.c.id == sa.bindparam("_id")).values(sort_name=sa.bindparam("_key"))
    last = 0
    while True:
        chunk = bind.execute(
            sa.select(rows.c.id, rows.c.name).where(rows.c.id > last).order_by(rows.c.id).limit(BATCH)
        ).all()
        if not chunk:
            return
        bind.execute(update, [{"_id": row.id, "_key": name_sort_key(row.name)} for row in chunk])
        last = chunk[-1].id


def upgrade() -> None:
    for table in ("members", "organizations"):
        op.add_column(table, sa.Column("sort_name", sa.String(length=SORT_KEY_LENGTH), nullable=True))
        _backfill(table)
    for table, name, _ in OLD_INDEXES:
        op.drop_index(name, table_name=table)
    for table, name, columns in NEW_INDEXES:
        op.create_index(name, table, columns, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Statistics for the new column and indexes now: until autovacuum's next pass the planner
        # would guess, and sort a whole scope instead of reading the new indexes in order.
        op.execute("ANALYZE members")
        op.execute("ANALYZE organizations")


def downgrade() -> None:
    for table, name, _ in reversed(NEW_INDEXES):
        op.drop_index(name, table_name=table)
    for table, name, columns in OLD_INDEXES:
        op.create_index(name, table, columns, unique=False)
    for table in ("organizations", "members"):
        op.drop_column(table, "sort_name")
