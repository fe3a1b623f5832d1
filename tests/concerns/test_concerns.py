"""Concerns (社情民意): reporting, masking, the escalation flow with feedback, overdue counts, roles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from factories import (
    api_key_headers,
    assert_problem,
    headers_for,
    login,
    make_org,
    make_partnership,
    make_user,
    username_of,
)
from gongjian.db import unit_of_work
from gongjian.kit.principal import SYSTEM
from gongjian.members import service as members
from gongjian.members.schemas import MemberCreate
from gongjian.models.enums import OrganizationKind, Role


def _member_headers(client: TestClient, community: int) -> dict[str, str]:
    user_id = make_user(Role.member, community)
    data = MemberCreate.model_validate(
        {"name": "李敏", "gender": "female", "category": "retired", "community_org_id": community, "user_id": user_id}
    )
    with unit_of_work() as session:
        members.create_member(session, SYSTEM, data)
    return login(client, username_of(user_id))


@pytest.fixture
def world(client: TestClient) -> dict[str, object]:
    community = make_org(OrganizationKind.community)
    unit = make_org(OrganizationKind.unit)
    other_unit = make_org(OrganizationKind.unit)
    make_partnership(unit, community)
    return {
        "community": community,
        "admin": headers_for(client, Role.admin),
        "lht": headers_for(client, Role.community_admin, community),
        "unit_admin": headers_for(client, Role.unit_admin, unit),
        "stranger_unit": headers_for(client, Role.unit_admin, other_unit),
        "member": _member_headers(client, community),
        "other_member": _member_headers(client, community),
    }


def _report(client: TestClient, headers: dict[str, str], **body: object) -> dict:
    values = {"category": "infrastructure", "title": "小区路灯损坏", **body}
    response = client.post("concerns", json=values, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_escalation_flow_with_feedback_the_reporter_reads(client: TestClient, world: dict) -> None:
    lht = world["lht"]
    concern = _report(client, world["member"])
    assert concern["reporter_kind"] == "member" and concern["reporter_name"] == "李敏"
    assert concern["status"] == "reported" and [s["to_status"] for s in concern["steps"]] == ["reported"]
    cid = concern["id"]
    started = client.post(f"concerns/{cid}/start", json={"note": "社区已受理"}, headers=lht)
    assert started.json()["status"] == "in_progress"
    due = (date.today() + timedelta(days=20)).isoformat()
    body = {"escalated_to": "黄石港区城管局", "due_on": due, "note": "上报协调"}
    escalated = client.post(f"concerns/{cid}/escalate", json=body, headers=lht).json()
    assert escalated["status"] == "escalated" and escalated["escalated_to"] == "黄石港区城管局"
    assert escalated["due_on"] == due and escalated["overdue"] is False
    assert_problem(
        client.post(f"concerns/{cid}/start", json={"note": "再受理"}, headers=lht), 409, "concern_invalid_transition"
    )
    assert_problem(client.post(f"concerns/{cid}/escalate", json=body, headers=lht), 409, "concern_invalid_transition")
    assert_problem(
        client.post(f"concerns/{cid}/resolve", json={"note": "好"}, headers=world["unit_admin"]), 403, "forbidden"
    )
    resolved = client.post(f"concerns/{cid}/resolve", json={"note": "已更换路灯 6 盏"}, headers=lht).json()
    assert resolved["status"] == "resolved" and resolved["resolved_locally"] is False
    again = assert_problem(
        client.post(f"concerns/{cid}/resolve", json={"note": "再次"}, headers=lht), 409, "concern_invalid_transition"
    )
    assert again["detail"] == "当前为“已解决”，不能改为“已解决”"
    # The reporter sees every step and its note; another member does not see the concern at all.
    seen = client.get(f"concerns/{cid}", headers=world["member"]).json()
    assert [(s["from_status"], s["to_status"], s["note"]) for s in seen["steps"]] == [
        (None, "reported", "已登记"),
        ("reported", "in_progress", "社区已受理"),
        ("in_progress", "escalated", "上报协调"),
        ("escalated", "resolved", "已更换路灯 6 盏"),
    ]
    assert seen["steps"][2]["escalated_to"] == "黄石港区城管局"
    assert client.get(f"concerns/{cid}", headers=world["other_member"]).status_code == 404
    assert client.get("concerns", headers=world["other_member"]).json()["total"] == 0


def test_resolved_on_the_spot_and_overdue_counts(client: TestClient, world: dict) -> None:
    lht = world["lht"]
    past = (date.today() - timedelta(days=3)).isoformat()
    local = _report(
        client, lht, category="sanitation", title="楼道垃圾堆积", reporter_kind="resident", resident_name="欧阳秀兰"
    )
    late = _report(client, lht, title="化粪池堵塞", due_on=past)
    _report(client, lht, title="路面塌陷", due_on=(date.today() + timedelta(days=3)).isoformat())
    done = client.post(f"concerns/{local['id']}/resolve", json={"note": "已清运"}, headers=lht).json()
    assert done["resolved_locally"] is True
    assert late["overdue"] is True
    summary = client.get("concerns/summary", params={"community_org_id": world["community"]}, headers=lht).json()
    assert summary["open"] == 2 and summary["overdue"] == 1
    assert {c["category"]: c["count"] for c in summary["by_category"]} == {"sanitation": 1, "infrastructure": 2}
    listed = client.get("concerns", params={"overdue": "true"}, headers=lht).json()
    assert [c["id"] for c in listed["items"]] == [late["id"]]
    assert client.get("concerns", params={"overdue": "false"}, headers=lht).json()["total"] == 2
    # Resolving the late one takes it out of the count at once.
    client.post(f"concerns/{late['id']}/resolve", json={"note": "已疏通"}, headers=lht)
    assert client.get("concerns/summary", headers=lht).json()["overdue"] == 0
    # The resident's name is shown in full to the community only.
    assert client.get(f"concerns/{local['id']}", headers=lht).json()["reporter_name"] == "欧阳秀兰"
    masked = client.get(f"concerns/{local['id']}", headers=world["unit_admin"]).json()
    assert masked["reporter_name"] == "欧阳**" and masked["reporter_name_masked"] is True


def test_who_may_report_and_see(client: TestClient, world: dict) -> None:
    community = world["community"]
    body = {"category": "safety", "title": "夜间有陌生人徘徊", "community_org_id": community}
    # A partner unit's admin reports (the 五百 work); a unit without partnership may not.
    response = client.post("concerns", json=body, headers=world["unit_admin"])
    assert response.status_code == 201 and response.json()["reporter_kind"] == "admin"
    assert_problem(client.post("concerns", json=body, headers=world["stranger_unit"]), 403, "forbidden")
    assert client.post("concerns", json={**body, "reporter_kind": "resident"}, headers=world["lht"]).status_code == 422
    assert_problem(
        client.post("concerns", json={**body, "reporter_kind": "admin"}, headers=world["member"]), 403, "forbidden"
    )
    cid = response.json()["id"]
    expected = {"admin": 200, "lht": 200, "unit_admin": 200, "stranger_unit": 404, "member": 404}
    for who, status in expected.items():
        assert client.get(f"concerns/{cid}", headers=world[who]).status_code == status, who
    reader = api_key_headers(client, world["admin"], ["concerns:read"], community)
    assert client.get("concerns", headers=reader).json()["total"] == 1
    assert_problem(client.post("concerns", json=body, headers=reader), 403, "insufficient_scope")
