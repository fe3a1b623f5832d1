"""The example scripts in examples/ run against a live local server with a real API key."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from factories import PASSWORD, make_member, make_org, make_user, username_of
from factories.live_server import live_server
from gongjian.db import unit_of_work
from gongjian.models import CommunityRecord, VolunteerRecord
from gongjian.models.enums import OrganizationKind, Role

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"


def _api_key(base: str) -> str:
    admin = username_of(make_user(Role.admin))
    token = httpx.post(f"{base}/api/v1/auth/token", data={"username": admin, "password": PASSWORD}).json()
    response = httpx.post(
        f"{base}/api/v1/api-keys",
        json={"name": "同步脚本", "scopes": ["members:read", "members:write", "hours:write"]},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def _records(model: type = CommunityRecord) -> int:
    from sqlalchemy import func, select

    with unit_of_work() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _run(cmd: list[str], env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr + done.stdout
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_python_and_node_examples_page_members_and_write_once() -> None:
    community = make_org(OrganizationKind.community)
    member_ids = [make_member(community, name=f"党员{i:03d}") for i in range(130)]  # two pages of 100
    with live_server() as base:
        env = {"GONGJIAN_URL": base, "GONGJIAN_API_KEY": _api_key(base), "GONGJIAN_RUN_ID": "run-1"}
        py = _run([sys.executable, str(ROOT / "examples/python/sync_members.py")], env)
        assert py["caller"] == "同步脚本" and py["members"] == 130
        assert py["member_id"] == member_ids[0]
        assert py["replayed"] == [False, True, True]
        assert py["hours_replayed"] == [False, True, True]
        assert _records() == 1 and _records(VolunteerRecord) == 1
        # Run again with the same run id: the same key, nothing new.
        again = _run([sys.executable, str(ROOT / "examples/python/sync_members.py")], env)
        assert again["record_id"] == py["record_id"] and again["replayed"] == [True, True, True]
        assert again["hours_record_id"] == py["hours_record_id"] and again["hours_replayed"] == [True, True, True]
        assert _records() == 1 and _records(VolunteerRecord) == 1

        node = shutil.which("node")
        if node is None or not (FRONTEND / "node_modules").exists():
            pytest.skip("Node.js or frontend/node_modules missing (make install sets them up)")
        build = subprocess.run(
            [node, str(FRONTEND / "packages/client/scripts/build.mjs")], capture_output=True, text=True, timeout=120
        )
        assert build.returncode == 0, build.stderr
        js = _run([node, str(ROOT / "examples/node/sync-members.mjs")], env)
        assert js["caller"] == "同步脚本" and js["members"] == 130
        assert js["replayed"] == [False, True, True]
        assert js["hours_replayed"] == [False, True, True]
        assert js["record_id"] != py["record_id"] and js["hours_record_id"] != py["hours_record_id"]
        assert _records() == 2 and _records(VolunteerRecord) == 2
