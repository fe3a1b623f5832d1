"""`make bench`: a district-sized database, every list family against a bare hello-world, the reports'
latencies, and whether a heavy report stalls everyone else.

Seeds a fresh SQLite database (or BENCH_DATABASE_URL, which it empties first only if it holds no
tables: point it at a database of its own) with `bench/district_seed.py` at BENCH_SCALE (S, the
default: 20 communities, 10,000 members, 100,000 volunteer records; L: 200,000 members, 2,000,000
records), serves the real app and the hello-world app with the same uvicorn settings as `gongjian
serve` (one worker each), and measures:

1. **Lists** — wrk (32 connections, one thread) on the first page of 20 of every list family, as the
   platform admin and, where scoping matters, as the busiest community's admin; a deep page
   (page 500) of the members list; `/me` and `/me/overview` (a member). Hello-world and each target
   take turns in BENCH_ROUNDS alternating rounds of BENCH_DURATION, and the medians are compared:
   this shared machine's speed drifts by a third within minutes, so only ratios measured side by
   side mean anything.
2. **Reports** — the median latency of BENCH_REPORT_RUNS sequential calls (after one warm-up) of the
   busiest community's annual stats, the hours summary by member (platform admin and community
   admin), the members export of the busiest community, and the roll-ups and evaluation ranking
   when this build has them.
3. **Stalls** — for each heavy report: the organisation list's rate and p99 under wrk while another
   client calls the report in a loop, against the same list measured quiet just before; and the
   event loop's lag: a single client calling `GET /api/v1/health` (one `SELECT 1`) back to back for
   BENCH_DURATION, its worst and p99 latency quiet and beside the looping report (a request that
   waits for a stalled loop waits as long as the stall).

It prints one table and writes everything as JSON to bench/results/<scale>-<dialect>-<time>.json
(and latest.json). Everything targets 127.0.0.1 and stops by itself. BENCH_LISTS picks targets by
name (comma-separated, `none` for reports only); BENCH_SKIP=reports,stalls,workers skips sections.

4. **Workers** — the organisation and members lists served by `gongjian serve --workers 1` and
   `--workers 2` in alternating rounds: what a second process adds on this machine.

Seeding L takes tens of minutes and needs no quiet machine; measuring does. So the two can be
split: BENCH_WORK_DIR=<dir> keeps the work directory (the SQLite file, the keys that encrypted the
phone numbers); BENCH_SEED_ONLY=1 seeds into it and stops; a later run with the same BENCH_WORK_DIR
finds `seeded.json` there, migrates the database forward (new migrations backfill what they add)
and measures without seeding again.
"""

from __future__ import annotations

import contextlib
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
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from gongjian.cli import SERVER_HTTP, SERVER_LOOP

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
SCALE = os.environ.get("BENCH_SCALE", "S").upper()
DURATION = os.environ.get("BENCH_DURATION", "3s")
WARMUP = os.environ.get("BENCH_WARMUP", "1s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REPORT_RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "3"))
# The same loop and HTTP parser `gongjian serve` runs; BENCH_LOOP=uvloop to compare.
LOOP = os.environ.get("BENCH_LOOP", SERVER_LOOP)
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
SKIP = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))
PASSWORD = "bench-password-1"
API = "/api/v1"


@dataclass(frozen=True)
class Target:
    """One request as one caller makes it."""

    name: str
    path: str
    user: str = "bench"
    params: dict[str, Any] = field(default_factory=dict)


