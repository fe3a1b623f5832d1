"""The schema comes only from the migrations, and the committed spec matches the code."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from gongjian.cli import alembic_config, render_openapi
from gongjian.db import normalise_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the suite's, dropped afterwards."""
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
