"""A real uvicorn process serving the app on a free loopback port, for tests that need a socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

# How long the server may take to start before the test fails.
STARTUP_SECONDS = 120


class LiveServer(str):
    """The server's base URL (a str, as the tests use it) that also knows the server's process."""

    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far: what a request cost, unlike the
        wall-clock time, which grows with whatever else the machine runs (Linux)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(extra_env: dict[str, str] | None = None, workers: int = 1) -> Iterator[LiveServer]:
    """Serve with the same environment as the test session (same database, same signing key)."""
    port = free_port()
    env = {**os.environ, **(extra_env or {})}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "gongjian.app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Importing the app takes ~2 s on an idle machine but 10–40 s when the machine is shared
        # (seen with several test runs at once); a server that is still starting is not a failure.
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.1)
        served = LiveServer(base)
        served.pid = proc.pid
        yield served
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
