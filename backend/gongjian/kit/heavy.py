"""Heavy reads — reports, summaries, exports — run off the event loop, a bounded number at a time.

Every endpoint is a coroutine that does its database work synchronously (README, "one concurrency
model"): right for the short reads that are nearly all of the traffic, since a hop to a thread costs
more than the query. A report that reads a community's year of records or writes a 20,000-row
spreadsheet is the opposite case: done on the loop, it holds every other request of the process
for its whole duration (issue 18 measured the organisation list's p99 going from 42 ms to several
seconds beside a looping hours summary). Such work goes through `run_heavy`:

- it runs in the thread pool, with its own unit of work inside the function (never a session
  opened on the loop), so the loop keeps serving while the database works — SQLite and psycopg
  both release the GIL while a statement executes;
- at most `HEAVY_JOBS` run at once per process; more wait their turn without occupying a thread,
  so a burst of exports can't take every pooled connection or starve the short requests of CPU.

Short reads stay on the loop: bounded by a page, they cost less than the hop would.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")

# Two: one per core on the machines we run on; the loop's own work needs the rest of the time.
HEAVY_JOBS = 2
# One limiter per event loop: a limiter's waiters belong to the loop that made it (tests run several).
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


def _heavy_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(HEAVY_JOBS)
    return limiter


async def run_heavy(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` in a worker thread, once one of the HEAVY_JOBS slots is free."""
    return await anyio.to_thread.run_sync(partial(function, *args, **kwargs), limiter=_heavy_limiter())
