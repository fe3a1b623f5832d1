"""The platform's working-day table (`/calendar`, `/calendar/days`): everyone signed in reads what a
day is and why; only platform admins (or a platform-wide key with `calendar:write`) mark and unmark
days, with ETag / If-Match and an audit event for each change."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import api_key_headers, assert_problem, headers_for, make_member, make_org
from factories.users import login, make_user, username_of
from gongjian.models.enums import OrganizationKind, Role

DAY = "2027-02-08"
BODY = {"is_working_day": False, "name": "春节"}


@pytest.fixture
def callers(client: TestClient) -> dict[str, dict[str, str]]:
    community = make_org(OrganizationKind.community)
    unit = make_org(OrganizationKind.unit)
    admin = headers_for(client, Role.admin)
    member_user = make_user(Role.member, community)
    make_member(community, user_id=member_user)
    return {
        "admin": admin,
        "community_admin": headers_for(client, Role.community_admin, community),
        "unit_admin": headers_for(client, Role.unit_admin, unit),
        "member": login(client, username_of(member_user)),
        "platform key": api_key_headers(client, admin, ["calendar:read", "calendar:write"]),
        "community key": api_key_headers(client, admin, ["calendar:read", "calendar:write"], organization_id=community),
    }


WRITERS = {"admin", "platform key"}


@pytest.mark.parametrize("who", ["admin", "community_admin", "unit_admin", "member", "platform key", "community key"])
def test_every_role_reads_only_platform_admins_write(client: TestClient, callers: dict[str, Any], who: str) -> None:
    headers = callers[who]
    info = client.get("calendar", headers=headers)
    assert info.status_code == 200 and info.json()["package"] == "chinesecalendar 1.11.0"
    assert client.get(f"calendar/days/{DAY}", headers=headers).json()["source"] == "weekdays"
    assert client.get("calendar/days", headers=headers).json()["total"] == 0

    put = client.put(f"calendar/days/{DAY}", json=BODY, headers=headers)
    if who not in WRITERS:
        assert assert_problem(put, 403, "forbidden")["detail"] == "只有平台管理员可以维护工作日日历"
        client.put(f"calendar/days/{DAY}", json=BODY, headers=callers["admin"])
        assert_problem(client.delete(f"calendar/days/{DAY}", headers=headers), 403, "forbidden")
        assert client.get(f"calendar/days/{DAY}", headers=headers).json()["source"] == "platform"
        return
    assert put.status_code == 201, put.text
    assert put.headers["Location"] == f"/api/v1/calendar/days/{DAY}" and put.headers["ETag"] == '"v1"'
    assert put.json()["entry"]["name"] == "春节" and put.json()["is_working_day"] is False
    assert client.get("calendar/days", params={"year": 2027}, headers=headers).json()["total"] == 1
    assert client.delete(f"calendar/days/{DAY}", headers=headers).status_code == 204
    assert client.get(f"calendar/days/{DAY}", headers=headers).json()["entry"] is None


def test_no_login_and_no_scope(client: TestClient, callers: dict[str, Any]) -> None:
    assert_problem(client.get(f"calendar/days/{DAY}"), 401, "unauthorized")
    assert_problem(client.put(f"calendar/days/{DAY}", json=BODY), 401, "unauthorized")
    reader = api_key_headers(client, callers["admin"], ["calendar:read"])
    assert_problem(client.put(f"calendar/days/{DAY}", json=BODY, headers=reader), 403, "insufficient_scope")
    other = api_key_headers(client, callers["admin"], ["wishes:read"])
    assert_problem(client.get(f"calendar/days/{DAY}", headers=other), 403, "insufficient_scope")


def test_changes_carry_versions_and_are_audited(client: TestClient, callers: dict[str, Any]) -> None:
    admin = callers["admin"]
    first = client.put(f"calendar/days/{DAY}", json=BODY, headers=admin)
    assert first.status_code == 201
    read = client.get(f"calendar/days/{DAY}", headers=admin)
    assert read.headers["ETag"] == '"v1"'
    changed = client.put(
        f"calendar/days/{DAY}", json={"is_working_day": True, "name": "调休上班"}, headers={**admin, "If-Match": '"v1"'}
    )
    assert changed.status_code == 200 and changed.headers["ETag"] == '"v2"'
    assert changed.json()["entry"]["version"] == 2 and changed.json()["is_working_day"] is True
    stale = client.put(f"calendar/days/{DAY}", json=BODY, headers={**admin, "If-Match": '"v1"'})
    assert_problem(stale, 412, "precondition_failed")
    same = client.put(f"calendar/days/{DAY}", json={"is_working_day": True, "name": "调休上班"}, headers=admin)
    assert same.status_code == 200 and same.json()["entry"]["version"] == 2  # nothing changed, no new version
    assert_problem(
        client.delete(f"calendar/days/{DAY}", headers={**admin, "If-Match": '"v1"'}), 412, "precondition_failed"
    )
    assert client.delete(f"calendar/days/{DAY}", headers={**admin, "If-Match": '"v2"'}).status_code == 204
    assert_problem(client.delete(f"calendar/days/{DAY}", headers=admin), 404, "not_found")

    events = client.get("audit-events", params={"entity": "calendar_day", "sort": "id"}, headers=admin).json()["items"]
    assert [(e["action"], e["changes"]) for e in sorted(events, key=lambda e: e["id"])] == [
        ("create", {"day": DAY, "is_working_day": False, "name": "春节"}),
        ("update", {"is_working_day": [False, True], "name": ["春节", "调休上班"]}),
        ("delete", {"day": DAY, "is_working_day": True, "name": "调休上班"}),
    ]


def test_bad_bodies_and_filters_are_refused(client: TestClient, callers: dict[str, Any]) -> None:
    admin = callers["admin"]
    for body in ({"is_working_day": 0}, {"is_working_day": "yes"}, {}, {"is_working_day": True, "name": "x" * 51}):
        assert_problem(client.put(f"calendar/days/{DAY}", json=body, headers=admin), 422, "validation_error")
    assert_problem(
        client.put(f"calendar/days/{DAY}", json={**BODY, "extra": 1}, headers=admin), 422, "validation_error"
    )
    assert_problem(client.get("calendar/days", params={"year": 3000}, headers=admin), 422, "validation_error")
    assert_problem(client.get("calendar/days", params={"sort": "name"}, headers=admin), 422, "validation_error")
    for n, day in enumerate(("2027-01-01", "2027-05-03", "2026-12-31")):
        client.put(f"calendar/days/{day}", json={"is_working_day": n == 1, "name": "节日"}, headers=admin)
    listed = client.get("calendar/days", params={"year": 2027, "sort": "-day"}, headers=admin).json()
    assert [d["day"] for d in listed["items"]] == ["2027-05-03", "2027-01-01"]
    off = client.get("calendar/days", params={"is_working_day": False}, headers=admin).json()
    assert [d["day"] for d in off["items"]] == ["2026-12-31", "2027-01-01"]
