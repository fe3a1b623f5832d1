"""`make attack-memory`: the server's peak memory under the two memory attacks of the hardening issue.

(a) anonymous `POST /api/v1/members` with 30 MB JSON bodies (finding 1: the body was read and
    parsed before the 401);
(b) 80 concurrent `POST /api/v1/auth/token` with random user names (finding 2: an argon2 check of
    64 MiB per attempt, unbounded).

Each scenario gets a fresh server (one uvicorn worker, as `gongjian serve`) on a fresh SQLite
database, serving the code of the backend directory given as the first argument or in
ATTACK_BACKEND (default: this checkout's), so a pre-fix checkout can be measured the same way:
`python bench/attack_memory.py /path/to/other/checkout/backend`. Password hashing runs with
argon2's real defaults (any GONGJIAN_ARGON2_* in the environment is dropped). The server's RSS is
sampled every 20 ms (psutil if installed, else /proc/<pid>/status) while the attack runs and
`/api/v1/health` is timed every 100 ms. Prints, per scenario: RSS before, peak RSS, the health
check's median and worst latency during the attack, and the status codes the attackers saw.

Targets 127.0.0.1 only; every request has a timeout and the script stops by itself.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
BODY_BYTES = 30_000_000
BODY_SENDERS = 4  # bodies in flight at once
BODY_ROUNDS = 2
LOGIN_ATTACKERS = 80
REQUEST_SECONDS = 120


def backend_dir() -> Path:
    chosen = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ATTACK_BACKEND", str(ROOT / "backend"))
    path = Path(chosen).resolve()
    if not (path / "gongjian" / "app.py").exists():
        raise SystemExit(f"{path} is not a backend directory (no gongjian/app.py)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    try:
        import psutil

        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no RSS for the server process")


@dataclass
class Sample:
    baseline: float = 0.0
    peak: float = 0.0
    health_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)


@contextmanager
def server(backend: Path) -> Iterator[tuple[int, int]]:
    """A fresh database and a server on it: (port, pid)."""
    work = Path(tempfile.mkdtemp(prefix="gongjian-attack-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_ARGON2_")}
    env |= {
        "PYTHONPATH": str(backend),
        "DATABASE_URL": f"sqlite:///{work / 'attack.db'}",
        "GONGJIAN_VAR_DIR": str(work),
        "GONGJIAN_SPA_DIR": str(work / "no-spa"),
    }
    migrate = "from gongjian.cli import app; app(['migrate'])"
    subprocess.run([sys.executable, "-c", migrate], env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "gongjian.app:app", "--host", HOST, "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--workers", "1", "--no-access-log", "--log-level", "critical"], env=env, cwd=backend
    )
    try:
        deadline = time.monotonic() + 120
        while health_ms(port) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def health_ms(port: int) -> float | None:
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", "/api/v1/health")
        conn.getresponse().read()
        return (time.perf_counter() - started) * 1000
    except OSError:
        return None
    finally:
        conn.close()


def big_body_attack(port: int) -> str:
    """One anonymous 30 MB JSON body (a list of millions of short strings: costly to parse)."""
    item = b'"ab",'
    chunk = item * (2**20 // len(item))
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_SECONDS)
    try:
        conn.putrequest("POST", "/api/v1/members")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(BODY_BYTES))
        conn.endheaders()
        sent = 0
        try:
            conn.send(b'{"skills": [')
            sent = 12
            while sent < BODY_BYTES - len(chunk) - 8:
                conn.send(chunk)
                sent += len(chunk)
            conn.send(b'"ab"' + b" " * (BODY_BYTES - sent - 6) + b"]}")
        except OSError:
            pass  # the server answered and closed before taking it all: read that answer
        return str(conn.getresponse().status)
    except OSError as error:
        return type(error).__name__
    finally:
        conn.close()


def login_attack(port: int) -> str:
    body = f"username=nobody-{secrets.token_hex(6)}&password={secrets.token_hex(8)}"
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_SECONDS)
    try:
        conn.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/x-www-form-urlencoded"})
        return str(conn.getresponse().status)
    except OSError as error:
        return type(error).__name__
    finally:
        conn.close()


def measure(backend: Path, attack: Callable[[int], str], attackers: int, rounds: int) -> Sample:
    sample = Sample()
    with server(backend) as (port, pid):
        for _ in range(5):
            health_ms(port)
        time.sleep(1)
        sample.baseline = sample.peak = rss_mib(pid)
        done = threading.Event()

        def watch_memory() -> None:
            while not done.is_set():
                sample.peak = max(sample.peak, rss_mib(pid))
                time.sleep(0.02)

        def watch_health() -> None:
            while not done.is_set():
                took = health_ms(port)
                sample.health_ms.append(took if took is not None else 10_000.0)
                time.sleep(0.1)

        watchers = [threading.Thread(target=watch_memory), threading.Thread(target=watch_health)]
        for watcher in watchers:
            watcher.start()
        try:
            with ThreadPoolExecutor(attackers) as pool:
                for _ in range(rounds):
                    sample.statuses.update(pool.map(lambda _: attack(port), range(attackers)))
            time.sleep(0.5)  # memory still held just after the last answer counts
        finally:
            done.set()
            for watcher in watchers:
                watcher.join()
    return sample


def main() -> None:
    backend = backend_dir()
    print(f"backend: {backend}", flush=True)
    scenarios = {
        f"(a) {BODY_SENDERS}×{BODY_ROUNDS} anonymous 30 MB POST /members": (big_body_attack, BODY_SENDERS, BODY_ROUNDS),
        f"(b) {LOGIN_ATTACKERS} concurrent POST /auth/token": (login_attack, LOGIN_ATTACKERS, 1),
    }
    rows = []
    for name, (attack, attackers, rounds) in scenarios.items():
        print(f"running {name} ...", flush=True)
        s = measure(backend, attack, attackers, rounds)
        health = f"{statistics.median(s.health_ms):.0f} / {max(s.health_ms):.0f}" if s.health_ms else "-"
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(s.statuses.items()))
        rows.append((name, f"{s.baseline:.0f}", f"{s.peak:.0f}", health, codes))
    header = ("scenario", "RSS before (MiB)", "peak RSS (MiB)", "health median / max (ms)", "statuses")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
