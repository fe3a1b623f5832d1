"""Finding 9: the idempotency store kept secrets in clear and replayed to callers who had lost access.

The attack: `idempotency_records` held, in clear, every answer a POST with `Idempotency-Key` got —
new API keys, generated passwords, WeChat invitation codes, full phone numbers; expired records
stayed until someone ran a manual command; a replay answered after the caller's API key was revoked
or its account deactivated (the caller was only read from the token, never checked); and a request
still running after the two-minute in-progress window ran a second time.

The safe answer: an answer carrying a secret or personal data is never stored (a retry with its key
gets 409 `idempotency_not_replayable`, without the secret); expired records go by themselves as new
ones are written; a replay authenticates the caller as the endpoint would (revoked key, deactivated
user: 401); and a second request for a key whose first request is still running gets 409
`idempotency_in_progress` however long the first runs, while the marker of a request whose process
died clears once its lease runs out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from factories import api_key_headers, assert_problem, login, make_member, make_org, make_user, username_of
from factories.live_server import live_server
from factories.wechat import FakeWechat, fake_wechat, wechat_env
from gongjian.db import unit_of_work
from gongjian.models import IdempotencyRecord
from gongjian.models.base import utcnow
from gongjian.models.enums import Role

PHONE = "13912345678"


def _stored() -> str:
    """Everything the idempotency store holds, as text."""
    with unit_of_work() as session:
        rows = session.execute(select(IdempotencyRecord)).scalars().all()
        return "\n".join(
            repr((r.principal, r.key, r.path, r.state, r.status_code, r.response_body, r.response_headers))
            for r in rows
        )


def _admin(http: httpx.Client) -> dict[str, str]:
    return login(http, username_of(make_user(Role.admin)))


def _twice(http: httpx.Client, path: str, body: Any, headers: dict[str, str], key: str) -> httpx.Response:
    """POST with an Idempotency-Key; assert the retry doesn't hand the answer out again; return the first."""
    first = http.post(path, json=body, headers={**headers, "Idempotency-Key": key})
    assert first.status_code in (200, 201), first.text
    retry = http.post(path, json=body, headers={**headers, "Idempotency-Key": key})
    assert_problem(retry, 409, "idempotency_not_replayable")
    assert "Idempotent-Replayed" not in retry.headers
    return first


def test_answers_with_secrets_or_phone_numbers_are_not_stored_or_replayed(http: httpx.Client) -> None:
    admin = _admin(http)
    community = make_org("community")

    api_key = _twice(http, "api-keys", {"name": "同步脚本", "scopes": ["members:read"]}, admin, "k-api").json()["key"]
    user = _twice(
        http,
        "users",
        {"username": "wx-new", "display_name": "新党员", "role": "member", "organization_id": community},
        admin,
        "k-user",
    ).json()
    reset = _twice(http, f"users/{user['id']}/reset-password", {}, admin, "k-reset").json()
    member_id = make_member(community)
    invitation = _twice(http, f"members/{member_id}/wechat-invitations", None, admin, "k-invite").json()["code"]
    member = _twice(
        http,
        "members",
        {"name": "王党员", "gender": "male", "category": "retired", "community_org_id": community, "phone": PHONE},
        admin,
        "k-member",
    ).json()
    assert member["phone"] == PHONE  # the caller saw it in full, once

    stored = _stored()
    assert "k-api" in stored and "k-member" in stored  # the keys are kept (a retry is recognised)...
    for secret in (api_key, user["generated_password"], reset["generated_password"], invitation, PHONE):
        assert secret not in stored  # ...their secrets are not
    assert invitation.replace("-", "") not in stored


def test_expired_records_are_purged_without_a_manual_command(http: httpx.Client) -> None:
    admin = _admin(http)
    with unit_of_work() as session:
        session.add(
            IdempotencyRecord(
                principal="user:999",
                key="from-yesterday",
                method="POST",
                path="/api/v1/organizations",
                request_hash="x",
                state="completed",
                status_code=201,
                response_body='{"secret": "old"}',
                response_headers={},
                created_at=utcnow() - timedelta(hours=25),
            )
        )
    created = http.post(
        "organizations",
        json={"name": "新社区", "kind": "community", "code": "XSQ"},
        headers={**admin, "Idempotency-Key": "today"},
    )
    assert created.status_code == 201, created.text
    stored = _stored()
    assert "from-yesterday" not in stored and "today" in stored


