"""Test harness: a real database built by the migrations, the app called over HTTP.

- SQLite by default (a file under pytest's temp dir); PostgreSQL when TEST_DATABASE_URL is set
  (`.ci/run` points it at a fresh database on the local server).
- The schema is built once per session by `alembic upgrade head`, never `create_all`.
- Each test starts from empty tables (every table is emptied after the test), so tests can't see
  each other's rows.
- Under pytest-xdist (`make test` runs `-n 2`) each worker has its own database: its own SQLite
  file (pytest's temp dir is per worker) or, on PostgreSQL, a database created beside
  TEST_DATABASE_URL's for the session and dropped after it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

TEST_ROOT = Path(__file__).resolve().parent


@contextmanager
def _worker_database(url: str, worker: str) -> Iterator[str]:
    """A PostgreSQL database for this xdist worker, next to the one TEST_DATABASE_URL names."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from gongjian.db import normalise_url

    base = make_url(normalise_url(url))
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not survive a power cut: commits don't wait for the WAL's fsync
        # (~2 ms each on this disk, thousands of commits a run). Same SQL, same results.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        from gongjian.db import reset_engine

        reset_engine()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with ExitStack() as stack:
        url = os.environ.get("TEST_DATABASE_URL")
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if url and worker:
            url = stack.enter_context(_worker_database(url, worker))
        yield from _prepared_database(tmp_path_factory, url)


def _prepared_database(tmp_path_factory: pytest.TempPathFactory, url: str | None) -> Iterator[str]:
    var_dir = tmp_path_factory.mktemp("var")
    url = url or f"sqlite:///{var_dir / 'test.db'}"
    os.environ["DATABASE_URL"] = url
    os.environ["GONGJIAN_VAR_DIR"] = str(var_dir)
    # Cheap argon2id (still argon2id): the suite creates hundreds of accounts.
    os.environ["GONGJIAN_ARGON2_TIME_COST"] = "1"
    os.environ["GONGJIAN_ARGON2_MEMORY_KIB"] = "1024"
    # The SPA is exercised by the frontend's own browser suite; keep API tests independent of a build.
    os.environ["GONGJIAN_SPA_DIR"] = str(var_dir / "no-spa")
    os.environ["GONGJIAN_MINIAPP_DIR"] = str(var_dir / "no-miniapp")
    from alembic import command

    from gongjian.auth.passwords import _hasher
    from gongjian.auth.tokens import _verify, signing_key
    from gongjian.cli import alembic_config
    from gongjian.db import get_engine, reset_engine

    reset_engine()
    signing_key.cache_clear()
    _verify.cache_clear()
    _hasher.cache_clear()
    if get_engine().dialect.name == "postgresql":
        with get_engine().begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(), "head")
    yield url
    reset_engine()


def _empty_all_tables() -> None:
    from gongjian.db import get_engine
    from gongjian.models import Base

    engine = get_engine()
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        # DELETE rather than TRUNCATE on PostgreSQL too: TRUNCATE of ~50 tables makes a new file for
        # each (0.23 s a test, measured), DELETE of the few rows a test leaves costs 15 ms.
        for table in tables:
            conn.execute(table.delete())
        if engine.dialect.name == "postgresql":
            if str(engine.url) not in _RESTART_SEQUENCES:
                _RESTART_SEQUENCES[str(engine.url)] = _restart_sequences(conn)
            conn.execute(text(_RESTART_SEQUENCES[str(engine.url)]))
        elif _has_sqlite_sequence(conn):
            conn.execute(text("DELETE FROM sqlite_sequence"))


_RESTART_SEQUENCES: dict[str, str] = {}


def _restart_sequences(conn: object) -> str:
    """One statement that sets every sequence of the schema back to 1, as RESTART IDENTITY would."""
    names = conn.execute(  # type: ignore[attr-defined]
        text(
            "SELECT quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        )
    ).scalars()
    return "SELECT " + ", ".join(f"setval('{name}', 1, false)" for name in names)


def _has_sqlite_sequence(conn: object) -> bool:
    return bool(
        conn.execute(  # type: ignore[attr-defined]
            text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
        ).first()
    )


@pytest.fixture(autouse=True)
def _isolated(database_url: str) -> Iterator[None]:
    yield
    _empty_all_tables()


@pytest.fixture(scope="session")
def app(database_url: str):  # type: ignore[no-untyped-def]
    from gongjian.app import create_app

    return create_app()


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="http://testserver/api/v1/", raise_server_exceptions=False) as c:
        yield c
