"""Neighbours who help (issue 17, item 6): an activity says who may take part; a member of another
community signs up, checks in and gets hours, which show where the issue says and nowhere else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from factories import assert_problem, headers_for, make_member, make_org, make_partnership
from factories.volunteering import iso, make_activity, member_login
from gongjian.kit.calendar import local_date
from gongjian.models.base import utcnow
from gongjian.models.enums import Role


def _ids(client: TestClient, path: str, headers: dict[str, str]) -> list[int]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["items"]]


def test_the_audience_decides_who_may_take_part(client: TestClient) -> None:
    community, court, neighbour_community = make_org("community"), make_org("unit"), make_org("community")
    make_partnership(court, community)
    admin = headers_for(client, Role.community_admin, community)
    _, resident_member = member_login(client, community)
    # In service at the court (a partner unit, 共建), living in another community.
    _, court_member = member_login(client, neighbour_community, unit_org_id=court)
    neighbour_id, neighbour = member_login(client, neighbour_community)

    default = make_activity(client, admin, community)
    assert default["audience"] == "partners"  # what every activity allowed before the field existed
    own_only = make_activity(client, admin, community, audience="community")
    everyone = make_activity(client, admin, community, audience="platform")
    assert_problem(
        client.post("activities", json={**own_only, "audience": "street"}, headers=admin), 422, "validation_error"
    )

    def may(headers: dict[str, str], activity: dict[str, Any]) -> tuple[list[str], list[dict[str, str]]]:
        body = client.get(f"activities/{activity['id']}", headers=headers).json()
        return body["allowed_actions"], body["blocked_actions"]

    # The community's own members: every level.
    for activity in (default, own_only, everyone):
        assert may(resident_member, activity) == (["sign_up"], [])
    # A partner unit's member: partners and platform; for "community only" it is told why.
    assert may(court_member, default) == (["sign_up"], [])
    assert may(court_member, own_only) == ([], [{"action": "sign_up", "reason": "本活动仅限本社区党员参加"}])
    assert_problem(
        client.post(f"activities/{own_only['id']}/signups", json={}, headers=court_member), 403, "not_in_audience"
    )
    # A neighbour (another community, no tie): only the platform-wide one, which it now sees.
    assert set(_ids(client, "activities", neighbour)) == {everyone["id"]}
    assert_problem(client.get(f"activities/{default['id']}", headers=neighbour), 404, "not_found")
    assert may(neighbour, everyone) == (["sign_up"], [])
    signed = client.post(f"activities/{everyone['id']}/signups", json={}, headers=neighbour)
    assert signed.status_code == 201, signed.text
    assert signed.json()["member"]["id"] == neighbour_id

    # Narrowing the audience later keeps the sign-ups already made (and the member still sees it);
    # new ones are refused, also when its own community's admin signs it up.
    narrowed = client.patch(f"activities/{everyone['id']}", json={"audience": "community"}, headers=admin)
    assert narrowed.status_code == 200 and narrowed.json()["audience"] == "community"
    assert may(neighbour, everyone)[0] == ["check_in"]  # started half an hour ago: too late to cancel
    neighbour_admin = headers_for(client, Role.community_admin, neighbour_community)
    other_neighbour = make_member(neighbour_community)
    assert_problem(
        client.post(
            f"activities/{everyone['id']}/signups", json={"member_id": other_neighbour}, headers=neighbour_admin
        ),
        403,
        "not_in_audience",
    )
    client.patch(f"activities/{everyone['id']}", json={"audience": "platform"}, headers=admin)
    by_admin = client.post(
        f"activities/{everyone['id']}/signups", json={"member_id": other_neighbour}, headers=neighbour_admin
    )
    assert by_admin.status_code == 201, by_admin.text
    enums = client.get("meta/enums", headers=admin).json()["enums"]
    labels = {e["name"]: {v["code"]: v["label"] for v in e["values"]} for e in enums}
    assert labels["activity_audience"] == {
        "community": "本社区党员",
        "partners": "本社区及共建单位党员",
        "platform": "全平台党员",
    }


def test_a_neighbours_sign_up_check_in_and_hours_show_where_they_belong_and_nowhere_else(client: TestClient) -> None:
    host, home = make_org("community", "老虎头社区"), make_org("community", "青年路社区")
    stranger_community, stranger_unit, host_partner = make_org("community"), make_org("unit"), make_org("unit")
    make_partnership(host_partner, host)
    recorder = headers_for(client, Role.community_admin, host)
    approver = headers_for(client, Role.community_admin, host)
    home_admin = headers_for(client, Role.community_admin, home)
    outsiders = {
        "another community's admin": headers_for(client, Role.community_admin, stranger_community),
        "an unrelated unit's admin": headers_for(client, Role.unit_admin, stranger_unit),
        "the host's partner unit's admin": headers_for(client, Role.unit_admin, host_partner),
    }
    neighbour_id, neighbour = member_login(client, home, name="邻居王")
    host_member_id = make_member(host)
    now = utcnow()
    activity = make_activity(
        client,
        recorder,
        host,
        kind="volunteer_service",
        audience="platform",
        starts_at=iso(now - timedelta(hours=3)),
        ends_at=iso(now - timedelta(minutes=10)),
    )
    aid = activity["id"]

    # Sign-up and check-in by the neighbour itself.
    signup = client.post(f"activities/{aid}/signups", json={}, headers=neighbour).json()
    client.post(f"activities/{aid}/signups", json={"member_id": host_member_id}, headers=recorder)
    code = client.get(f"activities/{aid}/check-in-code", headers=recorder).json()["code"]
    assert client.get(f"activities/{aid}", headers=neighbour).json()["allowed_actions"] == ["check_in"]
    checked = client.post(f"activities/{aid}/check-in", json={"code": code}, headers=neighbour)
    assert checked.status_code == 200 and checked.json()["checked_in_at"] is not None
    assert client.get(f"activities/{aid}", headers=neighbour).json()["allowed_actions"] == ["check_out"]
    assert client.post(f"activities/{aid}/check-out", json={"code": code}, headers=neighbour).status_code == 200
    # The organiser sets the times it saw (the scan was seconds ago), then records the hours.
    times = {"checked_in_at": activity["starts_at"], "checked_out_at": activity["ends_at"]}
    marked = client.put(f"activities/{aid}/signups/{signup['id']}/attendance", json=times, headers=recorder)
    assert marked.status_code == 200, marked.text

    # The sign-up: the host sees both, the neighbour's community its own member only, outsiders none.
    def members_of(headers: dict[str, str]) -> list[int]:
        signups = client.get(f"activities/{aid}/signups", headers=headers).json()["items"]
        return [s["member"]["id"] for s in signups]

    assert members_of(recorder) == [neighbour_id, host_member_id]
    assert members_of(neighbour) == [neighbour_id]
    assert members_of(home_admin) == [neighbour_id]
    assert aid in _ids(client, "activities", home_admin)  # its member's activity elsewhere
    for who, headers in outsiders.items():
        assert members_of(headers) == [], who  # a platform-wide activity is visible, its sign-ups are not

    record = client.post("volunteer-records", json={"activity_id": aid, "member_id": neighbour_id}, headers=recorder)
    assert record.status_code == 201, record.text
    rid = record.json()["id"]
    assert record.json()["hours"] == 2.5 and record.json()["hours_source"] == "check_in"
    # Pending: the neighbour's own community reads it (and is told who reviews); outsiders get 404.
    seen = client.get(f"volunteer-records/{rid}", headers=home_admin).json()
    assert (seen["allowed_actions"], seen["review_hint"]) == ([], "待 老虎头社区 的其他管理员审核")
    assert_problem(client.post(f"volunteer-records/{rid}/approve", json={}, headers=home_admin), 403, "forbidden")
    for who, headers in outsiders.items():
        assert_problem(client.get(f"volunteer-records/{rid}", headers=headers), 404, "not_found")
        assert _ids(client, "volunteer-records", headers) == [], who
    approved = client.post(f"volunteer-records/{rid}/approve", json={}, headers=approver)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    # The hours: in the host's activity figures, in the neighbour's totals and its community's.
    year = local_date(now - timedelta(minutes=10)).year

    def stats(community: int, headers: dict[str, str]) -> dict[str, Any]:
        response = client.get("stats/annual", params={"year": year, "community_id": community}, headers=headers)
        assert response.status_code == 200, response.text
        figures: dict[str, Any] = response.json()["volunteer"]
        return figures

    assert stats(host, recorder) == {
        "collective_activities": 1,
        "participant_times": 1,  # the neighbour checked in; the host's member didn't
        "approved_hours": 0,  # its own members' hours
        "approved_records": 0,
        "activity_hours": 2.5,
        "neighbour_hours": 2.5,
    }
    assert stats(home, home_admin) == {
        "collective_activities": 0,
        "participant_times": 0,
        "approved_hours": 2.5,
        "approved_records": 1,
        "activity_hours": 0,
        "neighbour_hours": 0,
    }
    for headers in (neighbour, home_admin):
        hours = client.get(f"members/{neighbour_id}/volunteer-hours", headers=headers).json()
        assert (hours["total_hours"], hours["by_activity_kind"]) == (2.5, [{"kind": "volunteer_service", "hours": 2.5}])
    assert _ids(client, "volunteer-records", home_admin) == [rid]
    assert _ids(client, "volunteer-records", neighbour) == [rid]
    # The host doesn't get the neighbour's profile for having recorded its hours.
    assert_problem(client.get(f"members/{neighbour_id}", headers=recorder), 404, "not_found")
    for who, headers in outsiders.items():
        assert_problem(client.get(f"members/{neighbour_id}/volunteer-hours", headers=headers), 404, "not_found")
        summary = client.get("volunteer-hours/summary", params={"group_by": "member"}, headers=headers).json()
        assert summary["items"] == [], who
    stranger_stats = client.get(
        "stats/annual",
        params={"year": year, "community_id": stranger_community},
        headers=outsiders["another community's admin"],
    ).json()["volunteer"]
    assert (stranger_stats["approved_hours"], stranger_stats["activity_hours"]) == (0, 0)
    # The xlsx carries the same two figures.
    sheet = client.get("stats/annual", params={"year": year, "community_id": host, "format": "xlsx"}, headers=recorder)
    assert sheet.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    cells = {row[0]: row[1] for row in load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True)}
    assert (cells["本社区活动经审核时长（小时）"], cells["其中外社区党员时长（小时）"]) == (2.5, 2.5)
