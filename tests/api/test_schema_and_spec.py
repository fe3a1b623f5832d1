"""The schema comes only from the migrations, and the committed spec matches the code."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection

from factories.scratch import scratch_database
from gongjian.cli import alembic_config, render_openapi
from gongjian.db import normalise_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the suite's, dropped afterwards."""
    with scratch_database(database_url, tmp_path) as url:
        yield url


def test_models_and_migrations_agree_and_downgrade_round_trips(scratch_database_url: str) -> None:
    config = alembic_config(scratch_database_url)
    command.upgrade(config, "head")
    command.check(config)  # raises if the models need a migration the revisions don't have
    engine = create_engine(normalise_url(scratch_database_url))
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"organizations", "partnerships", "users", "api_keys", "audit_events"} <= tables
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) == tables
    finally:
        engine.dispose()


# --- 0009: who-did-it stamps move from four forms to key + name -----------------------------------

# Foreign keys a filler row points at (each row below is the only one of its table, id 1).
_REFERENCES = {"service_categories.code": "party"}


def _filler(column: sa.Column[Any]) -> object:
    """A value for a required column the test doesn't care about."""
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).target_fullname
        return _REFERENCES.get(target, 1)
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.DateTime):
        return datetime(2017, 6, 1, 8)
    if isinstance(kind, sa.Date):
        return date(2017, 6, 1)
    if isinstance(kind, sa.JSON):
        return []
    return "x"


def _insert(conn: Connection, tables: sa.MetaData, table: str, **values: object) -> None:
    """Insert one row, filling the required columns not given (but the id and those with a default)."""
    t = tables.tables[table]
    for column in t.columns:
        required = not (column.nullable or column.primary_key or column.server_default is not None)
        if required and column.name not in values:
            values[column.name] = _filler(column)
    conn.execute(t.insert().values(**values))


def _old_rows(conn: Connection) -> None:
    """Rows as revision 0006 stored them: every stamp in one of its four old forms."""
    tables = sa.MetaData()
    tables.reflect(conn)

    def add(table: str, **values: object) -> None:
        _insert(conn, tables, table, **values)

    def created(entity: str, entity_id: int, actor_type: str, actor_id: int | None, name: str) -> None:
        add(
            "audit_events",
            actor_type=actor_type,
            actor_id=actor_id,
            actor_name=name,
            action="create",
            entity=entity,
            entity_id=str(entity_id),
            changes={},
        )

    add("organizations", id=1, name="柳湖社区", kind="community")
    add("users", id=1, username="zhang", display_name="张三", role="admin")
    add("users", id=2, username="li", display_name="李四", role="community_admin")
    add("api_keys", id=1, name="同步脚本", prefix="gj_a", key_hash="a" * 64, created_by_id=1)
    add("api_keys", id=2, name="无名", prefix="gj_b", key_hash="b" * 64, created_by_id=None)
    add("members", id=1, name="王五", category="retired")
    # key only
    for n, key in enumerate(("user:1", "api_key:1", "system:0", "", "user:99"), start=1):
        add("activities", id=n, created_by=key)
    add("activity_signups", id=1, activity_id=1, member_id=1, signed_up_by="user:2", attendance_marked_by="李四")
    add("activity_signups", id=2, activity_id=2, member_id=1, signed_up_by="api_key:1", attendance_marked_by=None)
    add("meetings", id=1, created_by="user:2")
    add("honors", id=1, created_by="system:0", recipient_kind="member")
    add("concerns", id=1, reported_by="user:2")
    add("concern_steps", id=1, concern_id=1, to_status="reported", actor="user:2", actor_name="李四")
    add("volunteer_records", id=1, recorded_by="user:1", recorded_by_name="张三", reviewed_by=None)
    add("volunteer_correction_requests", id=1, record_id=1, requested_by="user:2", answered_by=None)
    add("volunteer_correction_requests", id=2, record_id=1, requested_by="user:2", answered_by="user:1")
    add("volunteer_certificates", id=1, number="ZM-1", issued_by="api_key:1")
    # name only
    add("service_categories", id=1, code="party", name="党建")
    add("service_items", id=1, category="party")
    for n, name in enumerate(("张三", "同步脚本", "旧账号"), start=1):
        add("claims", id=n, item_id=1, claimed_by=name)
    created("claim", 1, "user", 1, "张三")
    created("claim", 2, "api_key", 1, "同步脚本")  # claim 3 has no audit event
    add("evaluation_periods", id=1)
    add("evaluations", id=1, period_id=1, member_id=1, community_scored_by="社区甲", unit_scored_by=None)
    add("webhook_subscriptions", id=1, url="https://a.example", events=[], created_by_name="张三")
    add("webhook_subscriptions", id=2, url="https://b.example", events=[], created_by_name="旧账号")
    created("webhook_subscription", 1, "user", 1, "张三")
    add("wechat_invitations", id=1, code_hash="c" * 64, member_id=1, created_by_name="李四")
    created("wechat_invitation", 1, "user", 2, "李四")
    # name + type + id
    add("cards", id=1, member_id=1, number="LHT-JF-000001", series="LHT-JF", sequence=1)
    for n, (kind, actor_id, name) in enumerate(
        (("user", 1, "张三"), ("system", None, "系统"), ("api_key", 1, "同步脚本")), start=1
    ):
        add("card_entries", id=n, card_id=1, recorded_by_name=name, recorded_by_type=kind, recorded_by_id=actor_id)
    add("community_records", id=1, member_id=1, recorded_by_name="李四", recorded_by_type="user", recorded_by_id=2)