def list_targets(ids: dict[str, int]) -> list[Target]:
    first = "?page_size=20"
    return [
        Target("organizations", f"{API}/organizations{first}"),
        Target("members", f"{API}/members{first}"),
        Target("members (community admin)", f"{API}/members{first}", "bench-community"),
        Target("members page 500", f"{API}/members{first}&page=500"),
        Target("volunteer-records", f"{API}/volunteer-records{first}"),
        Target("volunteer-records (community admin)", f"{API}/volunteer-records{first}", "bench-community"),
        Target("wishes", f"{API}/wishes{first}"),
        Target("wishes (community admin)", f"{API}/wishes{first}", "bench-community"),
        Target("activities", f"{API}/activities{first}"),
        Target("claims", f"{API}/claims{first}"),
        Target("service-items", f"{API}/service-items{first}"),
        Target("meetings", f"{API}/meetings{first}"),
        Target("concerns", f"{API}/concerns{first}"),
        Target("/me", f"{API}/me"),
        Target("/me/overview (member)", f"{API}/me/overview", "bench-member"),
    ]


def report_targets(ids: dict[str, int]) -> list[Target]:
    community = ids["community_id"]
    reports = [
        Target("annual stats, busiest community", f"{API}/stats/annual?year=2024&community_id={community}"),
        Target("hours summary by member", f"{API}/volunteer-hours/summary?group_by=member&page_size=20"),
        Target(
            "hours summary by member (community admin)",
            f"{API}/volunteer-hours/summary?group_by=member&page_size=20",
            "bench-community",
        ),
        Target("members export, busiest community (xlsx)", f"{API}/members/export?community_org_id={community}"),
    ]
    # The roll-ups (issue 17): the busiest community's street and the whole district, one row per community.
    for key, name in (("street_id", "street roll-up"), ("district_id", "district roll-up")):
        if key in ids:
            reports.append(Target(name, f"{API}/stats/annual?year=2024&org_id={ids[key]}"))
    # The ranking of the unit with the most evaluations in the open period the seed made.
    if "period_id" in ids:
        reports.append(
            Target(
                "evaluation ranking, busiest unit",
                f"{API}/evaluation-periods/{ids['period_id']}/ranking?unit_org_id={ids['evaluation_unit_id']}",
            )
        )
    return reports


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


def gongjian(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "gongjian.cli", *args], env=env, check=True, capture_output=True)


def seed(env: dict[str, str]) -> dict[str, int]:
    """Migrate, bulk-insert the district, create the three callers; answer the counts and ids."""
    gongjian(env, "migrate")
    gongjian(env, "load-reference")  # the service categories the service items refer to
    started = time.monotonic()
    seeded = subprocess.run(
        [sys.executable, BENCH_DIR / "district_seed.py", SCALE], env=env, check=True, capture_output=True, text=True
    ).stdout
    counts: dict[str, int] = json.loads(seeded.splitlines()[-1])
    counts["seed_seconds"] = round(time.monotonic() - started)
    pw = {**env, "GONGJIAN_PASSWORD": PASSWORD}
    gongjian(pw, "create-user", "bench", "--role", "admin")
    gongjian(
        pw,
        "create-user",
        "bench-community",
        "--role",
        "community_admin",
        "--organization-id",
        str(counts["community_id"]),
    )
    gongjian(pw, "create-user", "bench-member", "--role", "member", "--organization-id", str(counts["community_id"]))
    link = (
        "from sqlalchemy import text\nfrom gongjian.db import unit_of_work\n"
        "with unit_of_work() as s:\n"
        "    s.execute(text('UPDATE members SET user_id = (SELECT id FROM users WHERE username = :u) WHERE id = :m'),"
        f" {{'u': 'bench-member', 'm': {counts['member_id']}}})\n"
    )
    subprocess.run([sys.executable, "-c", link], env=env, check=True)
    if not env["DATABASE_URL"].startswith("sqlite"):
        # Statistics for the planner, as autovacuum would have gathered them on a database that has lived.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from sqlalchemy import text\nfrom gongjian.db import get_engine\n"
                "with get_engine().connect().execution_options(isolation_level='AUTOCOMMIT') as c:\n"
                "    c.execute(text('VACUUM ANALYZE'))\n",
            ],
            env=env,
            check=True,
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
    deadline = time.monotonic() + 300  # a loaded machine takes minutes to import the app
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{app} did not start")


