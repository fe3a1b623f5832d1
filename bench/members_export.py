"""`python bench/members_export.py [ROWS]`: seconds and peak memory of one members export (issue 18:
"a 20,000-row export < 3 s and streamed, memory flat").

Seeds a database of its own once (BENCH_EXPORT_DIR, default /tmp/gongjian-export-bench; DATABASE_URL
if set, else a SQLite file there): one community with ROWS members (default 20,000; phones encrypted,
a fifth in service with a partner unit), by `bench/district_seed.py`'s own row builders. Then, per
format (xlsx, csv), a fresh process serves the app in-process (TestClient), exports a handful of
rows to warm up, and then the whole community as the platform admin; it prints the seconds, the
process's RSS before the export and its peak (ru_maxrss) after, and the file's size.

Measured 2026-12-01 on the 2-core machine under a load average of ~8 (other sessions' runs), SQLite,
20,000 members, before → after the streamed export: xlsx 15.5 s, peak RSS +88 MB → 3.7 s, no growth
over the warmed-up process (206 MB); csv 7.0 s, +85 MB → 2.8 s, no growth.

The backend measured is the one on PYTHONPATH, so a checkout before and after a change is measured
the same way: `PYTHONPATH=/other/checkout/backend python bench/members_export.py`.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
API = "/api/v1"
PASSWORD = "bench-export-password-1"


def _env(work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{work / 'export.db'}"),
        "GONGJIAN_VAR_DIR": str(work),
        "GONGJIAN_SPA_DIR": str(work / "no-spa"),
        "GONGJIAN_MINIAPP_DIR": str(work / "no-miniapp"),
    }


def _seed(rows: int) -> None:
    sys.path.insert(0, str(BENCH_DIR))
    import district_seed as ds
    from sqlalchemy import select

    from gongjian.db import unit_of_work
    from gongjian.models import Member, Organization, Partnership
    from gongjian.models.enums import OrganizationKind

    scale = ds.Scale(1, 3, rows, 0, 0, 0, 0)
    with unit_of_work() as session:
        district = {"name": "导出基准区", "kind": OrganizationKind.district.value, "code": "BD0", **ds.COMMON_ORG}
        ds.write(session, Organization, [district])
        district_id = session.execute(select(Organization.id).where(Organization.code == "BD0")).scalar_one()
        ds.write(session, Organization, ds.streets(scale, district_id))
        street = session.execute(select(Organization.id).where(Organization.code == "BS000")).scalar_one()
        ds.write(session, Organization, ds.organizations(scale, [street]))
        codes = session.execute(select(Organization.id, Organization.code)).all()
        communities = [i for i, code in codes if code.startswith("BC")]
        units = [i for i, code in codes if code.startswith("BU")]
        partnership_rows, partners = ds.partnerships(communities, units)
        ds.write(session, Partnership, partnership_rows)
        ds.write(session, Member, ds.members(scale, communities, partners))
    print(json.dumps({"community_id": communities[0]}))


def _measure(fmt: str, community: int) -> None:
    from fastapi.testclient import TestClient

    from gongjian.app import create_app

    with TestClient(create_app()) as client:
        token = client.post(f"{API}/auth/token", data={"username": "bench", "password": PASSWORD}).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        url = f"{API}/members/export?community_org_id={community}&format={fmt}"
        warm = client.get(url + "&q=党员0000", headers=auth)
        assert warm.status_code == 200, warm.text
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        got = client.get(url, headers=auth)
        seconds = time.perf_counter() - started
        assert got.status_code == 200, got.text
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "format": fmt,
                "seconds": round(seconds, 2),
                "rss_before_mb": before // 1024,
                "peak_rss_mb": peak // 1024,
                "bytes": len(got.content),
            }
        )
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    work = Path(os.environ.get("BENCH_EXPORT_DIR", "/tmp/gongjian-export-bench"))
    work.mkdir(parents=True, exist_ok=True)
    env = _env(work)
    seeded = work / f"seeded-{rows}.json"
    if not seeded.exists():
        run = [sys.executable, "-m", "gongjian.cli"]
        subprocess.run([*run, "migrate"], env=env, check=True, capture_output=True)
        out = subprocess.run(
            [sys.executable, __file__, "--seed", str(rows)], env=env, check=True, capture_output=True, text=True
        ).stdout
        subprocess.run(
            [*run, "create-user", "bench", "--role", "admin"],
            env={**env, "GONGJIAN_PASSWORD": PASSWORD},
            check=True,
            capture_output=True,
        )
        seeded.write_text(out.splitlines()[-1])
    community = json.loads(seeded.read_text())["community_id"]
    for fmt in ("xlsx", "csv"):
        result = subprocess.run(
            [sys.executable, __file__, "--measure", fmt, str(community)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        print(result.stdout.splitlines()[-1], flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--seed"]:
        _seed(int(sys.argv[2]))
    elif sys.argv[1:2] == ["--measure"]:
        _measure(sys.argv[2], int(sys.argv[3]))
    else:
        main()
