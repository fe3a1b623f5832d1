"""`ActivityRead.allowed_actions` / `blocked_actions`: what the caller may do to an activity now, from
the rules the endpoints apply — each "allowed" is then done, each missing one refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from factories import assert_problem, headers_for, make_member, make_org, make_partnership
from factories.volunteering import iso, make_activity, member_login
from gongjian.models.base import utcnow
from gongjian.models.enums import Role

MANAGER_PLANNED = ["edit", "check_in_code", "open", "finish", "cancel"]


def _actions(client: TestClient, aid: int, headers: dict[str, str]) -> tuple[list[str], list[dict[str, str]]]:
    body: dict[str, Any] = client.get(f"activities/{aid}", headers=headers).json()
    listed = {a["id"]: a for a in client.get("activities", headers=headers).json()["items"]}
    # The list says the same as the detail.
    assert (listed[aid]["allowed_actions"], listed[aid]["blocked_actions"]) == (
        body["allowed_actions"],
        body["blocked_actions"],
    )
    return body["allowed_actions"], body["blocked_actions"]


def test_managers_see_the_lifecycle_moves_and_others_none(client: TestClient) -> None:
    community, court = make_org("community"), make_org("unit")
    make_partnership(court, community)
    admin = headers_for(client, Role.community_admin, community)
    court_admin = headers_for(client, Role.unit_admin, court)
    platform = headers_for(client, Role.admin)
    aid = make_activity(client, admin, community, open_it=False)["id"]

    assert _actions(client, aid, admin) == (MANAGER_PLANNED, [])
    assert _actions(client, aid, platform) == (MANAGER_PLANNED, [])
    assert _actions(client, aid, court_admin) == ([], [])  # a partner that doesn't organise it
    assert_problem(client.post(f"activities/{aid}/open", headers=court_admin), 403, "forbidden")

    assert client.post(f"activities/{aid}/open", headers=admin).status_code == 200
    # Open: sign-ups are taken; admins sign up the members they look after.
    assert _actions(client, aid, admin) == (["edit", "check_in_code", "finish", "cancel", "sign_up"], [])
    assert _actions(client, aid, court_admin) == (["sign_up"], [])
    assert_problem(client.post(f"activities/{aid}/open", headers=admin), 409, "invalid_status_transition")

    assert client.post(f"activities/{aid}/cancel", headers=admin).status_code == 200
    assert _actions(client, aid, admin) == ([], [])
    assert_problem(client.get(f"activities/{aid}/check-in-code", headers=admin), 409, "activity_cancelled")
    assert_problem(client.patch(f"activities/{aid}", json={"title": "改名"}, headers=admin), 409, "activity_cancelled")


def test_a_member_is_told_what_it_may_do_at_each_step(client: TestClient) -> None:
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    _, member = member_login(client, community)
    now = utcnow()
    later = make_activity(
        client, admin, community, starts_at=iso(now + timedelta(hours=3)), ends_at=iso(now + timedelta(hours=5))
    )
    lid = later["id"]

    assert _actions(client, lid, member) == (["sign_up"], [])
    signup = client.post(f"activities/{lid}/signups", json={}, headers=member).json()
    assert _actions(client, lid, member) == (
        ["cancel_signup"],
        [{"action": "check_in", "reason": "活动开始前 1 小时起才能签到"}],
    )
    code = client.get(f"activities/{lid}/check-in-code", headers=admin).json()["code"]
    assert_problem(
        client.post(f"activities/{lid}/check-in", json={"code": code}, headers=member), 409, "check_in_not_started"
    )
    assert client.delete(f"activities/{lid}/signups/{signup['id']}", headers=member).status_code == 200
    assert _actions(client, lid, member) == (["sign_up"], [])  # may sign up again

    # Started half an hour ago: sign up, check in (too late to cancel), check out, then nothing.
    started = make_activity(client, admin, community)
    sid = started["id"]
    assert client.post(f"activities/{sid}/signups", json={}, headers=member).status_code == 201
    assert _actions(client, sid, member) == (["check_in"], [])
    code = client.get(f"activities/{sid}/check-in-code", headers=admin).json()["code"]
    assert client.post(f"activities/{sid}/check-in", json={"code": code}, headers=member).status_code == 200
    assert _actions(client, sid, member) == (["check_out"], [])
    assert client.post(f"activities/{sid}/check-out", json={"code": code}, headers=member).status_code == 200
    assert _actions(client, sid, member) == ([], [])

    # Waiting for a place: no check-in yet, and why.
    full = make_activity(client, admin, community, capacity=1)
    client.post(f"activities/{full['id']}/signups", json={"member_id": make_member(community)}, headers=admin)
    waiting = client.post(f"activities/{full['id']}/signups", json={}, headers=member)
    assert waiting.json()["status"] == "waiting"
    assert _actions(client, full["id"], member) == (
        [],  # it started: too late to cancel
        [{"action": "check_in", "reason": "仍在候补名单中，没有名额，不能签到"}],
    )

    # Finished: checking out is still possible for who checked in; nothing else.
    assert client.post(f"activities/{sid}/finish", headers=admin).status_code == 200
    assert _actions(client, sid, member) == ([], [])
    assert _actions(client, sid, admin) == (["edit", "check_in_code"], [])
    # A planned one: nothing for a member yet.
    planned = make_activity(client, admin, community, open_it=False)
    assert _actions(client, planned["id"], member) == ([], [])
    assert_problem(
        client.post(f"activities/{planned['id']}/signups", json={}, headers=member), 409, "activity_not_open"
    )


def test_check_out_stays_allowed_after_finishing_for_who_checked_in(client: TestClient) -> None:
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    _, member = member_login(client, community)
    aid = make_activity(client, admin, community)["id"]
    client.post(f"activities/{aid}/signups", json={}, headers=member)
    code = client.get(f"activities/{aid}/check-in-code", headers=admin).json()["code"]
    client.post(f"activities/{aid}/check-in", json={"code": code}, headers=member)
    client.post(f"activities/{aid}/finish", headers=admin)
    assert _actions(client, aid, member) == (["check_out"], [])
    assert client.post(f"activities/{aid}/check-out", json={"code": code}, headers=member).status_code == 200
