"""Engine and the unit of work.

The concurrency model (see README, "Architecture"): endpoints are `async def` and run their
database work synchronously inside one short `unit_of_work()` with no `await` in between. A
connection is therefore only ever held by code that doesn't yield to the event loop, so one process
never needs more than one pooled connection for its event-loop work, and no request pays the
thread-pool hop a `def` endpoint costs. Slow work (password hashing, imports) is sent to the thread
pool explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import ClauseElement, Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from gongjian.settings import get_settings


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def normalise_url(url: str) -> str:
    """Accept the usual `postgresql://` form and use psycopg 3 for it."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def build_engine(url: str, *, pooled: bool = True) -> Engine:
    """`pooled=False` for one-off tools (migrations) that must leave no connection behind."""
    url = normalise_url(url)
    settings = get_settings()
    pool_args: dict[str, Any] = (
        {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
        if pooled
        else {"poolclass": NullPool}
    )
    if _is_sqlite(url):
        engine = create_engine(
            url,
            **pool_args,
            # Connections are shared between the event loop thread and the thread pool.
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite's own transaction handling would defer BEGIN; we issue BEGIN ourselves
            # (see _sqlite_begin) so that `BEGIN IMMEDIATE` is possible for check-then-write.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Straight to the driver: going through exec_driver_sql costs more than the BEGIN itself.
            mode = conn.get_execution_options().get("sqlite_begin", "")
            conn.connection.dbapi_connection.execute(f"BEGIN {mode}".strip())

        return engine
    return create_engine(url, **pool_args, pool_pre_ping=pooled)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return build_engine(get_settings().resolved_database_url)


@lru_cache(maxsize=1)
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False, autoflush=True)


def reset_engine() -> None:
    """Forget the cached engine (tests and the CLI point the app at another database)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    _session_factory.cache_clear()
    get_settings.cache_clear()


@contextmanager
def read_only() -> Iterator[Connection]:
    """A connection for a read-only request: Core statements, no ORM session, nothing committed.

    The hot list endpoints read through this; the ORM session costs more than the queries there
    (measured: README, "Architecture").
    """
    with get_engine().connect() as conn:
        yield conn


@contextmanager
def unit_of_work(*, write_lock: bool = False) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll back when it raises.

    Services flush, never commit. `write_lock=True` takes the database's write lock at the start
    (SQLite `BEGIN IMMEDIATE`; on PostgreSQL callers use `with_for_update()` on the rows they check)
    for check-then-write sequences that must not race.
    """
    session = _session_factory()()
    try:
        if write_lock and get_engine().dialect.name == "sqlite":
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class HotQuery:
    """A Core statement compiled once and run straight on the DB-API cursor.

    For the query every request makes (who is calling), SQLAlchemy's per-execution machinery costs
    several times the query itself. This keeps the statement written in SQLAlchemy (portable,
    dialect-compiled) but skips that machinery. Only for plain reads whose columns need no type
    processing (ints, strings, booleans); everything else goes through a session or connection.
    """

    def __init__(self, stmt: ClauseElement) -> None:
        self.stmt = stmt
        self._compiled: dict[tuple[str, str], tuple[str, tuple[str, ...] | None]] = {}

    def _sql_for(self, engine: Engine) -> tuple[str, tuple[str, ...] | None]:
        key = (engine.dialect.name, engine.dialect.paramstyle)
        if key not in self._compiled:
            compiled = self.stmt.compile(dialect=engine.dialect)
            positions = getattr(compiled, "positiontup", None) or ()
            order = tuple(positions) if engine.dialect.positional else None
            self._compiled[key] = (compiled.string, order)
        return self._compiled[key]

    def first(self, **params: Any) -> tuple[Any, ...] | None:
        engine = get_engine()
        sql, order = self._sql_for(engine)
        args: Any = tuple(params[name] for name in order) if order is not None else params
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(sql, args)
            row = cursor.fetchone()
            cursor.close()
        finally:
            raw.close()  # back to the pool, which rolls back whatever the driver began
        return tuple(row) if row is not None else None
