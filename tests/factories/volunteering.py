"""Factories for activities and volunteering tests: members with a login, activities through the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from factories.members import make_member
from factories.users import login, make_user, username_of
from gongjian.kit.calendar import LOCAL_ZONE
from gongjian.models.base import utcnow
from gongjian.models.enums import Role


def member_login(
    client: TestClient, community_org_id: int, unit_org_id: int | None = None, name: str | None = None
) -> tuple[int, dict[str, str]]:
    """A member linked to a new `member`-role account; returns (member id, bearer headers)."""
    user_id = make_user(Role.member, unit_org_id or community_org_id)
    member_id = make_member(community_org_id, unit_org_id=unit_org_id, name=name, user_id=user_id)
    return member_id, login(client, username_of(user_id))


def iso(moment: datetime) -> str:
    """As the platform's clients write a time: Beijing time (+08:00), the offset answers come back in."""
    return moment.astimezone(LOCAL_ZONE).isoformat()


def activity_body(community_org_id: int, **overrides: Any) -> dict[str, Any]:
    now = utcnow()
    body: dict[str, Any] = {
        "title": "送法进社区",
        "kind": "legal_publicity",
        "community_org_id": community_org_id,
        "starts_at": iso(now - timedelta(minutes=30)),
        "ends_at": iso(now + timedelta(hours=2)),
        "location": "老虎头社区广场",
    }
    body.update(overrides)
    return body


def make_activity(
    client: TestClient, headers: dict[str, str], community_org_id: int, *, open_it: bool = True, **overrides: Any
) -> dict[str, Any]:
    response = client.post("activities", json=activity_body(community_org_id, **overrides), headers=headers)
    assert response.status_code == 201, response.text
    activity: dict[str, Any] = response.json()
    if open_it:
        opened = client.post(f"activities/{activity['id']}/open", headers=headers)
        assert opened.status_code == 200, opened.text
        activity = opened.json()
    return activity
