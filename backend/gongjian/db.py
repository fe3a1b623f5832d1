"""Engine and the unit of work.

The concurrency model (see README, "Architecture"): endpoints are `async def` and run their
database work synchronously inside one short `unit_of_work()` with no `await` in between. A
connection is therefore only ever held by code that doesn't yield to the event loop, so one process
never needs more than one pooled connection for its event-loop work, and no request pays the
thread-pool hop a `def` endpoint costs. Slow work (password hashing, imports) is sent to the thread
pool explicitly.

Writes under contention: on SQLite a transaction that begins deferred, reads, then writes must
upgrade its read snapshot to the write lock, and if another connection committed in between SQLite
answers "database is locked" at once (no busy timeout can wait that out; this gave 500s with two
worker processes). So a unit of work that may write takes the write lock when it begins
(`BEGIN IMMEDIATE`), where the busy timeout does wait. Which units may write is known from the
request: `WriteIntentMiddleware` marks every request but GET/HEAD/OPTIONS as writing, and
`unit_of_work()` follows that mark unless told otherwise (outside a request, e.g. the CLI, it
assumes writes). A database still busy after `GONGJIAN_DB_BUSY_TIMEOUT_SECONDS` raises, and
kit/errors.py answers 503 with Retry-After. PostgreSQL locks rows, not the database: there the
same setting is its `lock_timeout`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Engine, Select, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
from starlette.types import ASGIApp, Receive, Scope, Send

from gongjian.settings import get_settings

# Whether the current request may write (see the module docstring); True outside a request.
_writes_expected: ContextVar[bool] = ContextVar("writes_expected", default=True)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
    ) | {"hide_parameters": True}  # errors and logs never show bound values (phones, hashes)
    busy_ms = int(settings.db_busy_timeout_seconds * 1000)
    if _is_sqlite(url):
        engine = create_engine(
            url,
            **pool_args,
            # Connections are shared between the event loop thread and the thread pool.
            connect_args={"check_same_thread": False, "timeout": settings.db_busy_timeout_seconds},
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
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Straight to the driver: going through exec_driver_sql costs more than the BEGIN itself.
            mode = conn.get_execution_options().get("sqlite_begin", "")
            conn.connection.dbapi_connection.execute(f"BEGIN {mode}".strip())

        return engine
    engine = create_engine(url, **pool_args, pool_pre_ping=pooled)
    if pooled:  # the app's engine; migrations (unpooled) may wait for their locks as long as it takes

        @event.listens_for(engine, "connect")
        def _postgresql_lock_timeout(dbapi_conn: Any, _record: Any) -> None:
            # A write blocked on a row lock gives up like a SQLite write waiting for the database.
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET lock_timeout = {busy_ms}")
            dbapi_conn.commit()

    return engine


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return build_engine(get_settings().resolved_database_url)


@lru_cache(maxsize=1)
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False, autoflush=True)


def reset_engine() -> None:
    """Forget the cached engine (tests and the CLI point the app at another database)."""
    _reader.close()
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    _session_factory.cache_clear()
    get_settings.cache_clear()


@contextmanager
def unit_of_work(*, write_lock: bool | None = None) -> Iterator[Session]:
    """One transaction: commit when the block ends normally, roll back when it raises.

    Services flush, never commit. A unit that may write takes SQLite's write lock at its start
    (`BEGIN IMMEDIATE`): by default when the request's method writes (`WriteIntentMiddleware`),
    `write_lock=True` for a read request that writes, `write_lock=False` for a write request's
    read-only work (an import's long check). On PostgreSQL callers use `with_for_update()` on the
    rows they check for check-then-write sequences that must not race.
    """
    if write_lock is None:
        write_lock = _writes_expected.get()
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


class WriteIntentMiddleware:
    """Marks each HTTP request as writing or not by its method, for `unit_of_work()`'s default.

    Pure ASGI: the request runs in this task, so the mark holds for its whole handling (and the
    thread-pool work it starts, which copies the context).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _writes_expected.set(scope["method"] not in _READ_METHODS)
        try:
            await self.app(scope, receive, send)
        finally:
            _writes_expected.reset(token)


class HotQuery:
    """A Core select compiled once and run straight on the DB-API cursor.

    For the statements every request makes (who is calling), SQLAlchemy's
    per-execution machinery (cache key, execution context, result object) costs several times the
    query itself. This keeps the statement written in SQLAlchemy (portable, dialect-compiled) and
    converts each column with the same result processor SQLAlchemy would apply (so `UTCDateTime`,
    enums and dates come back as usual), but skips the rest. Only for statements whose binds are
    plain values (no expanding IN lists).
    """

    def __init__(self, stmt: Select[*tuple[Any, ...]]) -> None:
        self.stmt = stmt
        self.keys: tuple[str, ...] = tuple(str(column.key) for column in stmt.selected_columns)
        self._prepared: dict[tuple[str, str], _Prepared] = {}

    def _prepare(self, engine: Engine) -> _Prepared:
        key = (engine.dialect.name, engine.dialect.paramstyle)
        prepared = self._prepared.get(key)
        if prepared is None:
            dialect = engine.dialect
            compiled = self.stmt.compile(dialect=dialect)
            names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(compiled.params)
            processors = tuple(
                (index, convert)
                for index, column in enumerate(self.stmt.selected_columns)
                if (convert := column.type._cached_result_processor(dialect, None)) is not None
            )
            prepared = self._prepared[key] = _Prepared(compiled.string, dialect.positional, names, processors)
        return prepared

    def _run(self, params: dict[str, Any], one: bool) -> list[Sequence[Any]]:
        sql, positional, names, processors = self._prepare(get_engine())
        args: Any = tuple(params[name] for name in names) if positional else {name: params[name] for name in names}
        fetched = read_raw(sql, args, one=one)
        if not processors:
            return fetched
        rows: list[Sequence[Any]] = []
        for fetched_row in fetched:
            row = list(fetched_row)
            for index, convert in processors:
                row[index] = convert(row[index])
            rows.append(row)
        return rows

    def first(self, **params: Any) -> Sequence[Any] | None:
        rows = self._run(params, one=True)
        return rows[0] if rows else None

    def all(self, **params: Any) -> list[Sequence[Any]]:
        return self._run(params, one=False)


def read_raw(sql: str, args: Any, *, session: Session | None = None, one: bool = False) -> list[Sequence[Any]]:
    """Run compiled SQL on a DB-API cursor and fetch its rows, unconverted.

    With a session: on its connection, inside its transaction. Without: on its own, through the
    per-thread reader connection (`_Reader`).
    """
    if session is not None:
        cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, args)
            return list(cursor.fetchmany(1) if one else cursor.fetchall())
        finally:
            cursor.close()
    return _reader.run(get_engine(), sql, args, one)


