"""A request is authenticated once: before its body for writes (kit.body_limit), in the dependency
for reads; the dependency reuses what the middleware found."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import headers_for
from gongjian.auth import dependencies
from gongjian.models.enums import Role


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, ...]]:
    seen: list[tuple[str | None, ...]] = []
    real = dependencies.authenticate

    def counting(*args: Any) -> Any:
        seen.append(args[:2])
        return real(*args)

    monkeypatch.setattr(dependencies, "authenticate", counting)
    return seen


def test_a_write_with_a_body_authenticates_once(client: TestClient, calls: list[tuple[str | None, ...]]) -> None:
    admin = headers_for(client, Role.admin)
    calls.clear()
    body = {"name": "只认证一次的社区", "kind": "community", "code": "once1"}
    assert client.post("organizations", json=body, headers=admin).status_code == 201
    assert len(calls) == 1


def test_a_read_authenticates_once(client: TestClient, calls: list[tuple[str | None, ...]]) -> None:
    admin = headers_for(client, Role.admin)
    calls.clear()
    assert client.get("organizations", headers=admin).status_code == 200
    assert len(calls) == 1


def test_an_api_key_write_checks_its_scopes_before_the_body(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    key = client.post("api-keys", json={"name": "只读密钥", "scopes": ["organizations:read"]}, headers=admin)
    headers = {"X-API-Key": key.json()["key"], "Content-Type": "application/json"}
    # Not even JSON: the 403 comes from the headers, before the body would have failed to parse.
    response = client.post("organizations", content=b"{not json", headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