# What "promptly" means for `settle`: 50 ms, or three times the health check's quiet latency on a
# machine so loaded that even a quiet server answers slower (set by `main` before the first run).
SETTLED_SECONDS = 0.05


def quiet_health_seconds(base: str) -> float:
    """The median of ten health checks on the just-started, idle app."""
    times = []
    for _ in range(10):
        started = time.perf_counter()
        httpx.get(f"{base}{API}/health", timeout=30)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def settle(url: str) -> None:
    """Wait until the server answers a trivial request promptly: wrk leaves up to 32 requests queued
    when it stops, and on a loaded machine a slow list's backlog would otherwise eat the next run.
    Gives up after 60 s (a run at L on a machine at load 8 spent a minute here before every wrk
    run when the bound was a fixed 50 ms)."""
    deadline = time.monotonic() + 60
    base = url.split("/api/")[0].split("/hello")[0]
    path = "/hello" if url.endswith("/hello") else f"{API}/health"
    while time.monotonic() < deadline:
        started = time.perf_counter()
        with contextlib.suppress(httpx.TransportError):
            httpx.get(base + path, timeout=30)
        if time.perf_counter() - started < SETTLED_SECONDS:
            return
        time.sleep(0.2)


def wrk(binary: str, url: str, headers: dict[str, str], pid: int, warm: bool = True) -> dict[str, float]:
    """One measured run against the server `pid`: its rate, latencies and CPU time per request."""
    args = [binary, "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    settle(url)
    if warm:
        subprocess.run([*args[:3], f"-d{WARMUP}", *args[4:], url], check=True, capture_output=True)
        settle(url)
    cpu_before = cpu_seconds(pid)
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(pid) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} non-2xx answers during the run\n{out}")

    def pct(p: str) -> float:
        found = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        if not found:
            return math.nan
        value, unit = found.groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "cpu_us": cpu / max(requests, 1) * 1e6, "p50_ms": pct("50"), "p99_ms": pct("99")}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux), NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def seconds(text: str) -> float:
    return float(text.rstrip("s"))


def latency(client: httpx.Client, target: Target, headers: dict[str, str]) -> dict[str, float]:
    """Median and worst of REPORT_RUNS sequential calls, after one warm-up call; bytes of the answer."""
    warm = client.get(target.path, headers=headers)
    warm.raise_for_status()
    times = []
    for _ in range(REPORT_RUNS):
        started = time.perf_counter()
        client.get(target.path, headers=headers).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(times), "max_ms": max(times), "bytes": len(warm.content)}


def probe(base: str, stop_after: float) -> dict[str, float]:
    """Back-to-back `GET /health` from one client: the worst wait approximates the loop's longest stall."""
    times = []
    with httpx.Client(base_url=base, timeout=60) as client:
        end = time.monotonic() + stop_after
        while time.monotonic() < end:
            started = time.perf_counter()
            client.get(f"{API}/health").raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "probe_n": len(times),
        "probe_p99_ms": times[int(len(times) * 0.99) - 1] if len(times) > 1 else math.nan,
        "probe_max_ms": times[-1],
    }


class Looper(threading.Thread):
    """Calls one report over and over on its own connection until stopped."""

    def __init__(self, base: str, target: Target, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.base, self.target, self.headers = base, target, headers
        self.stopping = threading.Event()
        self.calls = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as client:
            while not self.stopping.is_set():
                client.get(self.target.path, headers=self.headers).raise_for_status()
                self.calls += 1

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=180)


