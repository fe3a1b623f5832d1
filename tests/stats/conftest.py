"""`demo`: the demo community loaded (by `load_demo`, as `make run` does), for tests that read it.

Loading it takes ~30 s. The first test of the run that asks for it loads it into its emptied
database and keeps its rows in a file shared by the xdist workers (pytest's temp root of the run);
every later test, on any worker, gets those rows put back into its emptied tables (a second or so),
with the sequences moved past them.
"""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from gongjian.demo.loader import DemoResult, load_demo

DEMO_PASSWORD = "demo-password-1"
# Rows of each table, by table name, in the metadata's order (parents first).
Rows = list[tuple[str, list[dict[str, Any]]]]


def _snapshot() -> Rows:
    from gongjian.db import get_engine
    from gongjian.models import Base

    with get_engine().connect() as conn:
        return [
            (table.name, [dict(r._mapping) for r in conn.execute(select(table).order_by(*table.primary_key.columns))])
            for table in Base.metadata.sorted_tables
        ]


def _restore(rows: Rows) -> None:
    from gongjian.db import get_engine
    from gongjian.models import Base

    engine = get_engine()
    with engine.begin() as conn:
        for name, table_rows in rows:
            if table_rows:
                conn.execute(Base.metadata.tables[name].insert(), table_rows)
        if engine.dialect.name == "postgresql":
            for name, table_rows in rows:
                table = Base.metadata.tables[name]
                if not table_rows or "id" not in table.c:
                    continue
                sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name}).scalar()
                if sequence:
                    top = conn.execute(select(func.max(table.c.id))).scalar()
                    conn.execute(text("SELECT setval(:s, :n)"), {"s": sequence, "n": top})


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This run's temp folder: under xdist the one the workers' folders share."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture
def demo(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """The result of loading the demo into this test's (empty) database, `created` as it was then."""
    root = _run_root(tmp_path_factory)
    saved, failed = root / "demo-rows.pickle", root / "demo-rows.failed"
    try:
        os.close(os.open(root / "demo-rows.lock", os.O_CREAT | os.O_EXCL))
    except FileExistsError:  # another test loads it, or has: wait for its rows
        deadline = time.monotonic() + 900
        while not saved.exists():
            assert not failed.exists(), "loading the demo failed in another test (see its error)"
            assert time.monotonic() < deadline, "the demo's rows did not appear"
            time.sleep(0.5)
        result, rows = pickle.loads(saved.read_bytes())
        _restore(rows)
        return result  # type: ignore[no-any-return]
    try:
        result = load_demo(password=DEMO_PASSWORD)
        building = root / "demo-rows.pickle.part"
        building.write_bytes(pickle.dumps((result, _snapshot())))
        building.rename(saved)
    except BaseException:
        failed.touch()
        raise
    return result
