"""Finding 2 measured: the server's peak memory and `/health` latency under a flood of logins.

Serves the app (one uvicorn worker, argon2 at its real default cost: 64 MiB per check) on a fresh
SQLite database, sends FLOOD_LOGINS (80) concurrent `POST /auth/token` with random user names and
random passwords, probes `/health` every 100 ms meanwhile, and prints the server's peak resident
memory (VmHWM), the answers by status and code, and the health latencies. Bounded: one flood, then
the server stops. FLOOD_BASELINE=<another checkout>/backend measures that code instead (e.g. the
code before the fix), on the same kind of database.

    python bench/login_flood.py
    FLOOD_BASELINE=/path/to/old/checkout/backend python bench/login_flood.py
"""

from __future__ import annotations

import collections
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

BACKEND = Path(os.environ.get("FLOOD_BASELINE") or Path(__file__).resolve().parents[1] / "backend")
LOGINS = int(os.environ.get("FLOOD_LOGINS", "80"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def attempt(base: str) -> str:
    body = {"username": f"nobody-{secrets.token_hex(4)}", "password": secrets.token_urlsafe(12)}
    try:
        response = httpx.post(f"{base}/api/v1/auth/token", data=body, timeout=120)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    code = response.json().get("code", "") if response.status_code >= 400 else ""
    return f"{response.status_code} {code}".strip()


def main() -> None:
    var = Path(tempfile.mkdtemp(prefix="gongjian-flood-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_ARGON2")},
        "PYTHONPATH": str(BACKEND),
        "DATABASE_URL": f"sqlite:///{var / 'flood.db'}",
        "GONGJIAN_VAR_DIR": str(var),
        "GONGJIAN_SPA_DIR": str(var / "no-spa"),
    }
    subprocess.run([sys.executable, "-m", "gongjian.cli", "migrate"], env=env, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "gongjian.app:app", "--port", str(port), "--log-level", "warning"],
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        attempt(base)  # warm-up: the dummy hash, imports
        idle_rss = peak_rss_mib(server.pid)
        health: list[float] = []
        done = threading.Event()

        def probe() -> None:
            while not done.is_set():
                started = time.monotonic()
                httpx.get(f"{base}/api/v1/health", timeout=120)
                health.append(time.monotonic() - started)
                time.sleep(0.1)

        prober = threading.Thread(target=probe)
        started = time.monotonic()
        prober.start()
        with ThreadPoolExecutor(LOGINS) as pool:
            answers = list(pool.map(lambda _: attempt(base), range(LOGINS)))
        elapsed = time.monotonic() - started
        done.set()
        prober.join()
        print(f"code: {BACKEND}")
        print(f"{LOGINS} concurrent logins in {elapsed:.1f} s: {dict(collections.Counter(answers))}")
        print(f"peak RSS: {peak_rss_mib(server.pid):.0f} MiB (after warm-up: {idle_rss:.0f} MiB)")
        print(
            f"/health during the flood: median {statistics.median(health) * 1000:.0f} ms, "
            f"max {max(health) * 1000:.0f} ms ({len(health)} probes)"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
