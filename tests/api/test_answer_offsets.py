"""Times in answers: stored in UTC, answered in the offset of the request's own date-times, or
+08:00 when it sent none (or several different ones) — in every field of every answer, whether the
value was read back from the database or was just set (kit/calendar.py `answer_zone`, applied by
`kit.schemas.OutputModel`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from factories import headers_for, make_org
from gongjian.models.enums import OrganizationKind, Role

MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _moments(body: Any) -> list[str]:
    """Every date-time string anywhere in an answer."""
    if isinstance(body, dict):
        return [m for value in body.values() for m in _moments(value)]
    if isinstance(body, list):
        return [m for value in body for m in _moments(value)]
    return [body] if isinstance(body, str) and MOMENT.match(body) else []


def _offsets(body: Any) -> set[str]:
    return {"Z" if m.endswith("Z") else m[-6:] for m in _moments(body)}


def _activity(community: int, starts_at: str, ends_at: str) -> dict[str, Any]:
    return {
        "title": "学雷锋志愿服务",
        "kind": "volunteer_service",
        "community_org_id": community,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }


def test_times_come_back_in_the_offset_the_caller_sent_else_beijing_time(client: TestClient) -> None:
    community = make_org(OrganizationKind.community)
    admin = headers_for(client, Role.community_admin, community)

    # Sent in +09:00: the whole answer (the times it sent, and created_at / updated_at just set) in +09:00.
    tokyo = client.post(
        "activities", json=_activity(community, "2026-03-05T10:00:00+09:00", "2026-03-05T13:00:00+09:00"), headers=admin
    )
    assert tokyo.status_code == 201, tokyo.text
    body = tokyo.json()
    assert body["starts_at"] == "2026-03-05T10:00:00+09:00" and body["ends_at"] == "2026-03-05T13:00:00+09:00"
    assert _offsets(body) == {"+09:00"} and len(_moments(body)) >= 4
    created = datetime.fromisoformat(body["created_at"])
    assert abs(created - datetime.now(created.tzinfo)) < timedelta(minutes=5)

    # Nothing sent: Beijing time, for the same instants (read back from the database).
    read = client.get(f"activities/{body['id']}", headers=admin).json()
    assert read["starts_at"] == "2026-03-05T09:00:00+08:00" and _offsets(read) == {"+08:00"}
    assert datetime.fromisoformat(read["created_at"]) == created
    listed = client.get("activities", headers=admin).json()
    assert listed["items"] and _offsets(listed) == {"+08:00"}

    # UTC sent: UTC back ("Z"), in a list filtered by date-times too.
    utc = client.post(
        "activities", json=_activity(community, "2026-04-01T01:00:00Z", "2026-04-01T03:00:00Z"), headers=admin
    ).json()
    assert utc["starts_at"] == "2026-04-01T01:00:00Z" and _offsets(utc) == {"Z"}
    platform = headers_for(client, Role.admin)
    events = client.get("audit-events", params={"since": "2020-01-01T00:00:00-05:00"}, headers=platform).json()
    # (`changes` holds the values as they were recorded: only the event's own time is answered anew)
    assert events["items"] and _offsets([e["occurred_at"] for e in events["items"]]) == {"-05:00"}

    # Two different offsets in one request: Beijing time.
    mixed = client.post(
        "activities", json=_activity(community, "2026-05-01T10:00:00+09:00", "2026-05-01T08:30:00+05:30"), headers=admin
    ).json()
    assert mixed["starts_at"] == "2026-05-01T09:00:00+08:00" and _offsets(mixed) == {"+08:00"}

    # One request's offset never leaks into the next.
    assert _offsets(client.get(f"activities/{utc['id']}", headers=admin).json()) == {"+08:00"}
