"""Migration 0020 gives rows that existed before it the business date their timestamp meant: the
Asia/Shanghai day (UTC+8) of `created_at`, `fulfilled_at`, `reported_at`… — what the app writes
when no business date is given — and existing volunteer records the `weekdays` deadline basis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gongjian.cli import alembic_config
from gongjian.db import normalise_url

# 15:59 UTC is 23:59 in Beijing, 16:00 UTC the next day's 00:00.
LATE_EVENING = datetime(2025, 12, 31, 15, 59, tzinfo=UTC)
MIDNIGHT = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
MORNING = datetime(2025, 6, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the suite's kind, dropped afterwards."""
    if not database_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    url = make_url(normalise_url(database_url))
    name = f"gj_scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_existing_rows_get_the_local_day_of_their_timestamps(scratch_url: str) -> None:
    config = alembic_config(scratch_url)
    command.upgrade(config, "0019")
    engine = create_engine(normalise_url(scratch_url))
    try:
        with engine.begin() as conn:
            tables = sa.MetaData()
            tables.reflect(conn)

            def add(table: str, **values: Any) -> None:
                """Insert a row, filling required columns the test doesn't care about."""
                t = tables.tables[table]
                for column in t.columns:
                    needed = not (column.nullable or column.primary_key or column.server_default is not None)
                    if needed and column.name not in values:
                        values[column.name] = _filler(column)
                conn.execute(t.insert().values(**values))

            stamp = {"created_at": MORNING, "updated_at": MORNING}
            add("organizations", id=1, name="柳湖社区", code="LH", kind="community", **stamp)
            add("members", id=1, name="王五", category="retired", community_org_id=1, **stamp)
            wish = {
                "community_org_id": 1,
                "resident_name": "刘",
                "content": "收音机",
                "kind": "goods",
                "status": "submitted",
            }
            add("wishes", id=1, **wish, created_at=LATE_EVENING, updated_at=LATE_EVENING)
            add("wishes", id=2, **wish, created_at=MIDNIGHT, updated_at=MIDNIGHT, fulfilled_at=MIDNIGHT)
            add("service_categories", id=1, code="volunteer", name="志愿服务", **stamp)
            add("service_items", id=1, title="助老", category="volunteer", provider_org_id=1, direction="need", **stamp)
            claim = {
                "item_id": 1,
                "organization_id": 1,
                "status": "claimed",
                "claimed_by": "user:1",
                "claimed_by_name": "张三",
            }
            add("claims", id=1, **claim, created_at=LATE_EVENING, updated_at=LATE_EVENING, completed_at=MIDNIGHT)
            concern = {
                "community_org_id": 1,
                "category": "sanitation",
                "title": "堆物",
                "reporter_kind": "admin",
                "reporter_name": "李四",
                "reported_by": "user:2",
                "reported_by_name": "李四",
                "status": "resolved",
            }
            add("concerns", id=1, **concern, reported_at=LATE_EVENING, resolved_at=MIDNIGHT, **stamp)
            add(
                "meetings",
                id=1,
                community_org_id=1,
                kind="joint",
                held_on=date(2025, 12, 1),
                theme="整治",
                attending_org_ids=[],
                created_by="user:2",
                created_by_name="李四",
                **stamp,
            )
            add("meeting_topics", id=1, meeting_id=1, title="难题", **stamp)
            task = {"topic_id": 1, "owner_org_id": 1, "description": "清运", "due_on": date(2026, 1, 1), **stamp}
            add("meeting_tasks", id=1, **task, status="done", done_at=MIDNIGHT)
            add("meeting_tasks", id=2, **task, status="open")
            add(
                "volunteer_records",
                id=1,
                member_id=1,
                content="清扫",
                started_at=MORNING,
                ended_at=MORNING,
                half_hours=2,
                hours_source="entered",
                organizer_org_id=1,
                recorded_by="user:2",
                recorded_by_name="李四",
                recorded_at=MORNING,
                entry_deadline=date(2025, 6, 13),
                **stamp,
            )
        command.upgrade(config, "0020")
        with engine.connect() as conn:

            def rows(sql: str) -> list[tuple[Any, ...]]:
                return [tuple(_day(v) for v in row) for row in conn.execute(text(sql))]

            assert rows("SELECT id, registered_on, fulfilled_on FROM wishes ORDER BY id") == [
                (1, "2025-12-31", None),
                (2, "2026-01-01", "2026-01-01"),
            ]
            assert rows("SELECT claimed_on, completed_on FROM claims") == [("2025-12-31", "2026-01-01")]
            assert rows("SELECT reported_on, resolved_on FROM concerns") == [("2025-12-31", "2026-01-01")]
            assert rows("SELECT id, done_on FROM meeting_tasks ORDER BY id") == [(1, "2026-01-01"), (2, None)]
            assert rows("SELECT entry_deadline_basis FROM volunteer_records") == [("weekdays",)]
            assert rows("SELECT COUNT(*) FROM calendar_days") == [(0,)]
        command.downgrade(config, "0019")
        command.upgrade(config, "head")
    finally:
        engine.dispose()


def _filler(column: sa.Column[Any]) -> object:
    if column.foreign_keys:
        return "volunteer" if next(iter(column.foreign_keys)).target_fullname == "service_categories.code" else 1
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.DateTime):
        return MORNING
    if isinstance(kind, sa.Date):
        return date(2025, 6, 1)
    if isinstance(kind, sa.JSON):
        return []
    return "x"


def _day(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
