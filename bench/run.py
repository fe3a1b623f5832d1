"""`make bench`: requests/s of the authenticated organisation list against a bare hello-world.

Seeds 10,000 organisations into a fresh SQLite database (or BENCH_DATABASE_URL), serves the real app
and the hello-world app with the same uvicorn settings as `gongjian serve` (one worker each), drives
each with wrk (32 connections, one thread) from the same machine, and prints both rates, their
ratio and the latency percentiles. Everything targets 127.0.0.1 and stops by itself.

The two are measured in alternating rounds (hello, list, hello, list, …) and the medians compared:
this machine's speed drifts by a third within minutes (a shared VM), so one run of each, minutes
apart, compares two different machines. BENCH_ROUNDS (3) and BENCH_DURATION (5s) set the rounds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from gongjian.cli import SERVER_HTTP, SERVER_LOOP

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
ORGANIZATIONS = int(os.environ.get("BENCH_ORGANIZATIONS", "10000"))
DURATION = os.environ.get("BENCH_DURATION", "5s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# The same loop and HTTP parser `gongjian serve` runs; BENCH_LOOP=uvloop to compare.
LOOP = os.environ.get("BENCH_LOOP", SERVER_LOOP)
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing Debian's wrk package", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def seed(env: dict[str, str]) -> None:
    code = f"""
from sqlalchemy import insert
from gongjian.db import unit_of_work
from gongjian.models import Organization
kinds = ["community", "unit", "social"]
rows = [dict(name=f"基准组织{{i:05d}}", kind=kinds[i % 3], code=f"B{{i:05d}}", address="黄石港区", contact_person="",
             description="", version=1) for i in range({ORGANIZATIONS})]
with unit_of_work() as session:
    session.execute(insert(Organization), rows)
"""
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "gongjian", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    subprocess.run(
        [bin_dir / "gongjian", "create-user", "bench", "--role", "admin"],
        env={**env, "GONGJIAN_PASSWORD": PASSWORD},
        check=True,
        capture_output=True,
    )


def serve(app: str, port: int, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
            "--loop",
            LOOP,
            "--http",
            SERVER_HTTP,
        ],
        env=env,
        cwd=cwd,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{app} did not start")


def wrk(binary: str, url: str, headers: dict[str, str]) -> dict[str, float]:
    args = [binary, "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    subprocess.run([*args[:4], "-d2s", *args[5:], url], check=True, capture_output=True)  # warm-up
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} non-2xx answers during the run\n{out}")

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50_ms": pct("50"), "p99_ms": pct("99")}


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the rounds."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    wrk_bin = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="gongjian-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{work / 'bench.db'}"),
        "GONGJIAN_VAR_DIR": str(work),
        "GONGJIAN_SPA_DIR": str(work / "no-spa"),
    }
    print(f"seeding {ORGANIZATIONS} organisations into {env['DATABASE_URL']}", flush=True)
    seed(env)
    api_port, hello_port = free_port(), free_port()
    api = serve("gongjian.app:app", api_port, env, ROOT)
    hello = serve("hello_app:app", hello_port, env, BENCH_DIR)
    try:
        token = httpx.post(
            f"http://127.0.0.1:{api_port}/api/v1/auth/token", data={"username": "bench", "password": PASSWORD}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        list_url = f"http://127.0.0.1:{api_port}/api/v1/organizations?page_size=20"
        page = httpx.get(list_url, headers=auth).json()
        assert page["total"] == ORGANIZATIONS and len(page["items"]) == 20, page
        rounds: dict[str, list[dict[str, float]]] = {"hello": [], "organizations": []}
        for number in range(1, ROUNDS + 1):
            rounds["hello"].append(wrk(wrk_bin, f"http://127.0.0.1:{hello_port}/hello", {}))
            rounds["organizations"].append(wrk(wrk_bin, list_url, auth))
            print(
                f"round {number}: hello {rounds['hello'][-1]['rps']:.0f} req/s, "
                f"organizations {rounds['organizations'][-1]['rps']:.0f} req/s "
                f"(p99 {rounds['organizations'][-1]['p99_ms']:.1f} ms)",
                flush=True,
            )
        results = {name: median_of(runs) for name, runs in rounds.items()}
    finally:
        for proc in (api, hello):
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    ratio = results["organizations"]["rps"] / results["hello"]["rps"]
    print(f"\nmedians over {ROUNDS} alternating rounds of {DURATION} each:")
    print(
        f"GET /hello (bare async FastAPI)         {results['hello']['rps']:9.1f} req/s  "
        f"p50 {results['hello']['p50_ms']:.2f} ms  p99 {results['hello']['p99_ms']:.2f} ms"
    )
    print(
        f"GET /api/v1/organizations?page_size=20  {results['organizations']['rps']:9.1f} req/s  "
        f"p50 {results['organizations']['p50_ms']:.2f} ms  p99 {results['organizations']['p99_ms']:.2f} ms"
    )
    print(
        f"ratio organizations / hello = {ratio:.3f}  (target >= 0.25; p99 target < 50 ms at {CONNECTIONS} connections)"
    )
    out_dir = BENCH_DIR / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps({**results, "ratio": ratio, "rounds": rounds}, indent=2))


if __name__ == "__main__":
    main()
