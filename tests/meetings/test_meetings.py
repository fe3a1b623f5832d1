"""Joint meetings: the 2–3 topic rule, tasks and their derived `overdue`, carried-over tasks, roles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from factories import api_key_headers, assert_problem, headers_for, make_org, make_partnership
from factories.governance import add_topics, create_meeting, create_task
from gongjian.models.enums import OrganizationKind, Role


@pytest.fixture
def world(client: TestClient) -> dict[str, object]:
    community = make_org(OrganizationKind.community)
    unit = make_org(OrganizationKind.unit)
    other_community = make_org(OrganizationKind.community)
    other_unit = make_org(OrganizationKind.unit)
    make_partnership(unit, community)
    return {
        "community": community,
        "unit": unit,
        "other_unit": other_unit,
        "admin": headers_for(client, Role.admin),
        "lht": headers_for(client, Role.community_admin, community),
        "unit_admin": headers_for(client, Role.unit_admin, unit),
        "stranger_unit": headers_for(client, Role.unit_admin, other_unit),
        "other_community": headers_for(client, Role.community_admin, other_community),
    }


def test_a_meeting_is_closed_only_with_two_or_three_topics(client: TestClient, world: dict) -> None:
    lht = world["lht"]
    meeting = create_meeting(client, lht, attending_org_ids=[world["unit"]])
    assert meeting["status"] == "planned" and meeting["attending_orgs"][0]["id"] == world["unit"]
    body = assert_problem(client.post(f"meetings/{meeting['id']}/close", headers=lht), 409, "meeting_topic_count")
    assert "当前有 0 个议题" in body["detail"]
    add_topics(client, lht, meeting["id"], 1)
    assert_problem(client.post(f"meetings/{meeting['id']}/close", headers=lht), 409, "meeting_topic_count")
    topics = add_topics(client, lht, meeting["id"], 3)  # now 4
    assert_problem(client.post(f"meetings/{meeting['id']}/close", headers=lht), 409, "meeting_topic_count")
    assert client.delete(f"meetings/{meeting['id']}/topics/{topics[-1]}", headers=lht).status_code == 204
    closed = client.post(f"meetings/{meeting['id']}/close", headers=lht)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "held" and closed.json()["topic_count"] == 3
    assert [t["title"] for t in closed.json()["topics"]] == ["难题1", "难题1", "难题2"]
    # Held: topics are fixed, the theme too; minutes may still be written.
    assert_problem(
        client.post(f"meetings/{meeting['id']}/topics", json={"title": "新难题"}, headers=lht), 409, "meeting_held"
    )
    assert_problem(
        client.patch(f"meetings/{meeting['id']}", json={"theme": "改主题"}, headers=lht), 409, "meeting_held"
    )
    assert_problem(client.post(f"meetings/{meeting['id']}/close", headers=lht), 409, "meeting_held")
    minutes = client.patch(f"meetings/{meeting['id']}", json={"minutes": "明确分工"}, headers=lht)
    assert minutes.status_code == 200 and minutes.json()["minutes"] == "明确分工"


def test_a_meeting_says_what_each_caller_may_do_and_why_it_cannot_close_yet(client: TestClient, world: dict) -> None:
    lht = world["lht"]
    meeting = create_meeting(client, lht, attending_org_ids=[world["unit"]])
    url = f"meetings/{meeting['id']}"

    def actions(headers: dict[str, str]) -> tuple[list[str], list[dict[str, str]]]:
        body = client.get(url, headers=headers).json()
        return body["allowed_actions"], body["blocked_actions"]

    one_topic = "每次例会重点研究 2–3 个需要协调解决的难题，当前有 1 个议题"
    add_topics(client, lht, meeting["id"], 1)
    planned = ["edit", "edit_plan", "manage_topics", "add_task"]
    assert actions(lht) == (planned, [{"action": "close", "reason": one_topic}])
    assert actions(world["admin"]) == (planned, [{"action": "close", "reason": one_topic}])
    # A partner unit's admin reads the meeting and manages nothing of it.
    assert actions(world["unit_admin"]) == ([], [])
    add_topics(client, lht, meeting["id"], 1)
    assert actions(lht) == ([*planned, "close"], [])
    listed = client.get("meetings", headers=lht).json()["items"]
    assert [m["allowed_actions"] for m in listed] == [[*planned, "close"]]
    closed = client.post(f"{url}/close", headers=lht).json()
    # Held: minutes, attendance and tasks only; nothing is offered that would be refused.
    assert (closed["allowed_actions"], closed["blocked_actions"]) == (["edit", "add_task"], [])


def test_theme_is_required_and_meetings_belong_to_a_community(client: TestClient, world: dict) -> None:
    response = client.post("meetings", json={"held_on": "2017-03-20"}, headers=world["lht"])
    assert response.status_code == 422
    response = client.post("meetings", json={"held_on": "2017-03-20", "theme": "主题"}, headers=world["admin"])
    assert_problem(response, 422, "organization_required")
    response = client.post(
        "meetings",
        json={"held_on": "2017-03-20", "theme": "主题", "community_org_id": world["unit"]},
        headers=world["admin"],
    )
    assert_problem(response, 422, "wrong_organization_kind")
    assert_problem(
        client.post("meetings", json={"held_on": "2017-03-20", "theme": "主题"}, headers=world["unit_admin"]),
        403,
        "forbidden",
    )


def test_overdue_is_derived_from_the_due_date_and_tasks_carry_over(client: TestClient, world: dict) -> None:
    lht, unit_admin = world["lht"], world["unit_admin"]
    first = create_meeting(client, lht, held_on="2017-03-20")
    topic, _ = add_topics(client, lht, first["id"], 2)
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    later = (date.today() + timedelta(days=30)).isoformat()
    late = create_task(client, lht, topic, world["unit"], yesterday)
    on_time = create_task(client, lht, topic, world["unit"], later)
    done = create_task(client, lht, topic, world["community"], yesterday)
    assert late["status"] == "overdue" and on_time["status"] == "open"
    # The owner unit reports progress on its own task; an overdue task can still be worked on.
    started = client.post(f"tasks/{late['id']}/start", json={"note": "已联系车辆"}, headers=unit_admin)
    assert started.status_code == 200 and started.json()["status"] == "overdue"
    assert started.json()["progress_note"] == "已联系车辆"
    assert client.post(f"tasks/{done['id']}/complete", json={}, headers=lht).json()["status"] == "done"
    assert_problem(client.post(f"tasks/{done['id']}/start", json={}, headers=lht), 409, "task_invalid_transition")
    assert_problem(client.post(f"tasks/{done['id']}/complete", json={}, headers=unit_admin), 403, "forbidden")
    overdue = client.get("tasks", params={"status": "overdue"}, headers=lht).json()
    assert [t["id"] for t in overdue["items"]] == [late["id"]]
    assert client.get("tasks", params={"status": "open"}, headers=lht).json()["total"] == 1
    # Moving the due date into the future makes it in_progress again: nothing stale is stored.
    moved = client.patch(f"tasks/{late['id']}", json={"due_on": later}, headers=lht)
    assert moved.json()["status"] == "in_progress"
    client.patch(f"tasks/{late['id']}", json={"due_on": yesterday}, headers=lht)

    second = create_meeting(client, lht, held_on="2017-06-26", theme="维护社区安全稳定")
    detail = client.get(f"meetings/{second['id']}", headers=lht).json()
    assert {t["id"] for t in detail["carried_over_tasks"]} == {late["id"], on_time["id"]}
    assert all(t["meeting_id"] == first["id"] for t in detail["carried_over_tasks"])
    assert client.get(f"meetings/{first['id']}", headers=lht).json()["carried_over_tasks"] == []


def test_roles_on_meetings_and_tasks(client: TestClient, world: dict) -> None:
    lht = world["lht"]
    meeting = create_meeting(client, lht)
    topic = add_topics(client, lht, meeting["id"], 2)[0]
    task = create_task(client, lht, topic, world["other_unit"], "2099-01-01")
    path = f"meetings/{meeting['id']}"
    expected = {"admin": 200, "lht": 200, "unit_admin": 200, "other_community": 404, "stranger_unit": 404}
    for who, status in expected.items():
        assert client.get(path, headers=world[who]).status_code == status, who
    # Only the community (or a platform admin) manages; a partner unit may read but not write.
    assert_problem(client.post(f"{path}/topics", json={"title": "难题"}, headers=world["unit_admin"]), 403, "forbidden")
    assert_problem(
        client.post(f"{path}/topics", json={"title": "难题"}, headers=world["other_community"]), 404, "not_found"
    )
    # A task's owner sees its task (not the meeting) and may report progress.
    assert client.get(f"tasks/{task['id']}", headers=world["stranger_unit"]).status_code == 200
    assert client.get(path, headers=world["stranger_unit"]).status_code == 404
    assert (
        client.post(f"tasks/{task['id']}/complete", json={"note": "完成"}, headers=world["stranger_unit"]).json()[
            "status"
        ]
        == "done"
    )
    assert_problem(
        client.patch(f"tasks/{task['id']}", json={"description": "改为新分工"}, headers=world["stranger_unit"]),
        403,
        "forbidden",
    )
    member = headers_for(client, Role.member, world["community"])
    assert client.get("meetings", headers=member).json()["total"] == 0  # no member record: no community


def test_api_keys_need_the_meetings_scopes(client: TestClient, world: dict) -> None:
    reader = api_key_headers(client, world["admin"], ["meetings:read"], world["community"])
    assert client.get("meetings", headers=reader).status_code == 200
    response = client.post("meetings", json={"held_on": "2017-03-20", "theme": "主题"}, headers=reader)
    assert_problem(response, 403, "insufficient_scope")
