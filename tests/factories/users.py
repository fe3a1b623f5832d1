"""Small factories: each adds rows through the service layer (the same rules as the API) and
returns plain values. No shared mutable fixtures."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

from gongjian.db import unit_of_work
from gongjian.kit.principal import SYSTEM
from gongjian.models.enums import OrganizationKind, Role
from gongjian.organizations import service as org_service
from gongjian.organizations.schemas import OrganizationCreate, PartnershipCreate
from gongjian.users import service as user_service
from gongjian.users.schemas import UserCreate

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)


def make_org(kind: OrganizationKind | str = OrganizationKind.community, name: str | None = None) -> int:
    n = next(_seq)
    kind = OrganizationKind(kind)
    data = OrganizationCreate(
        name=name or f"{kind.label_of(kind)}{n}号", kind=kind, code=f"{kind.value[:3].upper()}{n}"
    )
    with unit_of_work() as session:
        return org_service.create_organization(session, SYSTEM, data).id


def make_partnership(unit_org_id: int, community_org_id: int, start: str = "2017-01-01") -> int:
    data = PartnershipCreate.model_validate(
        {"unit_org_id": unit_org_id, "community_org_id": community_org_id, "start_date": start}
    )
    with unit_of_work() as session:
        return org_service.create_partnership(session, SYSTEM, data).id


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


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["title"]
    return body
