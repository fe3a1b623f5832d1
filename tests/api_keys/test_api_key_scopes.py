"""Scope enforcement, read from the app's own OpenAPI: every operation that declares scopes refuses
an API key lacking them (403 `insufficient_scope`) and lets a key holding them through; every other
operation is on a short, reviewed list. A new endpoint that forgets its scope fails here."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import api_key_headers, assert_problem, headers_for
from gongjian.kit.scopes import SCOPES
from gongjian.models.enums import Role

PREFIX = "/api/v1/"
# Operations that need no scope: public ones, how tokens are obtained (and a login ended), the caller's own account,
# and API-key management (refused to every key whatever its scopes: only a signed-in admin).
UNSCOPED = {
    "GET /api/v1/meta/enums",
    "GET /api/v1/health",
    "POST /api/v1/auth/token",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/logout",
    "POST /api/v1/auth/wechat",
    "POST /api/v1/auth/wechat/bind",
    "GET /api/v1/me",
    "GET /api/v1/me/overview",
    "POST /api/v1/me/password",
    "DELETE /api/v1/me/wechat-binding",
    "GET /api/v1/api-keys",
    "POST /api/v1/api-keys",
    "GET /api/v1/api-keys/{key_id}",
    "DELETE /api/v1/api-keys/{key_id}",
    # Proofs of volunteer service are verified by anyone holding the number, without logging in.
    "GET /api/v1/certificates/{number}",
    "GET /api/v1/certificates/{number}.pdf",
    # A WeChat user with no account reports to a community with its binding ticket, not a login.
    "POST /api/v1/reports/wechat",
    # The same for registering as a resident; a resident's own profile (an API key has no "me": 403).
    "POST /api/v1/residents/wechat",
    "GET /api/v1/me/resident",
    "PATCH /api/v1/me/resident",
    # Subscription messages: which templates exist is public (the mini-program asks before any login);
    # consents are the caller's own WeChat's (API keys get 403) or a binding ticket's.
    "GET /api/v1/notification-templates",
    "GET /api/v1/me/notification-consents",
    "POST /api/v1/me/notification-consents",
    "POST /api/v1/notification-consents/wechat",
    # The 报到 form reads the community and its partner units with the scanned code, before any login.
    "GET /api/v1/report-codes/{code}",
}


def _operations(app: Any) -> list[tuple[str, str, list[str], dict[str, Any]]]:
    found = []
    for path, ops in app.openapi()["paths"].items():
        for method, op in ops.items():
            scopes = sorted({s for req in op.get("security", []) for names in req.values() for s in names})
            found.append((method.upper(), path, scopes, op))
    return found


def _by_family(app: Any) -> dict[str, list[tuple[str, str, list[str], dict[str, Any]]]]:
    families: dict[str, list[tuple[str, str, list[str], dict[str, Any]]]] = defaultdict(list)
    for method, path, scopes, op in _operations(app):
        if scopes:
            families[scopes[0].split(":")[0]].append((method, path, scopes, op))
    return families


def _call(client: TestClient, method: str, path: str, op: dict[str, Any], headers: dict[str, str]) -> Any:
    # Ids no row has: the key holding the scope gets 404/422, and changes nothing.
    url = re.sub(r"\{[^}]+\}", str(2**31 - 1), path).removeprefix(PREFIX)
    content = op.get("requestBody", {}).get("content", {})
    json_body = {} if "application/json" in content else None
    return client.request(method, url, headers=headers, json=json_body)


def test_every_operation_declares_a_known_scope_or_is_reviewed(app: Any) -> None:
    unscoped = {f"{m} {p}" for m, p, scopes, _ in _operations(app) if not scopes}
    assert unscoped == UNSCOPED
    declared = {s for _, _, scopes, _ in _operations(app) for s in scopes}
    assert declared <= SCOPES.keys()
    # Every scope a key can be given guards something.
    assert declared == SCOPES.keys()
    spec = app.openapi()["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["scopes"]
    assert spec == SCOPES


FAMILIES = sorted({scope.split(":")[0] for scope in SCOPES})


@pytest.mark.parametrize("family", FAMILIES)
def test_scope_enforcement_per_endpoint_family(client: TestClient, app: Any, family: str) -> None:
    admin = headers_for(client, Role.admin)
    operations = _by_family(app)[family]
    assert operations, family
    for method, path, scopes, op in operations:
        lacking = api_key_headers(client, admin, sorted(SCOPES.keys() - set(scopes)))
        body = assert_problem(_call(client, method, path, op, lacking), 403, "insufficient_scope")
        assert all(scope in body["detail"] for scope in scopes), (method, path)
        holding = api_key_headers(client, admin, scopes)
        response = _call(client, method, path, op, holding)
        assert response.status_code != 403, (method, path, response.text)
        assert response.status_code < 500, (method, path, response.text)


def test_keys_are_refused_api_key_management_and_show_last_use(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    everything = api_key_headers(client, admin, sorted(SCOPES))
    assert_problem(client.get("api-keys", headers=everything), 403, "forbidden")
    assert_problem(
        client.post("api-keys", json={"name": "x", "scopes": ["users:read"]}, headers=everything), 403, "forbidden"
    )
    listed = client.get("api-keys", headers=admin).json()["items"]
    assert listed[0]["last_used_at"] is not None
