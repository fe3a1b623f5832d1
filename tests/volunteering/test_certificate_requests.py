"""Members' requests for a proof of service: a member asks for its own (issued by its community or
its unit), the issuing organisation's admins see and answer it — issue, through the one issuing
service, or decline with a reason — and the member sees the answer and the proof's number. Every
role's access to each endpoint, with the bodies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from factories import api_key_headers, assert_problem, headers_for, make_member, make_org, make_partnership
from factories.volunteering import iso, member_login
from gongjian.kit.calendar import local_date
from gongjian.models.base import utcnow
from gongjian.models.enums import Role

URL = "volunteer-certificate-requests"


def _approved_hours(client: TestClient, community: int, member_id: int, hours: float) -> None:
    recorder = headers_for(client, Role.community_admin, community)
    approver = headers_for(client, Role.community_admin, community)
    end = utcnow() - timedelta(days=2)
    body = {
        "member_id": member_id,
        "content": "社区法律咨询",
        "started_at": iso(end - timedelta(hours=10)),
        "ended_at": iso(end),
        "hours": hours,
    }
    record = client.post("volunteer-records", json=body, headers=recorder)
    assert record.status_code == 201, record.text
    approved = client.post(f"volunteer-records/{record.json()['id']}/approve", json={}, headers=approver)
    assert approved.status_code == 200, approved.text


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["items"]]


def test_member_asks_and_the_issuing_organisation_answers(client: TestClient) -> None:
    community, court, other = make_org("community", "老虎头社区"), make_org("unit", "区法院"), make_org("community")
    make_partnership(court, community)
    me, member = member_login(client, community, unit_org_id=court, name="欧阳志愿")
    _, neighbour = member_login(client, community)
    _approved_hours(client, community, me, 6)
    platform = headers_for(client, Role.admin)
    admin = headers_for(client, Role.community_admin, community)
    court_admin = headers_for(client, Role.unit_admin, court)
    stranger = headers_for(client, Role.community_admin, other)
    today = local_date(utcnow())
    period = {"period_start": (today - timedelta(days=30)).isoformat(), "period_end": today.isoformat()}

    asked = client.post(URL, json={**period, "purpose": "评优"}, headers=member)
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert asked.headers["Location"] == f"/api/v1/{URL}/{request['id']}"
    assert {k: request[k] for k in ("member_id", "member_name", "issuing_org_id", "issuing_org_name")} == {
        "member_id": me,
        "member_name": "欧阳志愿",
        "issuing_org_id": community,
        "issuing_org_name": "老虎头社区",
    }
    assert (request["status"], request["purpose"], request["certificate_id"], request["certificate_number"]) == (
        "pending",
        "评优",
        None,
        None,
    )
    assert_problem(client.post(URL, json=period, headers=member), 409, "request_pending")
    assert_problem(
        client.post(URL, json={**period, "issuing_org_id": other}, headers=member), 422, "issuing_org_invalid"
    )
    reversed_period = {"period_start": period["period_end"], "period_end": period["period_start"]}
    assert_problem(client.post(URL, json=reversed_period, headers=member), 422, "validation_error")

    # Only a member asks for itself; admins and keys issue directly instead.
    writer_key = api_key_headers(client, platform, ["hours:write"], community)
    reader_key = api_key_headers(client, platform, ["hours:read"], community)
    for who in (admin, platform, writer_key):
        assert_problem(client.post(URL, json=period, headers=who), 403, "forbidden")
    assert_problem(client.post(URL, json=period, headers=reader_key), 403, "insufficient_scope")
    assert_problem(client.post(URL, json=period), 401, "unauthorized")

    # Who sees it: the member, the issuing community's admins and keys, platform admins; and what
    # each may do to it (the issuing organisation's admins and platform admins answer it).
    assert request["allowed_actions"] == []
    for who, actions in ((member, []), (admin, ["issue", "decline"]), (platform, ["issue", "decline"])):
        assert _ids(client.get(URL, headers=who)) == [request["id"]]
        assert client.get(URL, headers=who).json()["items"][0]["allowed_actions"] == actions
        assert client.get(f"{URL}/{request['id']}", headers=who).json() == {**request, "allowed_actions": actions}
    assert client.get(f"{URL}/{request['id']}", headers=reader_key).json()["id"] == request["id"]
    for who in (neighbour, court_admin, stranger):
        assert _ids(client.get(URL, headers=who)) == []
        assert_problem(client.get(f"{URL}/{request['id']}", headers=who), 404, "not_found")
    assert_problem(client.get(URL), 401, "unauthorized")
    assert _ids(client.get(f"{URL}?status=issued", headers=admin)) == []

    # Who answers: not the member, not another organisation, not a read-only key.
    assert_problem(client.post(f"{URL}/{request['id']}/issue", headers=member), 403, "forbidden")
    assert_problem(client.post(f"{URL}/{request['id']}/issue", headers=court_admin), 404, "not_found")
    assert_problem(client.post(f"{URL}/{request['id']}/issue", headers=reader_key), 403, "insufficient_scope")
    issued = client.post(f"{URL}/{request['id']}/issue", headers=admin)
    assert issued.status_code == 200, issued.text
    answer = issued.json()
    assert answer["status"] == "issued" and answer["answered_by"] and answer["answered_at"] is not None
    assert answer["certificate_id"] is not None and answer["certificate_number"].startswith(f"ZY{today.year}-")
    assert answer["allowed_actions"] == []
    assert client.get(f"{URL}/{request['id']}", headers=member).json() == answer
    proof = client.get(f"certificates/{answer['certificate_number']}").json()
    assert (proof["member_name"], proof["hours"], proof["issuing_org_name"]) == ("欧阳志愿", 6, "老虎头社区")
    assert_problem(client.post(f"{URL}/{request['id']}/issue", headers=admin), 409, "request_answered")
    assert_problem(
        client.post(f"{URL}/{request['id']}/decline", json={"reply": "重复申请"}, headers=admin),
        409,
        "request_answered",
    )

    # A request to the member's unit: the unit's admin answers it, declining with a reason.
    earlier = {"period_start": (today - timedelta(days=90)).isoformat(), "period_end": today.isoformat()}
    to_court = client.post(URL, json={**earlier, "issuing_org_id": court}, headers=member).json()
    assert _ids(client.get(URL, headers=court_admin)) == [to_court["id"]]
    assert_problem(
        client.post(f"{URL}/{to_court['id']}/decline", json={"reply": "无"}, headers=court_admin),
        422,
        "validation_error",
    )
    assert_problem(
        client.post(f"{URL}/{to_court['id']}/decline", json={"reply": "本单位无记录"}, headers=admin), 404, "not_found"
    )
    declined = client.post(f"{URL}/{to_court['id']}/decline", json={"reply": "请向社区申请"}, headers=court_admin)
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["reply"], declined.json()["certificate_id"]) == (
        "declined",
        "请向社区申请",
        None,
    )
    assert _ids(client.get(URL, headers=member)) == [to_court["id"], request["id"]]


def test_issuing_a_request_without_approved_hours_leaves_it_pending(client: TestClient) -> None:
    community = make_org("community")
    me, member = member_login(client, community)
    make_member(community)
    admin = headers_for(client, Role.community_admin, community)
    today = local_date(utcnow())
    period = {"period_start": (today - timedelta(days=30)).isoformat(), "period_end": today.isoformat()}
    request = client.post(URL, json=period, headers=member).json()
    assert_problem(client.post(f"{URL}/{request['id']}/issue", headers=admin), 422, "no_approved_hours")
    assert client.get(f"{URL}/{request['id']}", headers=member).json()["status"] == "pending"
    _approved_hours(client, community, me, 2)
    assert client.post(f"{URL}/{request['id']}/issue", headers=admin).json()["status"] == "issued"
