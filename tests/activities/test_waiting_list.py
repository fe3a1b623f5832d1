"""The waiting list and cancelling a sign-up: a full activity queues sign-ups in the order the server
accepted them; cancelling before the start frees the place for exactly the first waiting member;
raising the capacity moves the queue up; attendance is only for sign-ups that hold a place; who may
cancel which sign-up; and the acceptance race through a real server with several workers."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from factories import api_key_headers, assert_problem, headers_for, make_member, make_org, make_partnership
from factories.live_server import live_server
from factories.volunteering import iso, make_activity, member_login
from gongjian.models.base import utcnow
from gongjian.models.enums import Role


def tomorrow() -> dict[str, str]:
    start = utcnow() + timedelta(days=1)
    return {"starts_at": iso(start), "ends_at": iso(start + timedelta(hours=2))}


def roster(client: TestClient, headers: dict[str, str], activity_id: int) -> list[dict[str, Any]]:
    page = client.get(f"activities/{activity_id}/signups?page_size=100", headers=headers)
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def queue(items: list[dict[str, Any]]) -> list[tuple[int, str, int | None]]:
    return [(s["member"]["id"], s["status"], s["waiting_position"]) for s in items if s["status"] != "cancelled"]


def test_cancel_moves_the_first_waiting_member_in_and_signing_up_again_queues_at_the_end(client: TestClient) -> None:
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    activity = make_activity(client, admin, community, capacity=1, **tomorrow())
    url = f"activities/{activity['id']}/signups"
    (a, a_headers), (b, b_headers), (c, c_headers) = (member_login(client, community) for _ in range(3))
    signups = {
        m: client.post(url, json={}, headers=h).json() for m, h in ((a, a_headers), (b, b_headers), (c, c_headers))
    }
    assert queue(roster(client, admin, activity["id"])) == [
        (a, "signed_up", None),
        (b, "waiting", 1),
        (c, "waiting", 2),
    ]

    cancelled = client.delete(f"{url}/{signups[a]['id']}", headers=a_headers)
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["status"] == "cancelled" and body["cancelled_at"] is not None and body["cancelled_by"]
    assert body["member"]["id"] == a and body["waiting_position"] is None
    assert queue(roster(client, admin, activity["id"])) == [(b, "signed_up", None), (c, "waiting", 1)]
    promoted = next(s for s in roster(client, admin, activity["id"]) if s["member"]["id"] == b)
    assert promoted["promoted_at"] is not None
    # The cancelled row stays as history, and a second cancel says so.
    assert [s["status"] for s in roster(client, admin, activity["id"]) if s["member"]["id"] == a] == ["cancelled"]
    assert_problem(client.delete(f"{url}/{signups[a]['id']}", headers=a_headers), 409, "signup_cancelled")
    # Signing up again is a new sign-up, at the end of the queue.
    again = client.post(url, json={}, headers=a_headers)
    assert again.status_code == 201, again.text
    assert again.json()["id"] != signups[a]["id"]
    assert (again.json()["status"], again.json()["waiting_position"]) == ("waiting", 2)
    read = client.get(f"activities/{activity['id']}", headers=admin).json()
    assert (read["signup_count"], read["waiting_count"]) == (1, 2)
    # A waiting member may leave the queue too; those behind it move up.
    assert client.delete(f"{url}/{signups[c]['id']}", headers=c_headers).json()["status"] == "cancelled"
    assert queue(roster(client, admin, activity["id"])) == [(b, "signed_up", None), (a, "waiting", 1)]
    # Only the sign-ups that hold a place count.
    status_filter = client.get(f"{url}?status=waiting", headers=admin).json()
    assert [s["member"]["id"] for s in status_filter["items"]] == [a]


def test_capacity_changes_move_the_queue_up(client: TestClient) -> None:
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    activity = make_activity(client, admin, community, capacity=1, **tomorrow())
    url = f"activities/{activity['id']}/signups"
    members = [make_member(community) for _ in range(5)]
    for m in members:
        assert client.post(url, json={"member_id": m}, headers=admin).status_code == 201
    raised = client.patch(f"activities/{activity['id']}", json={"capacity": 3}, headers=admin)
    assert raised.status_code == 200, raised.text
    assert (raised.json()["signup_count"], raised.json()["waiting_count"]) == (3, 2)
    assert queue(roster(client, admin, activity["id"])) == [
        (members[0], "signed_up", None),
        (members[1], "signed_up", None),
        (members[2], "signed_up", None),
        (members[3], "waiting", 1),
        (members[4], "waiting", 2),
    ]
    # Lowering below the members who hold a place is refused: nobody loses a place.
    assert_problem(
        client.patch(f"activities/{activity['id']}", json={"capacity": 2}, headers=admin), 409, "capacity_below_signups"
    )
    unlimited = client.patch(f"activities/{activity['id']}", json={"capacity": None}, headers=admin)
    assert (unlimited.json()["signup_count"], unlimited.json()["waiting_count"]) == (5, 0)


def test_attendance_and_cancelling_once_the_activity_started(client: TestClient) -> None:
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    activity = make_activity(client, admin, community, capacity=1)  # started 30 minutes ago
    url = f"activities/{activity['id']}/signups"
    (_, a_headers), (_, b_headers) = member_login(client, community), member_login(client, community)
    mine = client.post(url, json={}, headers=a_headers).json()
    waiting = client.post(url, json={}, headers=b_headers).json()
    assert waiting["status"] == "waiting"
    assert_problem(client.delete(f"{url}/{mine['id']}", headers=a_headers), 409, "activity_started")
    assert_problem(client.delete(f"{url}/{waiting['id']}", headers=admin), 409, "activity_started")
    code = client.get(f"activities/{activity['id']}/check-in-code", headers=admin).json()["code"]
    assert_problem(
        client.post(f"activities/{activity['id']}/check-in", json={"code": code}, headers=b_headers),
        409,
        "signup_waiting",
    )
    now = utcnow()
    times = {"checked_in_at": iso(now), "checked_out_at": iso(now + timedelta(hours=1))}
    assert_problem(client.put(f"{url}/{waiting['id']}/attendance", json=times, headers=admin), 409, "signup_waiting")
    checked = client.post(f"activities/{activity['id']}/check-in", json={"code": code}, headers=a_headers)
    assert checked.status_code == 200 and checked.json()["status"] == "signed_up"
    read = client.get(f"activities/{activity['id']}", headers=admin).json()
    assert (read["signup_count"], read["checked_in_count"], read["waiting_count"]) == (1, 1, 1)


def test_who_may_cancel_which_sign_up(client: TestClient) -> None:
    community, court, other = make_org("community"), make_org("unit"), make_org("community")
    make_partnership(court, community)
    platform = headers_for(client, Role.admin)
    admin = headers_for(client, Role.community_admin, community)
    court_admin = headers_for(client, Role.unit_admin, court)
    stranger = headers_for(client, Role.community_admin, other)
    activity = make_activity(client, admin, community, **tomorrow())
    url = f"activities/{activity['id']}/signups"
    me, member = member_login(client, community)
    _, neighbour = member_login(client, community)
    court_member = make_member(community, unit_org_id=court)
    plain = make_member(community)
    ids = {
        "me": client.post(url, json={}, headers=member).json()["id"],
        "court": client.post(url, json={"member_id": court_member}, headers=court_admin).json()["id"],
        "plain": client.post(url, json={"member_id": plain}, headers=admin).json()["id"],
    }

    # Anonymous, a read-only key, another community's admin, another member: nothing.
    assert_problem(client.delete(f"{url}/{ids['me']}"), 401, "unauthorized")
    reader = api_key_headers(client, platform, ["activities:read"], community)
    assert_problem(client.delete(f"{url}/{ids['me']}", headers=reader), 403, "insufficient_scope")
    assert_problem(client.delete(f"{url}/{ids['me']}", headers=stranger), 404, "not_found")
    assert_problem(client.delete(f"{url}/{ids['me']}", headers=neighbour), 404, "not_found")
    # The partner unit's admin (not a manager): its own member's sign-up only.
    assert_problem(client.delete(f"{url}/{ids['plain']}", headers=court_admin), 404, "not_found")
    by_court = client.delete(f"{url}/{ids['court']}", headers=court_admin)
    assert by_court.status_code == 200 and by_court.json()["member"]["id"] == court_member
    # The member itself.
    own = client.delete(f"{url}/{ids['me']}", headers=member)
    assert (own.status_code, own.json()["member"]["id"], own.json()["status"]) == (200, me, "cancelled")
    # A key with the write scope for the community (a manager), and the platform admin: any.
    writer = api_key_headers(client, platform, ["activities:write"], community)
    by_key = client.delete(f"{url}/{ids['plain']}", headers=writer)
    assert by_key.status_code == 200 and by_key.json()["cancelled_by"]
    again = client.post(url, json={"member_id": plain}, headers=admin).json()
    by_platform = client.delete(f"{url}/{again['id']}", headers=platform)
    assert by_platform.status_code == 200 and by_platform.json()["status"] == "cancelled"
    assert_problem(client.delete(f"activities/{activity['id']}/signups/999999", headers=admin), 404, "not_found")
    read = client.get(f"activities/{activity['id']}", headers=admin).json()
    assert (read["signup_count"], read["waiting_count"]) == (0, 0)


def test_allowed_actions_say_what_each_reader_may_do_to_a_sign_up(client: TestClient) -> None:
    community, court = make_org("community"), make_org("unit")
    make_partnership(court, community)
    admin = headers_for(client, Role.community_admin, community)
    court_admin = headers_for(client, Role.unit_admin, court)
    later = make_activity(client, admin, community, capacity=1, **tomorrow())
    url = f"activities/{later['id']}/signups"
    _, member = member_login(client, community)
    court_member = make_member(community, unit_org_id=court)
    held = client.post(url, json={}, headers=member).json()
    waiting = client.post(url, json={"member_id": court_member}, headers=court_admin).json()

    def actions(headers: dict[str, str]) -> dict[str, list[str]]:
        return {s["status"]: s["allowed_actions"] for s in roster(client, headers, later["id"])}

    # Before the start: whoever reads a live sign-up may cancel it; only a manager marks attendance,
    # and only on a sign-up that holds a place.
    assert actions(admin) == {"signed_up": ["cancel", "mark_attendance"], "waiting": ["cancel"]}
    assert actions(member) == {"signed_up": ["cancel"]}
    assert actions(court_admin) == {"waiting": ["cancel"]}
    cancelled = client.delete(f"{url}/{held['id']}", headers=member).json()
    assert cancelled["status"] == "cancelled" and cancelled["allowed_actions"] == []
    # The waiting member moved in: its sign-up now holds a place.
    assert actions(admin) == {"cancelled": [], "signed_up": ["cancel", "mark_attendance"]}
    assert waiting["id"] in [s["id"] for s in roster(client, admin, later["id"]) if s["status"] == "signed_up"]

    # Once started (or for a cancelled sign-up), nobody may cancel; the manager still marks attendance.
    started = make_activity(client, admin, community, capacity=5)  # started 30 minutes ago
    client.post(f"activities/{started['id']}/signups", json={}, headers=member)
    assert {s["status"]: s["allowed_actions"] for s in roster(client, admin, started["id"])} == {
        "signed_up": ["mark_attendance"]
    }
    assert [s["allowed_actions"] for s in roster(client, member, started["id"])] == [[]]


def _race(base: str, members: list[dict[str, str]], send: Any) -> list[tuple[int, dict[str, Any]]]:
    """Each member's client first opens its keep-alive connection (spreading them over the workers),
    then all send together at the barrier; returns (status, body) per member, in `members` order."""
    barrier = threading.Barrier(len(members), timeout=60)
    results: list[tuple[int, dict[str, Any]]] = [(0, {})] * len(members)

    def run(i: int, headers: dict[str, str]) -> None:
        with httpx.Client(base_url=f"{base}/api/v1/", timeout=30, headers=headers) as http:
            try:
                assert http.get("me").status_code == 200
                barrier.wait()
                response = send(http, i)
                results[i] = (response.status_code, response.json())
            except (threading.BrokenBarrierError, httpx.HTTPError, AssertionError) as exc:
                barrier.abort()
                results[i] = (0, {"error": repr(exc)})

    threads = [threading.Thread(target=run, args=(i, h)) for i, h in enumerate(members)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_twenty_concurrent_sign_ups_queue_in_arrival_order_and_a_cancel_moves_the_first_in(
    client: TestClient,
) -> None:
    """The acceptance race: 20 members sign up at once (capacity 3) through a real server with
    several worker processes → 3 signed up, 17 waiting at places 1..17 in the order the server
    accepted them (id order, with non-decreasing sign-up times); then cancels, also at once, each
    move exactly the next waiting member in."""
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    activity = make_activity(client, admin, community, capacity=3, **tomorrow())
    url = f"activities/{activity['id']}/signups"
    logins = [member_login(client, community) for _ in range(20)]

    with live_server(workers=4) as base:
        answers = _race(base, [h for _, h in logins], lambda http, i: http.post(url, json={}))
        assert [status for status, _ in answers] == [201] * 20, answers
        items = sorted(roster(client, admin, activity["id"]), key=lambda s: s["id"])
        assert sorted(s["member"]["id"] for s in items) == sorted(m for m, _ in logins)
        assert [s["status"] for s in items] == ["signed_up"] * 3 + ["waiting"] * 17
        assert [s["waiting_position"] for s in items] == [None] * 3 + list(range(1, 18))
        times = [s["signed_up_at"] for s in items]
        assert times == sorted(times)
        # Each answer told its member the place it got, which is the place the list shows.
        answered = {body["id"]: (body["status"], body["waiting_position"]) for _, body in answers}
        assert answered == {s["id"]: (s["status"], s["waiting_position"]) for s in items}

        # One cancel: exactly the first waiting member gets the place; the others move up by one.
        holder = {m: h for m, h in logins}
        first = items[0]
        with httpx.Client(base_url=f"{base}/api/v1/", headers=holder[first["member"]["id"]]) as http:
            assert http.delete(f"{url}/{first['id']}").status_code == 200
        after = sorted(roster(client, admin, activity["id"]), key=lambda s: s["id"])
        assert [(s["id"], s["status"], s["waiting_position"]) for s in after] == [
            (first["id"], "cancelled", None),
            (items[1]["id"], "signed_up", None),
            (items[2]["id"], "signed_up", None),
            (items[3]["id"], "signed_up", None),
        ] + [(s["id"], "waiting", place) for place, s in enumerate(items[4:], start=1)]

        # The two remaining original holders cancel at once: the next two waiting move in.
        leaving = items[1:3]
        cancels = _race(
            base,
            [holder[s["member"]["id"]] for s in leaving],
            lambda http, i: http.delete(f"{url}/{leaving[i]['id']}"),
        )
        assert [status for status, _ in cancels] == [200, 200], cancels
    final = sorted(roster(client, admin, activity["id"]), key=lambda s: s["id"])
    assert [s["status"] for s in final] == ["cancelled"] * 3 + ["signed_up"] * 3 + ["waiting"] * 14
    assert [s["waiting_position"] for s in final[6:]] == list(range(1, 15))
    read = client.get(f"activities/{activity['id']}", headers=admin).json()
    assert (read["signup_count"], read["waiting_count"]) == (3, 14)
