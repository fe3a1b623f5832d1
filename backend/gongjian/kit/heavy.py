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

A download (an export) goes through `stream_heavy`: the same slots, but the file's bytes are sent
while the worker writes them, a few chunks ahead at most, so a 20,000-row export is never whole in
memory and its first bytes leave before its last row is read.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import BinaryIO, ParamSpec, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from anyio.streams.memory import MemoryObjectSendStream

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


# A file written by heavy work is sent while it is being written, in chunks of this size, at most
# STREAM_BUFFER chunks ahead of the client: the file is never whole in memory, and a slow client
# slows the writer instead of filling the memory.
STREAM_CHUNK = 64 * 1024
STREAM_BUFFER = 4


class _ChunkSink:
    """A write-only, unseekable file for the worker thread: its bytes go to the loop in chunks."""

    def __init__(self, send: MemoryObjectSendStream[bytes]) -> None:
        self._send = send
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= STREAM_CHUNK:
            self._push()
        return len(data)

    def flush(self) -> None:
        """Kept for file-likes' sake: chunks go out when full (zip and csv writers flush often)."""

    def _push(self) -> None:
        chunk, self._buffer = bytes(self._buffer), bytearray()
        # Blocks while STREAM_BUFFER chunks wait; fails once the response is abandoned (the
        # client went away), which ends the writer.
        anyio.from_thread.run(self._send.send, chunk)

    def close(self) -> None:
        if self._buffer:
            self._push()


async def stream_heavy(write: Callable[[BinaryIO], None]) -> AsyncIterator[bytes]:
    """`write(file)` run like `run_heavy`, its bytes sent on as they are written.

    Waits for the first chunk: an error raised before the writer wrote anything (a 404, a 422 of
    the filters) is raised here, so the caller answers it as a problem; an error after that cuts
    the download short (the client sees an incomplete file, never a mix of file and problem)."""
    send, receive = anyio.create_memory_object_stream[bytes](max_buffer_size=STREAM_BUFFER)

    def work() -> None:
        try:
            sink = _ChunkSink(send)
            write(sink)  # type: ignore[arg-type]  # a write-only file: all the writers use
            sink.close()
        finally:
            anyio.from_thread.run_sync(send.close)

    task = asyncio.ensure_future(run_heavy(work))
    # The task's error is read below, or stays unread when the client went away: don't warn.
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    try:
        first = await receive.receive()
    except anyio.EndOfStream:
        await task  # the writer's error, if it failed before writing
        first = b""
    except BaseException:
        receive.close()
        raise

    async def chunks() -> AsyncIterator[bytes]:
        try:
            if first:
                yield first
            async for chunk in receive:
                yield chunk
            await task
        finally:
            receive.close()

    return chunks()
