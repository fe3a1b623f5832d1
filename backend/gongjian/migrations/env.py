"""Alembic environment: the app's own engine (so SQLite gets the same pragmas), the models' metadata."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo

from gongjian.db import build_engine
from gongjian.models import Base
from gongjian.settings import get_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _check_foreign_keys(ctx: MigrationContext, step: MigrationInfo, heads: Collection[str], run_args: Any) -> None:
    """After each SQLite revision, before it commits: the rows it moved still point somewhere."""
    assert ctx.connection is not None
    broken = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"rows whose foreign keys point nowhere (table, rowid, parent, fk): {broken[:5]}")


def run_migrations_online() -> None:
    engine = build_engine(_url(), pooled=False)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copy-and-move, and with foreign keys enforced, dropping the
            # old copy of a table other rows point at fails. The pragma only changes outside a
            # transaction, so it goes off before the revisions run; each is checked before it commits.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite alters tables by copy-and-move
            compare_type=True,
            on_version_apply=_check_foreign_keys if sqlite else None,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
