"""API keys: shown once, stored as a hash, scoped, revocable, used by X-API-Key."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import assert_problem, headers_for, make_org
from gongjian.db import unit_of_work
from gongjian.models import ApiKey
from gongjian.models.enums import Role


def test_key_is_returned_once_and_only_its_hash_is_stored(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    created = client.post(
        "api-keys", json={"name": "区党建平台", "scopes": ["organizations:read", "users:read"]}, headers=admin
    )
    assert created.status_code == 201
    body = created.json()
    raw = body["key"]
    assert raw.startswith("gj_") and len(raw) > 40
    assert body["prefix"] == raw[:10]
    listed = client.get("api-keys", headers=admin).json()
    assert listed["total"] == 1 and "key" not in listed["items"][0]
    assert "key" not in client.get(f"api-keys/{body['id']}", headers=admin).json()
    with unit_of_work() as session:
        stored = session.execute(select(ApiKey)).scalar_one()
        assert raw not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    me = client.get("me", headers={"X-API-Key": raw}).json()
    assert me["actor_type"] == "api_key" and me["scopes"] == ["organizations:read", "users:read"]


def test_revoked_key_is_401_and_last_use_is_recorded(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    body = client.post("api-keys", json={"name": "脚本", "scopes": ["organizations:read"]}, headers=admin).json()
    assert body["last_used_at"] is None
    assert client.get("organizations", headers={"X-API-Key": body["key"]}).status_code == 200
    assert client.get(f"api-keys/{body['id']}", headers=admin).json()["last_used_at"] is not None
    assert client.delete(f"api-keys/{body['id']}", headers=admin).json()["revoked_at"] is not None
    assert_problem(client.get("organizations", headers={"X-API-Key": body["key"]}), 401, "unauthorized")
    assert_problem(client.delete(f"api-keys/{body['id']}", headers=admin), 409, "already_revoked")
    assert [k["id"] for k in client.get("api-keys?revoked=true", headers=admin).json()["items"]] == [body["id"]]


def test_unknown_scope_and_unknown_key_rejected(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    assert_problem(
        client.post("api-keys", json={"name": "x", "scopes": ["everything:all"]}, headers=admin),
        422,
        "validation_error",
    )
    assert_problem(client.get("organizations", headers={"X-API-Key": "gj_not-a-real-key"}), 401, "unauthorized")


def test_only_admin_users_manage_keys(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    org = make_org("community")
    key = client.post("api-keys", json={"name": "x", "scopes": ["users:read"]}, headers=admin).json()["key"]
    for caller in (
        headers_for(client, Role.community_admin, org),
        headers_for(client, Role.member, org),
        {"X-API-Key": key},
    ):
        assert_problem(client.get("api-keys", headers=caller), 403, "forbidden")
        assert_problem(
            client.post("api-keys", json={"name": "x", "scopes": ["users:read"]}, headers=caller),
            403,
            "forbidden",
        )


def test_audit_scope_is_needed_for_audit_events(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    without = client.post("api-keys", json={"name": "x", "scopes": ["users:read"]}, headers=admin).json()["key"]
    with_scope = client.post("api-keys", json={"name": "y", "scopes": ["audit:read"]}, headers=admin).json()["key"]
    assert_problem(client.get("audit-events", headers={"X-API-Key": without}), 403, "insufficient_scope")
    assert client.get("audit-events", headers={"X-API-Key": with_scope}).status_code == 200