def main() -> None:
    wrk_bin = ensure_wrk()
    kept = os.environ.get("BENCH_WORK_DIR")
    if os.environ.get("BENCH_SEED_ONLY") and not kept:
        raise SystemExit("BENCH_SEED_ONLY needs BENCH_WORK_DIR: where the seeded database and its keys are kept")
    work = Path(kept) if kept else Path(tempfile.mkdtemp(prefix="gongjian-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{work / 'bench.db'}"),
        "GONGJIAN_VAR_DIR": str(work),
        "GONGJIAN_SPA_DIR": str(work / "no-spa"),
        "GONGJIAN_MINIAPP_DIR": str(work / "no-miniapp"),
    }
    dialect = "sqlite" if env["DATABASE_URL"].startswith("sqlite") else "postgresql"
    load_before = os.getloadavg()
    seeded_file = work / "seeded.json"
    if seeded_file.exists():
        seeded = json.loads(seeded_file.read_text())
        if seeded["scale"] != SCALE or seeded["database_url"] != env["DATABASE_URL"]:
            raise SystemExit(f"{seeded_file} holds scale {seeded['scale']} at {seeded['database_url']}")
        print(f"reusing {env['DATABASE_URL']} seeded at scale {SCALE}; migrating it forward", flush=True)
        gongjian(env, "migrate")
        counts = seeded["counts"]
    else:
        print(f"seeding {env['DATABASE_URL']} at scale {SCALE}", flush=True)
        counts = seed(env)
        if kept:
            seeded_file.write_text(json.dumps({"scale": SCALE, "database_url": env["DATABASE_URL"], "counts": counts}))
    if os.environ.get("BENCH_SEED_ONLY"):
        print(f"seeded; measure with BENCH_WORK_DIR={work} BENCH_SCALE={SCALE}", flush=True)
        return
    print(", ".join(f"{v:,} {k}" for k, v in counts.items() if not k.endswith("_id")), flush=True)
    port, hello_port = free_port(), free_port()
    hello_proc = serve("hello_app:app", hello_port, env, BENCH_DIR)
    app_proc = serve("gongjian.app:app", port, env, ROOT)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {
        "scale": SCALE,
        "dialect": dialect,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": counts,
        "settings": {"duration": DURATION, "rounds": ROUNDS, "connections": CONNECTIONS, "loop": LOOP},
    }
    try:
        global SETTLED_SECONDS
        SETTLED_SECONDS = max(SETTLED_SECONDS, 3 * quiet_health_seconds(base))
        with httpx.Client(base_url=base, timeout=300) as client:
            tokens = {
                user: client.post(f"{API}/auth/token", data={"username": user, "password": PASSWORD}).json()[
                    "access_token"
                ]
                for user in ("bench", "bench-community", "bench-member")
            }
            auth = {user: {"Authorization": f"Bearer {token}"} for user, token in tokens.items()}
            lists = [
                t
                for t in list_targets(counts)
                if os.environ.get("BENCH_LISTS", "all") == "all" or t.name in os.environ["BENCH_LISTS"].split(",")
            ]
            for target in lists:
                answer = client.get(target.path, headers=auth[target.user])
                assert answer.status_code == 200, (target.name, answer.text[:300])
                body = answer.json()
                assert "items" not in body or body["items"], (target.name, "empty page")
            results["lists"] = measure_lists(wrk_bin, lists, auth, hello_port, hello_proc.pid, base, app_proc.pid)
            reports = report_targets(counts)
            if "reports" not in SKIP:
                results["reports"] = {}
                for target in reports:
                    results["reports"][target.name] = latency(client, target, auth[target.user])
                    print(f"{target.name}: {results['reports'][target.name]['median_ms']:.0f} ms", flush=True)
            if "stalls" not in SKIP:
                results["stalls"] = measure_stalls(wrk_bin, reports, auth, base, app_proc.pid)
            if "workers" not in SKIP:
                app_proc.terminate()  # one app at a time: the machine has two cores
                app_proc.wait(timeout=30)
                results["workers"] = measure_workers(wrk_bin, auth, env)
    finally:
        for proc in (hello_proc, app_proc):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()  # still inside a long synchronous request
                proc.wait()
        if not kept:
            shutil.rmtree(work, ignore_errors=True)
    results["load_average"] = {"before": load_before, "after": os.getloadavg()}
    print_table(results)
    out_dir = BENCH_DIR / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2, ensure_ascii=False)
    (out_dir / f"{SCALE}-{dialect}-{stamp}.json").write_text(text)
    (out_dir / "latest.json").write_text(text)
    print(f"\nwritten to bench/results/{SCALE}-{dialect}-{stamp}.json")


