"""Approval without dead ends (issue 17, item 7): never the recorder; the organiser's other admins
first; when the organiser has no other admin, the admins of the community the service belongs to.
Each pending record tells a caller who can't review it who can."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from factories import assert_problem, headers_for, make_member, make_org, make_partnership, make_user
from factories.volunteering import iso, make_activity
from gongjian.models.base import utcnow
from gongjian.models.enums import Role


def _past_activity(client: TestClient, headers: dict[str, str], community: int) -> int:
    now = utcnow()
    activity = make_activity(
        client,
        headers,
        community,
        kind="volunteer_service",
        starts_at=iso(now - timedelta(hours=4)),
        ends_at=iso(now - timedelta(hours=1)),
    )
    return int(activity["id"])


def _record_for(client: TestClient, recorder: dict[str, str], admin: dict[str, str], aid: int, member: int) -> int:
    signed = client.post(f"activities/{aid}/signups", json={"member_id": member}, headers=admin)
    assert signed.status_code == 201, signed.text
    record = client.post(
        "volunteer-records", json={"activity_id": aid, "member_id": member, "hours": 2}, headers=recorder
    )
    assert record.status_code == 201, record.text
    return int(record.json()["id"])


def _view(client: TestClient, rid: int, headers: dict[str, str]) -> tuple[list[str], str | None]:
    body: dict[str, Any] = client.get(f"volunteer-records/{rid}", headers=headers).json()
    return body["allowed_actions"], body["review_hint"]


def _waiting(client: TestClient, headers: dict[str, str]) -> int:
    count: int = client.get("me/overview", headers=headers).json()["admin"]["records_to_approve"]
    return count


def test_a_unit_with_one_admin_hands_review_to_the_activitys_community(client: TestClient) -> None:
    community = make_org("community", "老虎头社区")
    court = make_org("unit", "法院机关党委")
    make_partnership(court, community)
    court_admin = headers_for(client, Role.unit_admin, court)  # the court's only admin
    community_admin = headers_for(client, Role.community_admin, community)
    stranger = headers_for(client, Role.community_admin, make_org("community"))
    platform = headers_for(client, Role.admin)
    member = make_member(community, unit_org_id=court)
    aid = _past_activity(client, court_admin, community)
    rid = _record_for(client, court_admin, court_admin, aid, member)

    # Never the recorder; the court has nobody else, so the activity's community reviews.
    assert _view(client, rid, court_admin) == ([], "法院机关党委 没有其他管理员，待 老虎头社区 的管理员审核")
    assert_problem(client.post(f"volunteer-records/{rid}/approve", json={}, headers=court_admin), 403, "self_approval")
    assert _view(client, rid, community_admin) == (["approve", "reject"], None)
    assert _view(client, rid, platform) == ([], "法院机关党委 没有其他管理员，待 老虎头社区 的管理员审核")
    assert _waiting(client, community_admin) == 1 and _waiting(client, court_admin) == 0
    listed = client.get("volunteer-records", params={"status": "pending"}, headers=community_admin).json()["items"]
    assert [(r["id"], r["allowed_actions"]) for r in listed] == [(rid, ["approve", "reject"])]
    assert_problem(client.post(f"volunteer-records/{rid}/approve", json={}, headers=stranger), 404, "not_found")
    approved = client.post(f"volunteer-records/{rid}/approve", json={}, headers=community_admin)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    # A second court admin arrives: the organiser's other admins come first again.
    second_id = make_user(Role.unit_admin, court)
    from factories import login, username_of

    second = login(client, username_of(second_id))
    rid2 = _record_for(client, court_admin, court_admin, aid, make_member(community, unit_org_id=court))
    assert _view(client, rid2, court_admin) == ([], "录入人不能审核自己录入的记录，待 法院机关党委 的其他管理员审核")
    assert _view(client, rid2, community_admin) == ([], "待 法院机关党委 的其他管理员审核")
    refused = client.post(f"volunteer-records/{rid2}/approve", json={}, headers=community_admin)
    assert_problem(refused, 403, "forbidden")
    assert refused.json()["detail"] == "该记录由法院机关党委的管理员审核"
    assert _waiting(client, community_admin) == 0 and _waiting(client, second) == 1
    assert _view(client, rid2, second) == (["approve", "reject"], None)

    # A deactivated admin reviews nothing: the court is back to one, the community takes it.
    assert client.post(f"users/{second_id}/deactivate", headers=platform).status_code == 200
    assert _view(client, rid2, community_admin) == (["approve", "reject"], None)
    rejected = client.post(f"volunteer-records/{rid2}/reject", json={"note": "时间不符"}, headers=community_admin)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"


def test_without_an_activity_the_members_community_reviews_and_a_dead_end_says_so(client: TestClient) -> None:
    community = make_org("community", "青年路社区")
    court = make_org("unit", "检察院机关党委")
    make_partnership(court, community)
    court_admin = headers_for(client, Role.unit_admin, court)
    member = make_member(community, unit_org_id=court)
    end = utcnow() - timedelta(days=1)
    body = {
        "member_id": member,
        "content": "社区法律咨询",
        "started_at": iso(end - timedelta(hours=3)),
        "ended_at": iso(end),
        "hours": 2,
    }
    rid = client.post("volunteer-records", json=body, headers=court_admin).json()["id"]
    # The member's community has no admin yet: nobody can review, and the record says so.
    assert _view(client, rid, court_admin) == (
        [],
        "检察院机关党委 没有其他管理员，青年路社区 也没有可以审核的管理员，请平台管理员添加管理员",
    )
    community_admin = headers_for(client, Role.community_admin, community)
    assert _view(client, rid, court_admin) == ([], "检察院机关党委 没有其他管理员，待 青年路社区 的管理员审核")
    assert _view(client, rid, community_admin) == (["approve", "reject"], None)

    # A community with a single admin recording its own member: nobody else, in its own words.
    lone = make_org("community", "孤山社区")
    lone_admin = headers_for(client, Role.community_admin, lone)
    own = client.post("volunteer-records", json={**body, "member_id": make_member(lone)}, headers=lone_admin).json()
    assert _view(client, own["id"], lone_admin) == ([], "孤山社区 没有其他管理员可以审核，请平台管理员为其添加管理员")
    assert_problem(
        client.post(f"volunteer-records/{own['id']}/approve", json={}, headers=lone_admin), 403, "self_approval"
    )
    # An API key of the organisation never reviews, whatever the tier.
    from factories import api_key_headers

    key = api_key_headers(client, headers_for(client, Role.admin), ["hours:read", "hours:write"], organization_id=lone)
    assert_problem(client.post(f"volunteer-records/{own['id']}/approve", json={}, headers=key), 403, "self_approval")


def test_when_the_community_has_nobody_either_the_street_above_reviews(client: TestClient) -> None:
    district = make_org("district", "黄石港区委组织部")
    street = make_org("street", "江北街道", parent_id=district)
    other_street = make_org("street", "花湖街道", parent_id=district)
    lone = make_org("community", "孤山社区", parent_id=street)
    lone_admin = headers_for(client, Role.community_admin, lone)  # the community's only admin records
    district_admin = headers_for(client, Role.district_admin, district)
    other_street_admin = headers_for(client, Role.street_admin, other_street)
    end = utcnow() - timedelta(days=1)
    body = {
        "member_id": make_member(lone),
        "content": "楼道清扫",
        "started_at": iso(end - timedelta(hours=3)),
        "ended_at": iso(end),
        "hours": 2,
    }
    rid = client.post("volunteer-records", json=body, headers=lone_admin).json()["id"]
    # The street has no admin yet: still a dead end, in the community's words.
    assert _view(client, rid, lone_admin) == ([], "孤山社区 没有其他管理员可以审核，请平台管理员为其添加管理员")

    street_admin = headers_for(client, Role.street_admin, street)
    assert _view(client, rid, lone_admin) == ([], "孤山社区 没有其他管理员，待 江北街道 的管理员审核")
    assert _view(client, rid, street_admin) == (["approve", "reject"], None)
    assert _waiting_records(client, street_admin) == [rid]
    # Nobody beside or above the street: the district reads the record but does not review it.
    assert _view(client, rid, district_admin)[0] == []
    assert_problem(client.post(f"volunteer-records/{rid}/approve", json={}, headers=district_admin), 403, "forbidden")
    assert_problem(
        client.post(f"volunteer-records/{rid}/approve", json={}, headers=other_street_admin), 404, "not_found"
    )
    approved = client.post(f"volunteer-records/{rid}/approve", json={}, headers=street_admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"

    # A second community admin arrives: the community reviews its own again, not the street.
    rid2 = client.post("volunteer-records", json=body, headers=lone_admin).json()["id"]
    second = headers_for(client, Role.community_admin, lone)
    assert _view(client, rid2, second) == (["approve", "reject"], None)
    assert _view(client, rid2, street_admin) == ([], "待 孤山社区 的其他管理员审核")


def _waiting_records(client: TestClient, headers: dict[str, str]) -> list[int]:
    listed = client.get("volunteer-records", params={"status": "pending"}, headers=headers).json()["items"]
    return [r["id"] for r in listed if "approve" in r["allowed_actions"]]
