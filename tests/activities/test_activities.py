"""Activities: CRUD and filters, who sees and manages what, sign-up rules, check-in codes,
attendance, participant-times, and capacity under a real race."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi.testclient import TestClient

from factories import assert_problem, headers_for, make_member, make_org, make_partnership
from factories.live_server import live_server
from factories.volunteering import activity_body, iso, make_activity, member_login
from gongjian.models.base import utcnow
from gongjian.models.enums import Role

ROUNDS = 3


def test_admin_publishes_opens_edits_and_finishes_an_activity(client: TestClient) -> None:
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    created = client.post("activities", json=activity_body(community, capacity=30, guest_count=12), headers=admin)
    assert created.status_code == 201, created.text
    activity = created.json()
    assert created.headers["Location"] == f"/api/v1/activities/{activity['id']}"
    assert activity["status"] == "planned" and activity["organizer_org"]["id"] == community
    assert activity["kind"] == "legal_publicity" and activity["counts_hours"] is True
    assert (activity["signup_count"], activity["checked_in_count"], activity["participant_count"]) == (0, 0, 12)

    got = client.get(f"activities/{activity['id']}", headers=admin)
    assert got.headers["ETag"] == '"v1"' and got.json() == activity
    patched = client.patch(
        f"activities/{activity['id']}", json={"guest_count": 30}, headers={**admin, "If-Match": '"v1"'}
    )
    assert patched.json()["participant_count"] == 30 and patched.json()["version"] == 2
    assert_problem(
        client.patch(f"activities/{activity['id']}", json={"title": "x2"}, headers={**admin, "If-Match": '"v1"'}),
        412,
        "precondition_failed",
    )
    assert client.post(f"activities/{activity['id']}/open", headers=admin).json()["status"] == "open"
    assert_problem(client.post(f"activities/{activity['id']}/open", headers=admin), 409, "invalid_status_transition")
    assert client.post(f"activities/{activity['id']}/finish", headers=admin).json()["status"] == "finished"
    assert_problem(client.post(f"activities/{activity['id']}/cancel", headers=admin), 409, "invalid_status_transition")
    bad = activity_body(community, ends_at=activity_body(community)["starts_at"])
    assert_problem(client.post("activities", json=bad, headers=admin), 422, "validation_error")


def test_list_filters(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    c1, c2, court = make_org("community"), make_org("community"), make_org("unit")
    now = utcnow()
    make_activity(client, admin, c1, organizer_org_id=c1, kind="visit", open_it=False)
    make_activity(client, admin, c1, organizer_org_id=court, starts_at=iso(now - timedelta(days=40)))
    make_activity(client, admin, c2, organizer_org_id=c2, kind="micro_report")

    def titles(query: str) -> list[str]:
        body = client.get(f"activities?{query}", headers=admin).json()
        return sorted(a["kind"] for a in body["items"])

    assert titles("kind=visit") == ["visit"]
    assert titles(f"community_org_id={c1}") == ["legal_publicity", "visit"]
    assert titles(f"organizer_org_id={court}") == ["legal_publicity"]
    assert titles("status=open") == ["legal_publicity", "micro_report"]
    day = (now - timedelta(days=40)).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert titles(f"starts_from={day}&starts_until={day}") == ["legal_publicity"]
    assert client.get("activities?page_size=1", headers=admin).json()["total"] == 3
    assert_problem(client.get("activities?kind=party", headers=admin), 422, "validation_error")


def test_who_sees_and_manages_activities(client: TestClient) -> None:
    community, court, elsewhere, stranger_org = (
        make_org("community"),
        make_org("unit"),
        make_org("community"),
        make_org("community"),
    )
    make_partnership(court, community)
    admin = headers_for(client, Role.admin)
    activity = make_activity(client, admin, community, organizer_org_id=community)
    other = make_activity(client, admin, elsewhere, organizer_org_id=elsewhere)
    community_admin = headers_for(client, Role.community_admin, community)
    court_admin = headers_for(client, Role.unit_admin, court)
    stranger = headers_for(client, Role.community_admin, stranger_org)
    _, member = member_login(client, community)
    _, court_member = member_login(client, elsewhere, unit_org_id=court)

    for caller, visible in [
        (admin, {activity["id"], other["id"]}),
        (community_admin, {activity["id"]}),
        (court_admin, {activity["id"]}),  # a partner (共建) community's activity
        (member, {activity["id"]}),
        (court_member, {activity["id"], other["id"]}),  # its unit's partner community and its own
        (stranger, set()),
    ]:
        assert {a["id"] for a in client.get("activities", headers=caller).json()["items"]} == visible
    assert_problem(client.get(f"activities/{activity['id']}", headers=stranger), 404, "not_found")
    # Managing: the community's admin yes; a partner unit that doesn't organise it and a member, no.
    assert (
        client.patch(f"activities/{activity['id']}", json={"location": "会议室"}, headers=community_admin).status_code
        == 200
    )
    for caller in (court_admin, member):
        assert_problem(client.post(f"activities/{activity['id']}/finish", headers=caller), 403, "forbidden")
        assert_problem(client.get(f"activities/{activity['id']}/check-in-code", headers=caller), 403, "forbidden")
    # Publishing: a unit in its partner community as organiser; not in a community it has no tie to.
    assert client.post("activities", json=activity_body(community), headers=court_admin).status_code == 201
    assert_problem(client.post("activities", json=activity_body(elsewhere), headers=court_admin), 403, "forbidden")
    assert_problem(client.post("activities", json=activity_body(community), headers=member), 403, "forbidden")
    assert_problem(
        client.post("activities", json=activity_body(court, organizer_org_id=court), headers=admin),
        422,
        "wrong_organization_kind",
    )


def test_sign_up_rules(client: TestClient) -> None:
    community, court = make_org("community"), make_org("unit")
    admin = headers_for(client, Role.community_admin, community)
    court_admin = headers_for(client, Role.unit_admin, court)
    planned = make_activity(client, admin, community, open_it=False, capacity=2)
    activity = make_activity(client, admin, community, capacity=2)
    me, member = member_login(client, community, name="张三")
    neighbour = make_member(community, name="李四")
    court_member = make_member(community, unit_org_id=court)

    assert_problem(
        client.post(f"activities/{planned['id']}/signups", json={}, headers=member), 409, "activity_not_open"
    )
    mine = client.post(f"activities/{activity['id']}/signups", json={}, headers=member)
    assert mine.status_code == 201, mine.text
    assert mine.json()["member"] == {"id": me, "name": "张三"} and mine.json()["checked_in_at"] is None
    assert_problem(
        client.post(f"activities/{activity['id']}/signups", json={}, headers=member), 409, "already_signed_up"
    )
    assert_problem(
        client.post(f"activities/{activity['id']}/signups", json={"member_id": neighbour}, headers=member),
        403,
        "forbidden",
    )
    # An admin signs up its own members only (the court's admin: its in-service member).
    assert_problem(
        client.post(f"activities/{activity['id']}/signups", json={"member_id": neighbour}, headers=court_admin),
        404,
        "not_found",  # the court is not a partner: it can't see this activity at all
    )
    make_partnership(court, community)
    assert_problem(  # not its member: answered as if it didn't exist (no probing of member ids)
        client.post(f"activities/{activity['id']}/signups", json={"member_id": neighbour}, headers=court_admin),
        422,
        "member_not_found",
    )
    ok = client.post(f"activities/{activity['id']}/signups", json={"member_id": court_member}, headers=court_admin)
    assert ok.status_code == 201
    # Full: refused when the caller wants no waiting list, else it waits (first in the queue).
    assert_problem(
        client.post(
            f"activities/{activity['id']}/signups", json={"member_id": neighbour, "waitlist": False}, headers=admin
        ),
        409,
        "activity_full",
    )
    waits = client.post(f"activities/{activity['id']}/signups", json={"member_id": neighbour}, headers=admin)
    assert waits.status_code == 201, waits.text
    assert waits.json()["status"] == "waiting" and waits.json()["waiting_position"] == 1
    assert_problem(
        client.post(f"activities/{activity['id']}/signups", json={"member_id": neighbour}, headers=admin),
        409,
        "already_waiting",
    )
    assert_problem(client.post(f"activities/{activity['id']}/signups", json={}, headers=admin), 422, "member_required")
    listed = client.get(f"activities/{activity['id']}/signups", headers=admin).json()
    assert [(s["member"]["id"], s["status"], s["waiting_position"]) for s in listed["items"]] == [
        (me, "signed_up", None),
        (court_member, "signed_up", None),
        (neighbour, "waiting", 1),
    ]
    counts = client.get(f"activities/{activity['id']}", headers=admin).json()
    assert (counts["signup_count"], counts["waiting_count"]) == (2, 1)
    # A member sees only its own sign-up; the court's admin only its own member's.
    assert [
        s["member"]["id"] for s in client.get(f"activities/{activity['id']}/signups", headers=member).json()["items"]
    ] == [me]
    court_view = client.get(f"activities/{activity['id']}/signups", headers=court_admin).json()["items"]
    assert [s["member"]["id"] for s in court_view] == [court_member]
    assert_problem(
        client.patch(f"activities/{activity['id']}", json={"capacity": 1}, headers=admin), 409, "capacity_below_signups"
    )


def test_check_in_code_and_attendance(client: TestClient) -> None:
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    activity = make_activity(client, admin, community, guest_count=5)
    other = make_activity(client, admin, community)
    _, member = member_login(client, community)
    _, stranger_member = member_login(client, community)
    aid = activity["id"]
    code = client.get(f"activities/{aid}/check-in-code", headers=admin).json()
    assert len(code["code"]) <= 32 and code["code"].isascii()
    assert code["expires_at"] > activity["ends_at"]
    other_code = client.get(f"activities/{other['id']}/check-in-code", headers=admin).json()["code"]

    assert_problem(
        client.post(f"activities/{aid}/check-in", json={"code": code["code"]}, headers=stranger_member),
        409,
        "not_signed_up",
    )
    client.post(f"activities/{aid}/signups", json={}, headers=member)
    assert_problem(
        client.post(f"activities/{aid}/check-out", json={"code": code["code"]}, headers=member), 409, "not_checked_in"
    )
    forged = code["code"][:-1] + ("A" if code["code"][-1] != "A" else "B")
    assert_problem(
        client.post(f"activities/{aid}/check-in", json={"code": forged}, headers=member), 422, "check_in_code_invalid"
    )
    # Someone rewrites the activity id inside a valid code: the signature no longer matches.
    retargeted = other_code.split(".")[0] + "." + ".".join(code["code"].split(".")[1:])
    assert_problem(
        client.post(f"activities/{aid}/check-in", json={"code": retargeted}, headers=member),
        422,
        "check_in_code_invalid",
    )
    assert_problem(
        client.post(f"activities/{aid}/check-in", json={"code": other_code}, headers=member),
        422,
        "check_in_code_wrong_activity",
    )
    assert_problem(
        client.post(f"activities/{aid}/check-in", json={"code": "garbage"}, headers=member),
        422,
        "check_in_code_invalid",
    )

    checked = client.post(f"activities/{aid}/check-in", json={"code": code["code"].lower()}, headers=member)
    assert checked.status_code == 200 and checked.json()["checked_in_at"] is not None
    assert_problem(
        client.post(f"activities/{aid}/check-in", json={"code": code["code"]}, headers=member),
        409,
        "already_checked_in",
    )
    out = client.post(f"activities/{aid}/check-out", json={"code": code["code"]}, headers=member)
    assert out.json()["checked_out_at"] is not None and out.json()["attendance_marked_by"] is None
    assert_problem(
        client.post(f"activities/{aid}/check-out", json={"code": code["code"]}, headers=member),
        409,
        "already_checked_out",
    )
    # An admin can't scan for someone.
    assert_problem(
        client.post(f"activities/{aid}/check-in", json={"code": code["code"]}, headers=admin), 403, "forbidden"
    )

    # Participant-times = checked-in members + the head count of non-members.
    assert client.get(f"activities/{aid}", headers=admin).json()["participant_count"] == 1 + 5


def test_expired_code_is_rejected(client: TestClient) -> None:
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    now = utcnow()
    past = make_activity(
        client, admin, community, starts_at=iso(now - timedelta(hours=5)), ends_at=iso(now - timedelta(hours=2))
    )
    _, member = member_login(client, community)
    client.post(f"activities/{past['id']}/signups", json={}, headers=member)
    code = client.get(f"activities/{past['id']}/check-in-code", headers=admin).json()["code"]
    assert_problem(
        client.post(f"activities/{past['id']}/check-in", json={"code": code}, headers=member),
        422,
        "check_in_code_expired",
    )


def test_admin_marks_attendance_by_hand(client: TestClient) -> None:
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    activity = make_activity(client, admin, community)
    member_id = make_member(community)
    signup = client.post(f"activities/{activity['id']}/signups", json={"member_id": member_id}, headers=admin).json()
    now = utcnow()
    body = {"checked_in_at": iso(now - timedelta(hours=2)), "checked_out_at": iso(now - timedelta(minutes=10))}
    marked = client.put(f"activities/{activity['id']}/signups/{signup['id']}/attendance", json=body, headers=admin)
    assert marked.status_code == 200, marked.text
    marker = client.get("me", headers=admin).json()
    assert marked.json()["attendance_marked_by"] == marker["name"]  # a name people can read
    assert client.get(f"activities/{activity['id']}", headers=admin).json()["checked_in_count"] == 1
    reversed_times = {"checked_in_at": body["checked_out_at"], "checked_out_at": body["checked_in_at"]}
    assert_problem(
        client.put(
            f"activities/{activity['id']}/signups/{signup['id']}/attendance", json=reversed_times, headers=admin
        ),
        422,
        "validation_error",
    )
    assert_problem(
        client.put(f"activities/{activity['id']}/signups/999/attendance", json=body, headers=admin), 404, "not_found"
    )


def test_api_key_scopes(client: TestClient) -> None:
    from factories import api_key_headers

    admin = headers_for(client, Role.admin)
    community = make_org("community")
    reader = api_key_headers(client, admin, ["activities:read"])
    assert client.get("activities", headers=reader).status_code == 200
    assert_problem(
        client.post("activities", json=activity_body(community, organizer_org_id=community), headers=reader),
        403,
        "insufficient_scope",
    )


def test_capacity_holds_under_twenty_concurrent_sign_ups(client: TestClient) -> None:
    """20 members hit the same activity (capacity 3) at once through a real server, several rounds,
    asking for no waiting list (the waiting list's own race: test_waiting_list.py).

    Several worker processes: one process runs its endpoints' database work one request at a time
    (async endpoints, synchronous unit of work), so only separate processes can really race. Each
    thread first opens its keep-alive connection (spreading them over the workers), then all send
    their sign-up together at the barrier."""
    community = make_org("community")
    admin = headers_for(client, Role.community_admin, community)
    activities = [make_activity(client, admin, community, capacity=3)["id"] for _ in range(ROUNDS)]
    members = [member_login(client, community)[1] for _ in range(20)]
    # A timeout, so a thread that fails breaks the barrier for the others instead of hanging them.
    barrier = threading.Barrier(len(members), timeout=60)
    results: dict[int, list[tuple[int, str]]] = {a: [] for a in activities}
    lock = threading.Lock()

    with live_server(workers=4) as base:

        def sign_up(headers: dict[str, str]) -> None:
            with httpx.Client(base_url=f"{base}/api/v1/", timeout=30, headers=headers) as http:
                for activity_id in activities:
                    try:
                        assert http.get(f"activities/{activity_id}").status_code == 200
                        barrier.wait()
                        response = http.post(f"activities/{activity_id}/signups", json={"waitlist": False})
                        outcome = (response.status_code, response.json().get("code", ""))
                    except (threading.BrokenBarrierError, httpx.HTTPError, AssertionError) as exc:
                        barrier.abort()
                        outcome = (0, repr(exc))
                    with lock:
                        results[activity_id].append(outcome)

        threads = [threading.Thread(target=sign_up, args=(h,)) for h in members]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)

    for activity_id, outcome in results.items():
        assert sorted(status for status, _ in outcome) == [201] * 3 + [409] * 17, outcome
        assert {code for status, code in outcome if status == 409} == {"activity_full"}
        assert client.get(f"activities/{activity_id}", headers=admin).json()["signup_count"] == 3