def measure_lists(
    wrk_bin: str,
    lists: list[Target],
    auth: dict[str, dict[str, str]],
    hello_port: int,
    hello_pid: int,
    base: str,
    pid: int,
) -> dict[str, Any]:
    rounds: dict[str, list[dict[str, float]]] = {"hello": [], **{t.name: [] for t in lists}}
    for number in range(1, ROUNDS + 1):
        rounds["hello"].append(wrk(wrk_bin, f"http://127.0.0.1:{hello_port}/hello", {}, hello_pid))
        for target in lists:
            rounds[target.name].append(wrk(wrk_bin, base + target.path, auth[target.user], pid))
        print(
            f"round {number} (req/s): " + ", ".join(f"{name} {runs[-1]['rps']:.0f}" for name, runs in rounds.items()),
            flush=True,
        )
    medians = {name: median_of(runs) for name, runs in rounds.items()}
    hello = medians["hello"]
    for figures in medians.values():
        figures["ratio"] = figures["rps"] / hello["rps"]
        figures["cpu_ratio"] = hello["cpu_us"] / figures["cpu_us"]
    return {"medians": medians, "rounds": rounds}


def measure_stalls(
    wrk_bin: str, reports: list[Target], auth: dict[str, dict[str, str]], base: str, pid: int
) -> dict[str, Any]:
    """The organisation list and the health probe, quiet, then beside each report called in a loop."""
    listed = Target("organizations", f"{API}/organizations?page_size=20")
    heavy = [t for t in reports if "community admin" not in t.name]
    stalls: dict[str, Any] = {}
    for target in [None, *heavy]:
        looper = None
        if target is not None:
            looper = Looper(base, target, auth[target.user])
            looper.start()
            time.sleep(0.5)
        figures = wrk(wrk_bin, base + listed.path, auth["bench"], pid, warm=target is None)
        figures.update(probe(base, seconds(DURATION)))
        if looper is not None:
            looper.stop()
            figures["report_calls"] = looper.calls
        stalls["quiet" if target is None else target.name] = figures
        print(
            f"list beside {'nothing' if target is None else target.name}: {figures['rps']:.0f} req/s, "
            f"p99 {figures['p99_ms']:.0f} ms; probe worst {figures['probe_max_ms']:.0f} ms",
            flush=True,
        )
    return stalls


def serve_workers(workers: int, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`gongjian serve` as a user runs it (with `--workers 2` its TCP_NODELAY fix), started in its
    own process group so that its worker processes stop with it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gongjian.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}{API}/health", timeout=1).raise_for_status()
            return proc
        except (httpx.TransportError, httpx.HTTPStatusError):
            time.sleep(0.2)
    os.killpg(proc.pid, 15)
    raise SystemExit(f"gongjian serve --workers {workers} did not start")


def worker_pids(pid: int) -> list[int]:
    """The processes that serve requests: the server itself, or the workers its supervisor started."""
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return [pid]
    return children or [pid]


