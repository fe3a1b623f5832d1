"""`make bench`: requests/s of the busiest lists against a bare hello-world.

Seeds a fresh SQLite database (or BENCH_DATABASE_URL) with 10,000 organisations, 10,000 members and
100,000 volunteer records (`bench/seed.py`), serves the real app and the hello-world app with the
same uvicorn settings as `gongjian serve` (one worker each), drives each with wrk (32 connections,
one thread) from the same machine, and prints each list's rate, its ratio to hello-world, the
server's CPU time per request (and the same ratio by CPU time) and the latency percentiles. The
lists, first page of 20 in their default order:

- organisations, as platform admin;
- members, as platform admin (all 10,000) and as a community admin (its ~200);
- volunteer records, as platform admin (all 100,000).

Everything targets 127.0.0.1 and stops by itself. The targets are measured in alternating rounds
(hello, then each list, again and again) and the medians compared: this machine's speed drifts by a
third within minutes (a shared VM), so one run of each, minutes apart, compares two different
machines. BENCH_ROUNDS (3) and BENCH_DURATION (5s) set the rounds; BENCH_LISTS (all) picks lists by
name, e.g. `BENCH_LISTS=organizations` for the organisation list alone; BENCH_BASELINE=<another
checkout>/backend serves that code too, on the same data, and measures it in the same rounds.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from gongjian.cli import SERVER_HTTP, SERVER_LOOP

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
DURATION = os.environ.get("BENCH_DURATION", "5s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# The same loop and HTTP parser `gongjian serve` runs; BENCH_LOOP=uvloop to compare.
LOOP = os.environ.get("BENCH_LOOP", SERVER_LOOP)
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
PASSWORD = "bench-password-1"
T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    """One list as one caller sees it, and the total its first page must report."""

    name: str
    path: str
    user: str
    total: Callable[[dict[str, int]], int]


TARGETS = [
    Target("organizations", "/api/v1/organizations?page_size=20", "bench", lambda n: n["organizations"]),
    Target("members", "/api/v1/members?page_size=20", "bench", lambda n: n["members"]),
    Target("members (community)", "/api/v1/members?page_size=20", "bench-community", lambda n: n["community_members"]),
    Target("volunteer-records", "/api/v1/volunteer-records?page_size=20", "bench", lambda n: n["records"]),
]
# Another checkout's backend directory, served beside this one on the same data and measured in the
# same rounds, for a before/after comparison on one machine at one time.
BASELINE = os.environ.get("BENCH_BASELINE", "")
CHOSEN = [
    t
    for t in TARGETS
    if os.environ.get("BENCH_LISTS", "all") == "all" or t.name in os.environ["BENCH_LISTS"].split(",")
]


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


def seed(env: dict[str, str]) -> dict[str, int]:
    """Migrate, bulk-insert the data, create the two callers; answer what each list must total."""
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "gongjian", "migrate"], env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [sys.executable, BENCH_DIR / "seed.py"], env=env, check=True, capture_output=True, text=True
    ).stdout
    counts: dict[str, int] = json.loads(seeded.splitlines()[-1])
    community = counts["community_id"]
    for username, role, org in (("bench", "admin", None), ("bench-community", "community_admin", community)):
        subprocess.run(
            [str(bin_dir / "gongjian"), "create-user", username, "--role", role]
            + ([] if org is None else ["--organization-id", str(org)]),
            env={**env, "GONGJIAN_PASSWORD": PASSWORD},
            check=True,
            capture_output=True,
        )
    return counts


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


def wrk(binary: str, url: str, headers: dict[str, str], pid: int) -> dict[str, float]:
    """One measured run against the server `pid`: its rate, latencies and CPU time per request."""
    args = [binary, "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    subprocess.run([*args[:4], "-d2s", *args[5:], url], check=True, capture_output=True)  # warm-up
    cpu_before = cpu_seconds(pid)
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(pid) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} non-2xx answers during the run\n{out}")

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "cpu_us": cpu / requests * 1e6, "p50_ms": pct("50"), "p99_ms": pct("99")}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux), NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the rounds."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _swapped_pairs(items: list[T]) -> list[T]:
    """[a, a', b, b'] -> [a', a, b', b]"""
    return [item for pair in zip(items[1::2], items[::2], strict=True) for item in pair]


def main() -> None:
    wrk_bin = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="gongjian-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{work / 'bench.db'}"),
        "GONGJIAN_VAR_DIR": str(work),
        "GONGJIAN_SPA_DIR": str(work / "no-spa"),
    }
    print(f"seeding {env['DATABASE_URL']}", flush=True)
    counts = seed(env)
    print(", ".join(f"{value:,} {name}" for name, value in counts.items() if name != "community_id"), flush=True)
    servers = {"": free_port()}
    if BASELINE:
        servers[" [baseline]"] = free_port()
    hello_port = free_port()
    procs = [serve("hello_app:app", hello_port, env, BENCH_DIR)]
    pids = {}
    for suffix, port in servers.items():
        app_env = {**env, "PYTHONPATH": BASELINE} if suffix else env
        procs.append(serve("gongjian.app:app", port, app_env, ROOT))
        pids[suffix] = procs[-1].pid
    try:
        tokens = {
            user: httpx.post(
                f"http://127.0.0.1:{servers['']}/api/v1/auth/token", data={"username": user, "password": PASSWORD}
            ).json()["access_token"]
            for user in {t.user for t in CHOSEN}
        }
        calls = {}
        for target in CHOSEN:
            for suffix, port in servers.items():
                url = f"http://127.0.0.1:{port}{target.path}"
                auth = {"Authorization": f"Bearer {tokens[target.user]}"}
                page = httpx.get(url, headers=auth).json()
                assert page["total"] == target.total(counts) and len(page["items"]) == 20, (target.name, page)
                calls[target.name + suffix] = (url, auth, pids[suffix])
        rounds: dict[str, list[dict[str, float]]] = {"hello": [], **{name: [] for name in calls}}
        for number in range(1, ROUNDS + 1):
            rounds["hello"].append(wrk(wrk_bin, f"http://127.0.0.1:{hello_port}/hello", {}, procs[0].pid))
            # With a baseline, the two servers take turns at going first.
            order = list(calls.items()) if number % 2 or not BASELINE else _swapped_pairs(list(calls.items()))
            for name, (url, auth, pid) in order:
                rounds[name].append(wrk(wrk_bin, url, auth, pid))
            print(
                f"round {number} (req/s, CPU µs/req): "
                + ", ".join(f"{name} {runs[-1]['rps']:.0f} {runs[-1]['cpu_us']:.0f}" for name, runs in rounds.items()),
                flush=True,
            )
        results = {name: median_of(runs) for name, runs in rounds.items()}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    hello = results["hello"]
    ratios = {name: results[name]["rps"] / hello["rps"] for name in calls}
    cpu_ratios = {name: hello["cpu_us"] / results[name]["cpu_us"] for name in calls}
    print(f"\nmedians over {ROUNDS} alternating rounds of {DURATION} each, {CONNECTIONS} connections:")
    print(f"{'':58}{'req/s':>8} {'ratio':>6} {'CPU µs/req':>11} {'CPU ratio':>9} {'p50 ms':>7} {'p99 ms':>7}")
    labels = {"hello": "GET /hello (bare async FastAPI)"}
    for target in CHOSEN:
        for suffix in servers:
            labels[target.name + suffix] = f"GET {target.path} ({target.user}){suffix}"
    for name, label in labels.items():
        figures = results[name]
        print(
            f"{label:58}{figures['rps']:8.1f} {figures['rps'] / hello['rps']:6.3f} {figures['cpu_us']:11.0f} "
            f"{hello['cpu_us'] / figures['cpu_us']:9.3f} {figures['p50_ms']:7.2f} {figures['p99_ms']:7.2f}"
        )
    print(
        "ratio: req/s against hello-world's; CPU ratio: hello-world's CPU time per request against the list's\n"
        "(the same figure measured by the server's own CPU time, which other load on the machine disturbs less)\n"
        "targets: organisation list ratio >= 0.25, p99 < 50 ms"
    )
    for target in CHOSEN if BASELINE else ():
        # Paired by round, so the machine's drift between rounds cancels out.
        pairs = list(zip(rounds[target.name], rounds[target.name + " [baseline]"], strict=True))
        by_rate = [this["rps"] / base["rps"] for this, base in pairs]
        by_cpu = [base["cpu_us"] / this["cpu_us"] for this, base in pairs]
        print(
            f"{target.name}, this against baseline per round (> 1: this is faster): "
            f"req/s median {statistics.median(by_rate):.3f} ({min(by_rate):.3f}–{max(by_rate):.3f}), "
            f"CPU median {statistics.median(by_cpu):.3f} ({min(by_cpu):.3f}–{max(by_cpu):.3f})"
        )
    out_dir = BENCH_DIR / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "latest.json").write_text(
        json.dumps({**results, "ratios": ratios, "cpu_ratios": cpu_ratios, "rounds": rounds}, indent=2)
    )


if __name__ == "__main__":
    main()