def _stamps(conn: Connection, table: str, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id"))]


def test_stamps_migration_moves_every_old_form_to_key_and_name(scratch_database_url: str) -> None:
    config = alembic_config(scratch_database_url)
    command.upgrade(config, "0006")
    engine = create_engine(normalise_url(scratch_database_url))
    try:
        with engine.begin() as conn:
            _old_rows(conn)
        command.upgrade(config, "0009")
        with engine.connect() as conn:
            # key only: the name is today's name of the account the key names ('' if none)
            assert _stamps(conn, "activities", "created_by", "created_by_name") == [
                ("user:1", "张三"),
                ("api_key:1", "同步脚本"),
                ("system:0", "系统"),
                ("", ""),
                ("user:99", ""),
            ]
            assert _stamps(conn, "meetings", "created_by", "created_by_name") == [("user:2", "李四")]
            assert _stamps(conn, "honors", "created_by", "created_by_name") == [("system:0", "系统")]
            assert _stamps(conn, "concerns", "reported_by", "reported_by_name") == [("user:2", "李四")]
            assert _stamps(conn, "volunteer_certificates", "issued_by", "issued_by_name") == [("api_key:1", "同步脚本")]
            assert _stamps(
                conn,
                "volunteer_correction_requests",
                "requested_by",
                "requested_by_name",
                "answered_by",
                "answered_by_name",
            ) == [("user:2", "李四", None, None), ("user:2", "李四", "user:1", "张三")]
            # key only and name only in one table
            assert _stamps(
                conn,
                "activity_signups",
                "signed_up_by",
                "signed_up_by_name",
                "attendance_marked_by",
                "attendance_marked_by_name",
            ) == [("user:2", "李四", "", "李四"), ("api_key:1", "同步脚本", None, None)]
            # name only: the key from the create event in the audit trail, else ''
            assert _stamps(conn, "claims", "claimed_by", "claimed_by_name") == [
                ("user:1", "张三"),
                ("api_key:1", "同步脚本"),
                ("", "旧账号"),
            ]
            assert _stamps(conn, "webhook_subscriptions", "created_by", "created_by_name") == [
                ("user:1", "张三"),
                ("", "旧账号"),
            ]
            assert _stamps(conn, "wechat_invitations", "created_by", "created_by_name") == [("user:2", "李四")]
            assert _stamps(
                conn,
                "evaluations",
                "community_scored_by",
                "community_scored_by_name",
                "unit_scored_by",
                "unit_scored_by_name",
            ) == [("", "社区甲", None, None)]
            # name + type + id: the key from type and id, the system as system:0
            assert _stamps(conn, "card_entries", "recorded_by", "recorded_by_name") == [
                ("user:1", "张三"),
                ("system:0", "系统"),
                ("api_key:1", "同步脚本"),
            ]
            assert _stamps(conn, "community_records", "recorded_by", "recorded_by_name") == [("user:2", "李四")]
            # a foreign key to the creating user
            assert _stamps(conn, "api_keys", "created_by", "created_by_name") == [("user:1", "张三"), ("", "")]
            # key + name under other names
            assert _stamps(conn, "concern_steps", "changed_by", "changed_by_name") == [("user:2", "李四")]
            # already in the target form: untouched
            assert _stamps(conn, "volunteer_records", "recorded_by", "recorded_by_name") == [("user:1", "张三")]
            old = {c["name"] for c in inspect(conn).get_columns("card_entries")} & {
                "recorded_by_type",
                "recorded_by_id",
            }
            assert not old and "created_by_id" not in {c["name"] for c in inspect(conn).get_columns("api_keys")}

        command.downgrade(config, "0006")
        with engine.connect() as conn:
            assert _stamps(conn, "card_entries", "recorded_by_name", "recorded_by_type", "recorded_by_id") == [
                ("张三", "user", 1),
                ("系统", "system", None),
                ("同步脚本", "api_key", 1),
            ]
            assert _stamps(conn, "api_keys", "created_by_id") == [(1,), (None,)]
            assert _stamps(conn, "claims", "claimed_by") == [("张三",), ("同步脚本",), ("旧账号",)]
            assert _stamps(conn, "evaluations", "community_scored_by", "unit_scored_by") == [("社区甲", None)]
            assert _stamps(conn, "activity_signups", "signed_up_by", "attendance_marked_by") == [
                ("user:2", "李四"),
                ("api_key:1", None),
            ]
            assert _stamps(conn, "concern_steps", "actor", "actor_name") == [("user:2", "李四")]
            assert _stamps(conn, "activities", "created_by") == [
                ("user:1",),
                ("api_key:1",),
                ("system:0",),
                ("",),
                ("user:99",),
            ]
    finally:
        engine.dispose()


def test_committed_openapi_matches_the_code() -> None:
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == render_openapi(), "openapi.yaml is stale: run `make openapi` and commit it"


def test_operation_ids_are_stable_names_and_problems_are_declared(app) -> None:  # type: ignore[no-untyped-def]
    spec = app.openapi()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert {"login", "list_organizations", "create_organization", "list_audit_events", "list_enums"} <= set(ids)
    for op in operations:
        if op["operationId"] in {"list_enums", "health"}:
            continue
        assert "application/problem+json" in op["responses"]["422"]["content"], op["operationId"]
    assert "Problem" in spec["components"]["schemas"]
    assert os.environ["DATABASE_URL"]  # the suite's database is configured before the app is built


def test_every_reference_in_the_spec_resolves(app) -> None:  # type: ignore[no-untyped-def]
    spec = app.openapi()
    refs: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                refs.add(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    schemas = spec["components"]["schemas"]
    missing = sorted(r for r in refs if r.removeprefix("#/components/schemas/") not in schemas)
    assert missing == []
    assert {"Problem", "ImportProblem"} <= set(schemas)
