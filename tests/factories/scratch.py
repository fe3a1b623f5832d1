"""An empty database of the suite's kind (SQLite file or a fresh PostgreSQL database beside the
suite's), for tests that run the migrations themselves: up to an old revision, rows in the old
shape, then up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gongjian.db import normalise_url


@contextmanager
def scratch_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Its URL; a PostgreSQL one is dropped afterwards."""
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
