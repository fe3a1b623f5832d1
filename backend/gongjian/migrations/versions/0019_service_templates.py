"""service templates: the reference list belongs to no organisation

Revision ID: 0019
Revises: 0017
Create Date: 2027-01-12 10:00:00

Until now `gongjian load-reference` put the 35 items of the reference claim list into service items
of three placeholder organisations (共建参考社区党委 `GJREF-COMM`, 共建参考单位机关党委 `GJREF-UNIT`,
共建参考社会工作服务中心 `GJREF-SOC`), which then showed up in every organisation list, claim board
and the dashboard's default. The list becomes a catalogue of templates (`service_templates`) that
organisations adopt into items of their own (`service_items.template_code`).

What this revision does with the rows it finds:
- every item with a reference code gives its template (code, title, description, category,
  direction, places); `load-reference` then brings the templates to the data file's wording;
  each such item keeps its code as `template_code` (`service_items.code` is dropped);
- a placeholder's item nobody ever claimed is deleted;
- a placeholder's item some organisation claimed is kept with every claim as it is — the claims
  are real work and count in the claimant's figures — but it is closed to new claims and its
  provider is cleared (`provider_org_id` null: "the old reference list"); the claimant goes on with
  its claim, a platform admin verifies or rejects it in the provider's place;
- a placeholder organisation is then deleted, unless some other row still names it (an account, a
  member, a partnership… made for it by hand): then it is archived, and that row is left alone.
Each change leaves an audit event by the system.

Downgrade puts the schema back; kept items with no provider go back to a placeholder (recreated
for them) by direction, with their template code as their code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import gongjian.models.base

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLACEHOLDERS = {
    "GJREF-COMM": ("共建参考社区党委", "community"),
    "GJREF-UNIT": ("共建参考单位机关党委", "unit"),
    "GJREF-SOC": ("共建参考社会工作服务中心", "social"),
}
OPEN_ADOPTION = sa.text("status != 'closed' AND template_code IS NOT NULL")
ACTOR = "系统（迁移 0019）"

_time = gongjian.models.base.UTCDateTime(timezone=True)
organizations = sa.table(
    "organizations",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("kind", sa.String),
    sa.column("description", sa.Text),
    sa.column("archived_at", _time),
    sa.column("version", sa.Integer),
    sa.column("updated_at", _time),
)
items = sa.table(
    "service_items",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("template_code", sa.String),
    sa.column("title", sa.String),
    sa.column("description", sa.Text),
    sa.column("category", sa.String),
    sa.column("provider_org_id", sa.Integer),
    sa.column("direction", sa.String),
    sa.column("capacity", sa.Integer),
    sa.column("status", sa.String),
    sa.column("closed_at", _time),
    sa.column("version", sa.Integer),
    sa.column("updated_at", _time),
)
templates = sa.table(
    "service_templates",
    sa.column("code", sa.String),
    sa.column("title", sa.String),
    sa.column("description", sa.Text),
    sa.column("category", sa.String),
    sa.column("direction", sa.String),
    sa.column("capacity", sa.Integer),
    sa.column("sort_order", sa.Integer),
)
categories = sa.table("service_categories", sa.column("code", sa.String), sa.column("sort_order", sa.Integer))
claims = sa.table("claims", sa.column("item_id", sa.Integer))
audit_events = sa.table(
    "audit_events",
    sa.column("occurred_at", _time),
    sa.column("actor_type", sa.String),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_name", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("changes", sa.JSON),
)


def upgrade() -> None:
    op.create_table(
        "service_templates",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("capacity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", _time, server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", _time, server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_service_templates_capacity_positive")),
        sa.ForeignKeyConstraint(
            ["category"], ["service_categories.code"], name=op.f("fk_service_templates_category_service_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_templates")),
        sa.UniqueConstraint("code", name=op.f("uq_service_templates_code")),
    )
    with op.batch_alter_table("service_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_code", sa.String(length=32), nullable=True))
        batch_op.alter_column("provider_org_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_service_items_template_code_service_templates"),
            "service_templates",
            ["template_code"],
            ["code"],
        )
    _move_reference_list(op.get_bind())
    with op.batch_alter_table("service_items", schema=None) as batch_op:
        batch_op.drop_constraint("uq_service_items_code", type_="unique")
        batch_op.drop_column("code")
        batch_op.create_index(batch_op.f("ix_service_items_template_code"), ["template_code"], unique=False)
        batch_op.create_index(
            "uq_service_items_provider_org_id_template_code_open",
            ["provider_org_id", "template_code"],
            unique=True,
            sqlite_where=OPEN_ADOPTION,
            postgresql_where=OPEN_ADOPTION,
        )


def _audit(conn: sa.Connection, now: datetime, action: str, entity: str, entity_id: int, changes: Any) -> None:
    conn.execute(
        audit_events.insert().values(
            occurred_at=now,
            actor_type="system",
            actor_id=None,
            actor_name=ACTOR,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            changes=changes,
        )
    )


def _references(conn: sa.Connection, org_ids: list[int]) -> dict[int, list[str]]:
    """Per organisation, the columns of other rows that still name it (every foreign key to
    `organizations.id`, read from the database itself, so a table added later is counted too)."""
    found: dict[int, list[str]] = {org_id: [] for org_id in org_ids}
    inspector = sa.inspect(conn)
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] != "organizations" or fk["referred_columns"] != ["id"]:
                continue
            column = sa.column(fk["constrained_columns"][0], sa.Integer)
            rows = conn.execute(
                sa.select(column, sa.func.count())
                .select_from(sa.table(table, column))
                .where(column.in_(org_ids))
                .group_by(column)
            )
            for org_id, count in rows:
                found[org_id].append(f"{table}.{column.name}×{count}")
    return found


def _move_reference_list(conn: sa.Connection) -> None:
    now = datetime.now(UTC)
    # 1. The templates, from the items that carry a reference code, in the list's order.
    reference = conn.execute(
        sa.select(
            items.c.code, items.c.title, items.c.description, items.c.category, items.c.direction, items.c.capacity
        )
        .select_from(items.outerjoin(categories, categories.c.code == items.c.category))
        .where(items.c.code.is_not(None))
        .order_by(categories.c.sort_order, items.c.code)
    ).all()
    for n, (code, title, description, category, direction, capacity) in enumerate(reference, start=1):
        conn.execute(
            templates.insert().values(
                code=code,
                title=title,
                description=description,
                category=category,
                direction=direction,
                capacity=capacity,
                sort_order=n,
            )
        )
    conn.execute(items.update().where(items.c.code.is_not(None)).values(template_code=items.c.code))

    # 2. The placeholders' items: deleted when nobody claimed them, else kept closed with no provider.
    placeholders: dict[int, str] = {
        org_id: code
        for org_id, code in conn.execute(
            sa.select(organizations.c.id, organizations.c.code).where(organizations.c.code.in_(PLACEHOLDERS))
        )
    }
    if not placeholders:
        return
    ids = sorted(placeholders)
    claimed = sa.select(claims.c.item_id)
    kept = conn.execute(
        sa.select(items.c.id, items.c.provider_org_id, items.c.status)
        .where(items.c.provider_org_id.in_(ids), items.c.id.in_(claimed))
        .order_by(items.c.id)
    ).all()
    for item_id, provider, status in kept:
        _audit(
            conn,
            now,
            "update",
            "service_item",
            item_id,
            {"provider_org_id": [provider, None], "status": [status, "closed"]},
        )
    if kept:
        conn.execute(
            items.update()
            .where(items.c.id.in_([row[0] for row in kept]))
            .values(
                provider_org_id=None,
                status="closed",
                closed_at=sa.func.coalesce(items.c.closed_at, now),
                version=items.c.version + 1,
                updated_at=now,
            )
        )
    unclaimed = [
        row[0]
        for row in conn.execute(
            sa.select(items.c.id).where(items.c.provider_org_id.in_(ids)).order_by(items.c.id)
        ).all()
    ]
    for item_id in unclaimed:
        _audit(conn, now, "delete", "service_item", item_id, {"reason": "旧版参考清单的占位项目，无人认领"})
    if unclaimed:
        conn.execute(items.delete().where(items.c.id.in_(unclaimed)))

    # 3. The placeholders themselves: deleted, or archived when another row still names them.
    references = _references(conn, ids)
    for org_id in ids:
        if references[org_id]:
            conn.execute(
                organizations.update()
                .where(organizations.c.id == org_id, organizations.c.archived_at.is_(None))
                .values(archived_at=now, version=organizations.c.version + 1, updated_at=now)
            )
            _audit(conn, now, "archive", "organization", org_id, {"still_named_by": references[org_id]})
        else:
            conn.execute(organizations.delete().where(organizations.c.id == org_id))
            _audit(conn, now, "delete", "organization", org_id, {"code": placeholders[org_id]})


def downgrade() -> None:
    op.drop_index("uq_service_items_provider_org_id_template_code_open", table_name="service_items")
    with op.batch_alter_table("service_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_items_template_code"))
        batch_op.add_column(sa.Column("code", sa.String(length=32), nullable=True))
    conn = op.get_bind()
    orphans = conn.execute(
        sa.select(items.c.id, items.c.direction, items.c.template_code).where(items.c.provider_org_id.is_(None))
    ).all()
    if orphans:
        now = datetime.now(UTC)
        by_kind: dict[str, int] = {}
        for code, (name, kind) in PLACEHOLDERS.items():
            if kind == "social":
                continue
            found = conn.execute(sa.select(organizations.c.id).where(organizations.c.code == code)).scalar()
            if found is None:
                found = conn.execute(
                    organizations.insert()
                    .values(code=code, name=name, kind=kind, description="", version=1, updated_at=now)
                    .returning(organizations.c.id)
                ).scalar_one()
            by_kind[kind] = found
        for item_id, direction, template_code in orphans:
            provider = by_kind["community" if direction == "need" else "unit"]
            # One kept item per reference code (each came from the placeholders' list): codes stay unique.
            conn.execute(
                items.update().where(items.c.id == item_id).values(provider_org_id=provider, code=template_code)
            )
    with op.batch_alter_table("service_items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_service_items_template_code_service_templates"), type_="foreignkey")
        batch_op.drop_column("template_code")
        batch_op.alter_column("provider_org_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_service_items_code"), ["code"])
    op.drop_table("service_templates")
