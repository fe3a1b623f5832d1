"""The `gongjian` command: accounts from the command line, first admin, reference data."""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient

from factories import login


def _gongjian(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gongjian.cli", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_ensure_admin_creates_one_admin_once_with_printed_password(client: TestClient) -> None:
    first = _gongjian("ensure-admin", env={"GONGJIAN_ADMIN_USERNAME": "root-admin", "GONGJIAN_ADMIN_PASSWORD": ""})
    assert first.returncode == 0, first.stderr
    password = first.stdout.strip().splitlines()[-1].split("：", 1)[1]
    assert len(password) >= 12
    me = client.get("me", headers=login(client, "root-admin", password)).json()
    assert me["role"] == "admin"
    again = _gongjian("ensure-admin")
    assert again.returncode == 0 and "跳过" in again.stdout


def test_create_user_reads_the_password_from_the_environment(client: TestClient) -> None:
    result = _gongjian("create-user", "ops", "--role", "admin", env={"GONGJIAN_PASSWORD": "from-env-123"})
    assert result.returncode == 0, result.stderr
    assert "from-env-123" not in result.stdout
    assert client.get("me", headers=login(client, "ops", "from-env-123")).json()["username"] == "ops"
    clash = _gongjian("create-user", "ops", "--role", "admin", env={"GONGJIAN_PASSWORD": "from-env-123"})
    assert clash.returncode == 1 and "username_taken" in clash.stderr


def test_a_weak_password_is_refused_with_the_reason(client: TestClient) -> None:
    short = _gongjian("create-user", "ops", "--role", "admin", env={"GONGJIAN_PASSWORD": "short-1"})
    assert short.returncode == 1 and "password" in short.stderr, short.stderr
    weak = _gongjian("ensure-admin", env={"GONGJIAN_ADMIN_PASSWORD": "password123"})
    assert weak.returncode == 1 and "weak_password" in weak.stderr, weak.stderr
    demo = _gongjian("load-demo", env={"GONGJIAN_DEMO_PASSWORD": "1234567890"})
    assert demo.returncode == 1 and "weak_password" in demo.stderr, demo.stderr
    # Refused before anything was written: no account, no half-loaded demo.
    from sqlalchemy import func, select

    from gongjian.db import unit_of_work
    from gongjian.models import Organization, User

    with unit_of_work() as session:
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(Organization)).scalar_one() == 0
