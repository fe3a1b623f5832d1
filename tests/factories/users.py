"""Accounts and credentials: users through the users service, bearer headers by logging in over
HTTP, API keys through the API."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

from gongjian.db import unit_of_work
from gongjian.kit.principal import SYSTEM
from gongjian.models.enums import Role
from gongjian.users import service as user_service
from gongjian.users.schemas import UserCreate

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)


def make_user(role: Role | str, organization_id: int | None = None, username: str | None = None) -> int:
    data = UserCreate(
        username=username or f"user{next(_seq)}",
        display_name="测试用户",
        role=Role(role),
        organization_id=organization_id,
        password=PASSWORD,
    )
    with unit_of_work() as session:
        return user_service.create_user(session, SYSTEM, data).id


def username_of(user_id: int) -> str:
    from gongjian.models import User

    with unit_of_work() as session:
        return session.get_one(User, user_id).username


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def headers_for(client: TestClient, role: Role | str, organization_id: int | None = None) -> dict[str, str]:
    """Create an account with `role` (in `organization_id`) and return its bearer headers."""
    user_id = make_user(role, organization_id)
    return login(client, username_of(user_id))


def api_key_headers(
    client: TestClient, admin: dict[str, str], scopes: list[str], organization_id: int | None = None
) -> dict[str, str]:
    body: dict[str, Any] = {"name": "测试密钥", "scopes": scopes}
    if organization_id is not None:
        body["organization_id"] = organization_id
    response = client.post("api-keys", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return {"X-API-Key": response.json()["key"]}
