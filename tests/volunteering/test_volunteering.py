"""Volunteer records by the national rules, hours and star levels, proofs of service."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import assert_problem, headers_for, make_member, make_org
from factories.volunteering import iso, make_activity, member_login
from gongjian.db import unit_of_work
from gongjian.kit.calendar import add_working_days, local_date
from gongjian.models.base import utcnow
from gongjian.models.enums import Role
from gongjian.settings import get_settings
from gongjian.volunteering import rules


def _record(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("volunteer-records", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _entered(member_id: int, hours: float, days_ago: int = 2, span_hours: int = 200, **extra: Any) -> dict[str, Any]:
    end = utcnow() - timedelta(days=days_ago)
    return {
        "member_id": member_id,
        "content": "社区法律咨询",
        "started_at": iso(end - timedelta(hours=span_hours)),
        "ended_at": iso(end),
        "hours": hours,
        **extra,
    }


class Org:
    """A community with two admins (one records, the other approves)."""

    def __init__(self, client: TestClient, name: str | None = None) -> None:
        self.id = make_org("community", name) if name else make_org("community")
        self.recorder = headers_for(client, Role.community_admin, self.id)
        self.approver = headers_for(client, Role.community_admin, self.id)


def _approve(client: TestClient, org: Org, record_id: int) -> dict[str, Any]:
    response = client.post(f"volunteer-records/{record_id}/approve", json={}, headers=org.approver)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# --- rules, as arithmetic ------------------------------------------------------------------------


def test_rule_arithmetic() -> None:
    # Round down to the half hour.
    start = utcnow()
    assert rules.half_hours_between(start, start + timedelta(minutes=89)) == 2
    assert rules.half_hours_between(start, start + timedelta(minutes=90)) == 3
    assert rules.half_hours_of(1.7) == 3 and rules.half_hours_of(0.4) == 0 and rules.half_hours_of(2.5) == 5
    # The 10 working days, on China's official calendar: tests/volunteering/test_working_days.py.
    # Stars at 100/300/600/1000/1500 hours.
    assert [rules.stars_for(h * 2) for h in (0, 99.5, 100, 299.5, 300, 600, 1000, 1499.5, 1500, 9000)] == [
        0,
        0,
        1,
        1,
        2,
        3,
        4,
        4,
        5,
        5,
    ]


# --- entering records ----------------------------------------------------------------------------


def test_hours_come_from_attendance_rounded_down(client: TestClient) -> None:
    org = Org(client)
    activity = make_activity(client, org.recorder, org.id)
    member_id = make_member(org.id, name="王五")
    signup = client.post(
        f"activities/{activity['id']}/signups", json={"member_id": member_id}, headers=org.recorder
    ).json()
    now = utcnow()
    attended = {"checked_in_at": iso(now - timedelta(hours=3)), "checked_out_at": iso(now - timedelta(minutes=20))}
    client.put(f"activities/{activity['id']}/signups/{signup['id']}/attendance", json=attended, headers=org.recorder)

    body = {"member_id": member_id, "activity_id": activity["id"]}
    assert_problem(
        client.post("volunteer-records", json={**body, "hours": 5}, headers=org.recorder), 422, "hours_from_attendance"
    )
    record = _record(client, org.recorder, **body)
    # 2 h 40 min → 2.5 h; content and organiser from the activity.
    assert record["hours"] == 2.5 and record["hours_source"] == "check_in"
    assert record["content"] == activity["title"] and record["organizer_org"]["id"] == org.id
    assert record["member"] == {"id": member_id, "name": "王五"}
    assert record["status"] == "pending" and record["late"] is False and record["activity_kind"] == "legal_publicity"
    assert_problem(client.post("volunteer-records", json=body, headers=org.recorder), 409, "record_exists")


def test_entered_hours_and_their_limits(client: TestClient) -> None:
    org = Org(client)
    member_id = make_member(org.id)
    assert _record(client, org.recorder, **_entered(member_id, 1.7))["hours"] == 1.5
    assert_problem(
        client.post("volunteer-records", json=_entered(member_id, 0.4), headers=org.recorder), 422, "hours_too_small"
    )
    assert_problem(
        client.post("volunteer-records", json=_entered(member_id, 3, span_hours=2), headers=org.recorder),
        422,
        "hours_exceed_span",
    )
    no_hours = _entered(member_id, 1)
    del no_hours["hours"]
    assert_problem(client.post("volunteer-records", json=no_hours, headers=org.recorder), 422, "hours_required")
    future = {**_entered(member_id, 1), "ended_at": iso(utcnow() + timedelta(hours=3))}
    assert_problem(client.post("volunteer-records", json=future, headers=org.recorder), 422, "service_not_ended")


def test_activities_that_count_no_hours_produce_no_records(client: TestClient) -> None:
    org = Org(client)
    activity = make_activity(client, org.recorder, org.id, kind="performance", counts_hours=False)
    member_id = make_member(org.id)
    body = {"member_id": member_id, "activity_id": activity["id"], "hours": 1}
    assert_problem(client.post("volunteer-records", json=body, headers=org.recorder), 422, "activity_counts_no_hours")


def test_a_record_entered_after_ten_working_days_is_flagged_late(client: TestClient) -> None:
    org = Org(client)
    member_id = make_member(org.id)
    late = _record(client, org.recorder, **_entered(member_id, 2, days_ago=20))
    on_time = _record(client, org.recorder, **_entered(member_id, 2, days_ago=1))
    assert late["late"] is True and on_time["late"] is False
    ended = local_date(utcnow() - timedelta(days=20))
    with unit_of_work() as session:
        assert late["entry_deadline"] == add_working_days(session, ended, 10)[0].isoformat()
    flagged = client.get("volunteer-records?late=true", headers=org.approver).json()
    assert [r["id"] for r in flagged["items"]] == [late["id"]]
    # Late records are accepted and can still be approved.
    assert _approve(client, org, late["id"])["status"] == "approved"


# --- approval ------------------------------------------------------------------------------------


def test_approval_rules(client: TestClient) -> None:
    org = Org(client)
    other = make_org("community")
    member_id = make_member(org.id)
    record = _record(client, org.recorder, **_entered(member_id, 2))
    rid = record["id"]
    assert_problem(client.post(f"volunteer-records/{rid}/approve", json={}, headers=org.recorder), 403, "self_approval")
    for outsider in (headers_for(client, Role.admin), headers_for(client, Role.community_admin, other)):
        response = client.post(f"volunteer-records/{rid}/approve", json={}, headers=outsider)
        assert response.status_code in (403, 404)
        assert response.json()["code"] in ("forbidden", "not_found")
    assert_problem(client.post(f"volunteer-records/{rid}/reject", json={}, headers=org.approver), 422, "note_required")
    approved = _approve(client, org, rid)
    assert approved["status"] == "approved" and approved["reviewed_by_name"] and approved["reviewed_at"]
    assert_problem(
        client.post(f"volunteer-records/{rid}/approve", json={}, headers=org.approver), 409, "record_not_pending"
    )
    assert_problem(
        client.post(f"volunteer-records/{rid}/reject", json={"note": "x"}, headers=org.approver),
        409,
        "record_not_pending",
    )
    rejected = _record(client, org.recorder, **_entered(member_id, 1))
    done = client.post(
        f"volunteer-records/{rejected['id']}/reject", json={"note": "时间不符"}, headers=org.approver
    ).json()
    assert done["status"] == "rejected" and done["review_note"] == "时间不符"


def test_a_record_says_what_each_caller_may_do_and_who_reviews_it(client: TestClient) -> None:
    org = Org(client, "老虎头社区")
    community = org.id
    platform = headers_for(client, Role.admin)
    member_id, member = member_login(client, community)
    rid = _record(client, org.recorder, **_entered(member_id, 2))["id"]

    def read(headers: dict[str, str]) -> tuple[list[str], str | None]:
        body = client.get(f"volunteer-records/{rid}", headers=headers).json()
        return body["allowed_actions"], body["review_hint"]

    # Pending: the organiser's other admin reviews; the recorder, the platform admin and the member
    # are told who does instead of finding an empty 操作.
    assert read(org.approver) == (["approve", "reject"], None)
    assert read(org.recorder) == ([], "录入人不能审核自己录入的记录，待 老虎头社区 的其他管理员审核")
    assert read(platform) == ([], "待 老虎头社区 的其他管理员审核")
    assert read(member) == ([], "待 老虎头社区 的其他管理员审核")
    listed = client.get("volunteer-records", params={"status": "pending"}, headers=org.approver).json()["items"]
    assert [(r["id"], r["allowed_actions"]) for r in listed] == [(rid, ["approve", "reject"])]

    # Approved: the organiser's admins and the platform admin correct it; the member may ask to.
    _approve(client, org, rid)
    assert read(org.approver) == (["correct"], None)
    assert read(platform) == (["correct"], None)
    assert read(member) == (["request_correction"], None)
    asked = client.post(f"volunteer-records/{rid}/correction-requests", json={"reason": "时长少记了"}, headers=member)
    assert asked.status_code == 201, asked.text
    assert read(member) == ([], None)  # one open request at a time
    fixed = client.post(
        f"volunteer-records/{rid}/corrections", json={"hours": 2.5, "reason": "按签到表更正"}, headers=org.recorder
    )
    assert fixed.status_code == 201, fixed.text
    assert read(org.approver) == ([], None)  # a correction already waits for review
    assert fixed.json()["allowed_actions"] == []  # the recorder may not review its own correction


def test_correction_is_a_new_version_and_counts_once(client: TestClient) -> None:
    org = Org(client)
    member_id = make_member(org.id)
    original = _approve(client, org, _record(client, org.recorder, **_entered(member_id, 4))["id"])
    before = client.get(f"volunteer-records/{original['id']}", headers=org.approver).json()

    assert_problem(
        client.post(f"volunteer-records/{original['id']}/corrections", json={"hours": 3}, headers=org.recorder),
        422,
        "validation_error",  # a reason is required
    )
    correction = client.post(
        f"volunteer-records/{original['id']}/corrections",
        json={"hours": 3, "reason": "签退时间登记有误"},
        headers=org.recorder,
    )
    assert correction.status_code == 201, correction.text
    fixed = correction.json()
    assert fixed["corrects_id"] == original["id"] and fixed["root_id"] == original["id"]
    assert fixed["status"] == "pending" and fixed["hours"] == 3 and fixed["correction_reason"] == "签退时间登记有误"
    assert_problem(
        client.post(
            f"volunteer-records/{original['id']}/corrections", json={"hours": 2, "reason": "再改"}, headers=org.recorder
        ),
        409,
        "correction_pending",
    )
    # Pending: the summary still counts the original.
    summary = client.get("volunteer-hours/summary?group_by=member", headers=org.approver).json()
    assert summary["items"][0]["hours"] == 4
    assert_problem(
        client.post(f"volunteer-records/{fixed['id']}/approve", json={}, headers=org.recorder), 403, "self_approval"
    )
    _approve(client, org, fixed["id"])

    after = client.get(f"volunteer-records/{original['id']}", headers=org.approver).json()
    derived = ("superseded", "allowed_actions")  # what follows from the correction, not stored on the row
    assert {k: v for k, v in after.items() if k not in derived} == {k: v for k, v in before.items() if k not in derived}
    assert after["superseded"] is True and after["status"] == "approved" and after["hours"] == 4
    assert (before["allowed_actions"], after["allowed_actions"]) == (["correct"], [])
    history = client.get(f"volunteer-records/{fixed['id']}/history", headers=org.approver).json()
    assert [(r["id"], r["hours"], r["superseded"]) for r in history] == [
        (original["id"], 4, True),
        (fixed["id"], 3, False),
    ]
    summary = client.get("volunteer-hours/summary?group_by=member", headers=org.approver).json()
    assert summary["total"] == 1 and summary["items"][0]["hours"] == 3 and summary["items"][0]["record_count"] == 1
    assert client.get(f"members/{member_id}/volunteer-hours", headers=org.approver).json()["total_hours"] == 3
    # Only the latest version can be corrected; a pending record is not corrected but reviewed.
    assert_problem(
        client.post(
            f"volunteer-records/{original['id']}/corrections", json={"hours": 1, "reason": "再改"}, headers=org.recorder
        ),
        409,
        "record_superseded",
    )
    pending = _record(client, org.recorder, **_entered(member_id, 1))
    change = {"hours": 1, "reason": "改时长"}
    assert_problem(
        client.post(f"volunteer-records/{pending['id']}/corrections", json=change, headers=org.recorder),
        409,
        "record_not_approved",
    )


def test_member_requests_a_correction_and_the_organiser_answers(client: TestClient) -> None:
    org = Org(client)
    member_id, member = member_login(client, org.id)
    other_id, other_member = member_login(client, org.id)
    record = _approve(client, org, _record(client, org.recorder, **_entered(member_id, 2))["id"])
    other_record = _approve(client, org, _record(client, org.recorder, **_entered(other_id, 2))["id"])

    assert_problem(
        client.post(
            f"volunteer-records/{other_record['id']}/correction-requests", json={"reason": "不是我的"}, headers=member
        ),
        404,
        "not_found",
    )
    asked = client.post(
        f"volunteer-records/{record['id']}/correction-requests", json={"reason": "实际服务了 3 小时"}, headers=member
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["status"] == "open" and request["record_id"] == record["id"]
    assert_problem(
        client.post(f"volunteer-records/{record['id']}/correction-requests", json={"reason": "再问"}, headers=member),
        409,
        "request_open",
    )
    assert_problem(
        client.post(
            f"volunteer-records/{record['id']}/correction-requests", json={"reason": "代问"}, headers=org.recorder
        ),
        403,
        "forbidden",
    )
    # Who may answer, as the API says per request: the organiser's admins and a platform admin.
    assert request["allowed_actions"] == []
    stranger = headers_for(client, Role.community_admin, make_org("community"))
    for headers, expected in (
        (org.approver, ["answer"]),
        (org.recorder, ["answer"]),
        (headers_for(client, Role.admin), ["answer"]),
        (member, []),
    ):
        listed = client.get("volunteer-correction-requests?status=open", headers=headers).json()["items"]
        assert [(r["id"], r["allowed_actions"]) for r in listed] == [(request["id"], expected)]
    assert client.get("volunteer-correction-requests", headers=stranger).json()["items"] == []
    assert client.get("volunteer-correction-requests", headers=other_member).json()["total"] == 0
    assert_problem(
        client.post(f"volunteer-correction-requests/{request['id']}/decline", json={"reply": "不行"}, headers=member),
        403,
        "forbidden",
    )
    fixed = client.post(
        f"volunteer-records/{record['id']}/corrections",
        json={"hours": 3, "reason": "党员申请更正，核实属实", "request_id": request["id"]},
        headers=org.recorder,
    ).json()
    answered = client.get(f"volunteer-correction-requests?record_id={record['id']}", headers=member).json()["items"][0]
    assert answered["status"] == "accepted" and answered["correction_record_id"] == fixed["id"]
    answered_by_org = client.get(f"volunteer-correction-requests?record_id={record['id']}", headers=org.approver)
    assert answered_by_org.json()["items"][0]["allowed_actions"] == []  # answered: nothing left to do
    assert_problem(
        client.post(
            f"volunteer-correction-requests/{request['id']}/decline", json={"reply": "不行"}, headers=org.approver
        ),
        409,
        "request_answered",
    )
    again = client.post(
        f"volunteer-records/{record['id']}/correction-requests", json={"reason": "还是不对"}, headers=member
    ).json()
    declined = client.post(
        f"volunteer-correction-requests/{again['id']}/decline", json={"reply": "已按签到记录核实"}, headers=org.approver
    )
    assert declined.json()["status"] == "declined" and declined.json()["reply"] == "已按签到记录核实"
    assert declined.json()["allowed_actions"] == []


def test_who_sees_records(client: TestClient) -> None:
    org = Org(client)
    stranger = headers_for(client, Role.community_admin, make_org("community"))
    member_id, member = member_login(client, org.id)
    _, other_member = member_login(client, org.id)
    record = _record(client, org.recorder, **_entered(member_id, 2))
    assert client.get("volunteer-records", headers=member).json()["total"] == 1
    assert client.get("volunteer-records", headers=other_member).json()["total"] == 0
    assert_problem(client.get(f"volunteer-records/{record['id']}", headers=other_member), 404, "not_found")
    assert_problem(client.get(f"volunteer-records/{record['id']}", headers=stranger), 404, "not_found")
    assert client.get(f"volunteer-records/{record['id']}", headers=headers_for(client, Role.admin)).status_code == 200
    assert_problem(client.post("volunteer-records", json=_entered(member_id, 1), headers=member), 403, "forbidden")
    # Another organisation's member is answered like a missing one (no probing of member ids).
    stranger_entry = client.post("volunteer-records", json=_entered(member_id, 1), headers=stranger)
    assert_problem(stranger_entry, 422, "member_not_found")
    assert_problem(client.get(f"members/{member_id}/volunteer-hours", headers=other_member), 404, "not_found")
    assert_problem(client.get(f"members/{member_id}/volunteer-hours", headers=stranger), 404, "not_found")
    assert client.get(f"members/{member_id}/volunteer-hours", headers=member).json()["total_hours"] == 0


# --- hours ---------------------------------------------------------------------------------------


def test_star_levels_at_the_boundary(client: TestClient) -> None:
    org = Org(client)
    almost, exactly = make_member(org.id, name="差半小时"), make_member(org.id, name="刚好百小时")
    _approve(client, org, _record(client, org.recorder, **_entered(almost, 99.5))["id"])
    _approve(client, org, _record(client, org.recorder, **_entered(exactly, 100))["id"])
    rows = client.get("volunteer-hours/summary?group_by=member", headers=org.approver).json()["items"]
    assert [(r["name"], r["hours"], r["stars"]) for r in rows] == [("刚好百小时", 100, 1), ("差半小时", 99.5, 0)]
    assert client.get(f"members/{almost}/volunteer-hours", headers=org.approver).json()["stars"] == 0
    assert client.get(f"members/{exactly}/volunteer-hours", headers=org.approver).json()["stars"] == 1


def test_summary_by_organization_community_and_year(client: TestClient) -> None:
    org = Org(client)
    court = make_org("unit")
    court_recorder = headers_for(client, Role.unit_admin, court)
    court_approver = headers_for(client, Role.unit_admin, court)
    a = make_member(org.id, unit_org_id=court)
    b = make_member(org.id)
    _approve(client, org, _record(client, org.recorder, **_entered(a, 2))["id"])
    _approve(client, org, _record(client, org.recorder, **_entered(b, 3))["id"])
    court_record = _record(client, court_recorder, **_entered(a, 5, days_ago=400))
    client.post(f"volunteer-records/{court_record['id']}/approve", json={}, headers=court_approver)
    _record(client, org.recorder, **_entered(b, 50))  # pending: never counted
    admin = headers_for(client, Role.admin)

    by_org = client.get("volunteer-hours/summary?group_by=organization", headers=admin).json()["items"]
    assert [(r["id"], r["hours"], r["stars"]) for r in by_org] == [(org.id, 5, None), (court, 5, None)] or [
        (r["id"], r["hours"]) for r in by_org
    ] == [(court, 5), (org.id, 5)]
    by_community = client.get("volunteer-hours/summary?group_by=community", headers=admin).json()["items"]
    assert [(r["id"], r["hours"], r["record_count"]) for r in by_community] == [(org.id, 10, 3)]
    this_year = local_date(utcnow() - timedelta(days=2)).year
    year_rows = client.get(f"volunteer-hours/summary?group_by=member&year={this_year}", headers=admin).json()["items"]
    assert sum(r["hours"] for r in year_rows) == 5
    hours = client.get(f"members/{a}/volunteer-hours", headers=admin).json()
    assert hours["total_hours"] == 7 and hours["record_count"] == 2
    assert sum(y["hours"] for y in hours["by_year"]) == 7 and len(hours["by_year"]) == 2
    assert hours["by_activity_kind"] == [{"kind": None, "hours": 7}]
    # The court's admin sees its own member's and its own records only.
    mine = client.get("volunteer-hours/summary?group_by=member", headers=court_approver).json()["items"]
    assert [(r["id"], r["hours"]) for r in mine] == [(a, 7)]
    assert_problem(client.get("volunteer-hours/summary?group_by=party", headers=admin), 422, "validation_error")


# --- proofs of service ---------------------------------------------------------------------------


def test_proof_of_service_is_numbered_verifiable_and_printable(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = Org(client)
    member_id, member = member_login(client, org.id, name="欧阳志愿")
    with_number = make_member(org.id, volunteer_number="420200123456")
    _approve(client, org, _record(client, org.recorder, **_entered(member_id, 6))["id"])
    _approve(client, org, _record(client, org.recorder, **_entered(member_id, 2.5, content="关爱空巢老人"))["id"])
    today = local_date(utcnow())
    period = {"period_start": (today - timedelta(days=60)).isoformat(), "period_end": today.isoformat()}

    assert_problem(
        client.post(f"members/{with_number}/volunteer-certificates", json=period, headers=org.approver),
        422,
        "no_approved_hours",
    )
    issued = client.post(f"members/{member_id}/volunteer-certificates", json=period, headers=org.approver)
    assert issued.status_code == 201, issued.text
    cert = issued.json()
    assert cert["hours"] == 8.5 and cert["member_name"] == "欧阳志愿" and cert["record_count"] == 2
    assert "关爱空巢老人" in cert["content_summary"] and cert["issued_on"] == today.isoformat()
    assert issued.headers["Location"] == f"/api/v1/certificates/{cert['number']}"
    # A member may ask for its own proof (issued by its community); not for another's.
    assert client.post(f"members/{member_id}/volunteer-certificates", json=period, headers=member).status_code == 201
    assert_problem(
        client.post(f"members/{with_number}/volunteer-certificates", json=period, headers=member), 404, "not_found"
    )

    # Verification: no login, only what the proof shows.
    public = client.get(f"certificates/{cert['number']}")
    assert public.status_code == 200
    assert public.json() == {
        "number": cert["number"],
        "member_name": "欧阳志愿",
        "volunteer_number": "",
        "period_start": period["period_start"],
        "period_end": period["period_end"],
        "hours": 8.5,
        "content_summary": cert["content_summary"],
        "issuing_org_name": cert["issuing_org_name"],
        "issued_on": today.isoformat(),
    }
    assert_problem(client.get("certificates/ZY2024-999999-AAAAAA"), 404, "not_found")
    assert_problem(client.get("certificates/ZY2024-999999-AAAAAA.pdf"), 404, "not_found")

    printed = client.get(f"certificates/{cert['number']}.pdf")
    assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
    assert printed.content.startswith(b"%PDF") and b"/FontFile2" in printed.content
    if shutil.which("pdftotext"):
        path = tmp_path / "proof.pdf"
        path.write_bytes(printed.content)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "欧阳志愿" in text and "志愿服务证明" in text and "8.5" in text
        # The public verification page (not an API path) and a place for the seal are printed.
        assert f"http://testserver/verify/{cert['number']}" in text and "GET /api" not in text
        assert "盖章" in text and "扫描左侧二维码" in text
        # Behind a proxy, the configured public address is printed instead of the request's.
        monkeypatch.setattr(get_settings(), "public_url", "https://gongjian.example.cn/")
        path.write_bytes(client.get(f"certificates/{cert['number']}.pdf").content)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert f"https://gongjian.example.cn/verify/{cert['number']}" in text
    else:  # pragma: no cover - poppler-utils is installed by .ci/run where available
        pytest.skip("pdftotext not installed")


def test_api_keys_need_the_hours_scopes(client: TestClient) -> None:
    from factories import api_key_headers

    org = Org(client)
    member_id = make_member(org.id)
    admin = headers_for(client, Role.admin)
    reader = api_key_headers(client, admin, ["hours:read"], organization_id=org.id)
    writer = api_key_headers(client, admin, ["hours:read", "hours:write"], organization_id=org.id)
    assert client.get("volunteer-records", headers=reader).json()["total"] == 0
    assert_problem(
        client.post("volunteer-records", json=_entered(member_id, 1), headers=reader), 403, "insufficient_scope"
    )
    # A key limited to the community records for it; a person of that community approves.
    record = _record(client, writer, **_entered(member_id, 1))
    assert record["recorded_by_name"] == "测试密钥"
    assert _approve(client, org, record["id"])["status"] == "approved"
    assert client.get("volunteer-hours/summary", headers=reader).json()["items"][0]["hours"] == 1


def test_approval_emits_one_volunteer_record_approved_event_and_rejection_none(client: TestClient) -> None:
    from sqlalchemy import select

    from gongjian.db import unit_of_work
    from gongjian.models import WebhookEvent

    org = Org(client)
    member_id = make_member(org.id)
    approved = _record(client, org.recorder, **_entered(member_id, 2))
    rejected = _record(client, org.recorder, **_entered(member_id, 1))
    _approve(client, org, approved["id"])
    refused = client.post(f"volunteer-records/{rejected['id']}/reject", json={"note": "时间不符"}, headers=org.approver)
    assert refused.status_code == 200, refused.text
    with unit_of_work() as session:
        events = session.execute(select(WebhookEvent)).scalars().all()
        assert [(e.event_type, e.payload["volunteer_record_id"], e.payload["hours"]) for e in events] == [
            ("volunteer_record.approved", approved["id"], 2.0)
        ]


def test_batch_approval_answers_each_record_by_the_single_rule(client: TestClient) -> None:
    org = Org(client)
    other = Org(client)
    member_id = make_member(org.id)
    mine = [_record(client, org.recorder, **_entered(member_id, h))["id"] for h in (1, 2)]
    done = _record(client, org.recorder, **_entered(member_id, 3))["id"]
    _approve(client, org, done)
    self_entered = _record(client, org.approver, **_entered(member_id, 1))["id"]
    elsewhere = _record(client, other.recorder, **_entered(make_member(other.id), 1))["id"]
    ids = [*mine, done, self_entered, elsewhere]
    response = client.post("volunteer-records/batch-approve", json={"ids": ids}, headers=org.approver)
    assert response.status_code == 200, response.text
    body = response.json()
    by_id = {item["id"]: item for item in body["items"]}
    assert [item["id"] for item in body["items"]] == ids
    assert (body["succeeded"], body["failed"]) == (2, 3)
    assert all(by_id[i]["ok"] and by_id[i]["problem"] is None for i in mine)
    assert by_id[done]["problem"]["code"] == "record_not_pending" and by_id[done]["problem"]["status"] == 409
    assert by_id[self_entered]["problem"]["code"] == "self_approval"
    assert by_id[elsewhere]["problem"]["code"] == "not_found"  # another community's record stays unseen
    # The approved ones are approved (a refused one in between did not roll them back); the others untouched.
    statuses = {i: client.get(f"volunteer-records/{i}", headers=org.approver).json()["status"] for i in ids[:4]}
    assert statuses == {mine[0]: "approved", mine[1]: "approved", done: "approved", self_entered: "pending"}
    assert client.get(f"volunteer-records/{elsewhere}", headers=other.approver).json()["status"] == "pending"


def test_batch_approval_refuses_bad_lists_and_unscoped_callers(client: TestClient) -> None:
    org = Org(client)
    rid = _record(client, org.recorder, **_entered(make_member(org.id), 1))["id"]
    for bad in ({"ids": []}, {"ids": list(range(1, 102))}, {"ids": [rid, rid]}, {"ids": [0]}, {"ids": "1"}, {}):
        assert_problem(
            client.post("volunteer-records/batch-approve", json=bad, headers=org.approver), 422, "validation_error"
        )
    _, member = member_login(client, org.id)
    body = client.post("volunteer-records/batch-approve", json={"ids": [rid]}, headers=member).json()
    assert body["succeeded"] == 0 and body["items"][0]["problem"]["status"] in (403, 404)
    assert client.get(f"volunteer-records/{rid}", headers=org.approver).json()["status"] == "pending"