def test_a_replay_authenticates_the_caller_again(http: httpx.Client) -> None:
    admin = _admin(http)
    body = {"name": "密钥建的社区", "kind": "community", "code": "MYJ"}
    key_headers = api_key_headers(http, admin, ["organizations:write"])
    first = http.post("organizations", json=body, headers={**key_headers, "Idempotency-Key": "by-key"})
    assert first.status_code == 201, first.text
    key_id = next(k["id"] for k in http.get("api-keys", headers=admin).json()["items"])
    assert http.delete(f"api-keys/{key_id}", headers=admin).status_code == 200
    replay = http.post("organizations", json=body, headers={**key_headers, "Idempotency-Key": "by-key"})
    assert_problem(replay, 401, "unauthorized")
    assert "Idempotent-Replayed" not in replay.headers

    other_admin_id = make_user(Role.admin)
    other_admin = login(http, username_of(other_admin_id))
    body = {"name": "停用前建的社区", "kind": "community", "code": "TYQ"}
    first = http.post("organizations", json=body, headers={**other_admin, "Idempotency-Key": "by-user"})
    assert first.status_code == 201, first.text
    assert http.post(f"users/{other_admin_id}/deactivate", headers=admin).status_code == 200
    replay = http.post("organizations", json=body, headers={**other_admin, "Idempotency-Key": "by-user"})
    assert_problem(replay, 401, "unauthorized")
    assert "Idempotent-Replayed" not in replay.headers


def test_a_dead_requests_marker_clears_once_its_lease_runs_out(http: httpx.Client) -> None:
    admin_id = make_user(Role.admin)
    admin = login(http, username_of(admin_id))
    with unit_of_work() as session:  # what a request whose process was killed leaves behind
        session.add(
            IdempotencyRecord(
                principal=f"user:{admin_id}",
                key="orphan",
                method="POST",
                path="/api/v1/organizations",
                request_hash="x",
                state="in_progress",
                created_at=utcnow() - timedelta(minutes=10),
                heartbeat_at=utcnow() - timedelta(minutes=10),
            )
        )
    body = {"name": "孤儿键社区", "kind": "community", "code": "GEJ"}
    created = http.post("organizations", json=body, headers={**admin, "Idempotency-Key": "orphan"})
    assert created.status_code == 201, created.text


@pytest.fixture(scope="module")
def slow_site(database_url: str) -> Iterator[tuple[str, FakeWechat]]:
    """A server whose in-progress lease is 2 s, in front of a WeChat that takes 6 s to answer."""
    with fake_wechat() as wx:
        env = {**wechat_env(wx), "GONGJIAN_IDEMPOTENCY_LEASE_SECONDS": "2", "GONGJIAN_WECHAT_TIMEOUT_SECONDS": "30"}
        with live_server(env) as base:
            yield base, wx


def test_a_request_running_past_the_window_does_not_run_twice(slow_site: tuple[str, FakeWechat]) -> None:
    base, wx = slow_site
    wx.answers["slow-code"] = ("sleep", 6.0)
    with httpx.Client(base_url=f"{base}/api/v1/", timeout=60) as http:
        headers = {**login(http, username_of(make_user(Role.member, make_org("unit")))), "Idempotency-Key": "slow"}
        first: dict[str, httpx.Response] = {}
        runner = threading.Thread(
            target=lambda: first.update(r=http.post("auth/wechat", json={"code": "slow-code"}, headers=headers))
        )
        runner.start()
        deadline = time.monotonic() + 20
        while "'slow'" not in _stored():
            assert time.monotonic() < deadline, "the first request never claimed its key"
            time.sleep(0.05)
        # The first request has been running for three minutes (longer than any window)...
        with unit_of_work() as session:
            session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.key == "slow")
                .values(created_at=utcnow() - timedelta(minutes=3))
            )
        time.sleep(3)  # ...and longer than the 2 s lease: only its heartbeat keeps the key
        second = http.post("auth/wechat", json={"code": "slow-code"}, headers=headers)
        assert_problem(second, 409, "idempotency_in_progress")
        runner.join(30)
    assert [r["js_code"] for r in wx.requests].count("slow-code") == 1
    assert_problem(first["r"], 502, "wechat_unavailable")