def measure_workers(wrk_bin: str, auth: dict[str, dict[str, str]], env: dict[str, str]) -> dict[str, Any]:
    """Rate of two lists at one and at two worker processes, alternating rounds; one server at a time."""
    targets = [
        Target("organizations", f"{API}/organizations?page_size=20"),
        Target("members", f"{API}/members?page_size=20"),
    ]
    rounds: dict[str, list[dict[str, float]]] = {}
    for number in range(1, ROUNDS + 1):
        for workers in (1, 2):
            port = free_port()
            proc = serve_workers(workers, port, env)
            try:
                for target in targets:
                    key = f"{target.name}, {workers} worker{'s' if workers > 1 else ''}"
                    served_by = worker_pids(proc.pid)
                    before = [cpu_seconds(pid) for pid in served_by]
                    figures = wrk(wrk_bin, f"http://127.0.0.1:{port}{target.path}", auth[target.user], proc.pid)
                    spent = [cpu_seconds(pid) - b for pid, b in zip(served_by, before, strict=True)]
                    # How evenly the kernel handed the connections out: the busiest worker's CPU share.
                    figures["busiest_worker_share"] = max(spent) / sum(spent) if sum(spent) else math.nan
                    rounds.setdefault(key, []).append(figures)
            finally:
                os.killpg(proc.pid, 15)
                proc.wait(timeout=30)
        print(f"workers round {number} (req/s): " + ", ".join(f"{k} {v[-1]['rps']:.0f}" for k, v in rounds.items()))
    medians = {name: median_of(runs) for name, runs in rounds.items()}
    gains = {t.name: medians[f"{t.name}, 2 workers"]["rps"] / medians[f"{t.name}, 1 worker"]["rps"] for t in targets}
    return {"medians": medians, "gain": gains, "rounds": rounds}


def print_table(results: dict[str, Any]) -> None:
    print(
        f"\n{results['dialect']}, scale {results['scale']}: medians of {ROUNDS} alternating rounds of {DURATION}, "
        f"{CONNECTIONS} connections; load average {results['load_average']['before'][0]:.2f} → "
        f"{results['load_average']['after'][0]:.2f}"
    )
    if "lists" in results:
        print(f"{'':42}{'req/s':>8} {'ratio':>6} {'CPU ratio':>9} {'p50 ms':>8} {'p99 ms':>8}")
        for name, f in results["lists"]["medians"].items():
            print(
                f"{name:42}{f['rps']:8.0f} {f['ratio']:6.3f} {f['cpu_ratio']:9.3f} "
                f"{f['p50_ms']:8.1f} {f['p99_ms']:8.1f}"
            )
    if "reports" in results:
        print(f"\n{'report':46}{'median ms':>10} {'worst ms':>9} {'bytes':>10}")
        for name, f in results["reports"].items():
            print(f"{name:46}{f['median_ms']:10.0f} {f['max_ms']:9.0f} {f['bytes']:10,}")
    if "stalls" in results:
        quiet = results["stalls"]["quiet"]
        print(
            f"\n{'organisation list beside':46}{'req/s':>8} {'p99 ms':>8} {'×quiet':>7} {'probe p99':>10} {'worst':>7}"
        )
        for name, f in results["stalls"].items():
            print(
                f"{name:46}{f['rps']:8.0f} {f['p99_ms']:8.1f} {f['p99_ms'] / quiet['p99_ms']:7.2f} "
                f"{f['probe_p99_ms']:10.1f} {f['probe_max_ms']:7.0f}"
            )
    if "workers" in results:
        print(f"\n{'gongjian serve':46}{'req/s':>8} {'p99 ms':>8} {'busiest worker':>15}")
        for name, f in results["workers"]["medians"].items():
            print(f"{name:46}{f['rps']:8.0f} {f['p99_ms']:8.1f} {f['busiest_worker_share']:15.0%}")
        print("two workers against one: " + ", ".join(f"{k} {v:.2f}x" for k, v in results["workers"]["gain"].items()))
    print(
        "\nratio: req/s against hello-world's in the same rounds; CPU ratio: the same by the server's CPU time\n"
        "targets (issue 18, L): lists ratio >= 0.30 and p99 < 60 ms; annual stats < 100 ms, hours summary < 200 ms,\n"
        "export of 20,000 < 3 s; beside a looping report the list's p99 within 1.5x quiet, no stall > 20 ms;\n"
        "two workers >= 1.7x one on PostgreSQL"
    )


if __name__ == "__main__":
    main()