class _Reader(threading.local):
    """One connection per thread, kept open in autocommit, for `HotQuery` and `read_raw`.

    A pool checkout costs more than these queries: on PostgreSQL a checkout is a pre-ping, the
    driver's BEGIN before the query and the pool's ROLLBACK on return — four statements for one
    SELECT (12 per organisation-list request, issue 18). Outside a transaction each SELECT reads the
    latest committed state on its own, exactly as a freshly checked-out connection would: on SQLite
    our connections already run so (isolation level None, see `build_engine`), on PostgreSQL the
    reader's connection is put in autocommit. The connection is taken from the engine's pool once
    (so it has our PRAGMAs or `lock_timeout`) and detached from it; a new engine (tests,
    `reset_engine`) gets a new connection. A failed statement drops the connection; a connection
    found broken (the server restarted, an idle connection cut) is replaced and the read — a
    SELECT, safe to repeat — tried once more, which is what the pre-ping did. Threads are the event
    loop's and the thread pool's, so a process holds at most that many reader connections.
    """

    engine: Engine | None = None
    connection: Any = None

    def run(self, engine: Engine, sql: str, args: Any, one: bool) -> list[Any]:
        fresh = self.engine is not engine
        if fresh:
            self._connect(engine)
        try:
            return self._read(sql, args, one)
        except engine.dialect.loaded_dbapi.OperationalError:
            broken = getattr(self.connection, "broken", False)  # psycopg: the connection is gone
            self.close()
            if fresh or not broken:
                raise  # a new connection that fails, or a query that failed: not a stale connection
            self._connect(engine)
            try:
                return self._read(sql, args, one)
            except BaseException:
                self.close()
                raise
        except BaseException:
            self.close()
            raise

    def _connect(self, engine: Engine) -> None:
        self.close()
        fairy = engine.raw_connection()
        fairy.detach()
        connection: Any = fairy.dbapi_connection
        if engine.dialect.name != "sqlite":
            connection.rollback()  # the pool hands it over idle; autocommit needs no open transaction
            connection.autocommit = True
        self.engine, self.connection = engine, connection

    def _read(self, sql: str, args: Any, one: bool) -> list[Any]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, args)
            rows = cursor.fetchmany(1) if one else cursor.fetchall()
        finally:
            cursor.close()
        return list(rows)

    def close(self) -> None:
        if self.connection is not None:
            with suppress(Exception):  # a broken connection may fail to close; it is dropped anyway
                self.connection.close()
        self.engine = self.connection = None


_reader = _Reader()


class _Prepared(NamedTuple):
    sql: str
    positional: bool  # SQLite's `?` placeholders take a tuple, PostgreSQL's named ones a dict
    bind_names: tuple[str, ...]  # in placeholder order when positional
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # only the columns that need converting
