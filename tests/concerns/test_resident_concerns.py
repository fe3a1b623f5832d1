"""A resident's own concerns (社情民意): it reports in its community and reads every step of the
answer; other residents and members get 404; it withdraws one only before the community starts on
it, rates the answer once it is resolved, and adds photos of the problem; a community's admin
enters concerns for a resident; a withdrawn concern is neither open nor overdue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import assert_problem, ok
from factories.images import encoded, upload
from factories.residents import ResidentsWorld
from gongjian.kit.calendar import local_today

CONCERN = {"category": "sanitation", "title": "楼道堆放杂物", "description": "3 栋楼道长期堆放纸箱", "location": "3 栋"}
MOBILE, ROOM = "13700006666", "303"


@pytest.fixture
def w(client: TestClient) -> ResidentsWorld:
    return ResidentsWorld(client, resident="周阿姨", neighbour="吴叔叔", mobile=MOBILE, room=ROOM)


def report(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post("concerns", json={**CONCERN, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def act(client: TestClient, concern_id: int, action: str, headers: dict[str, str], body: Any = None) -> Any:
    return client.post(f"concerns/{concern_id}/{action}", json=body, headers=headers)


def test_a_resident_reports_and_reads_every_step_of_the_answer(client: TestClient, w: ResidentsWorld) -> None:
    concern = report(client, w.resident)
    cid = concern["id"]
    assert (concern["community_org"]["id"], concern["reporter_kind"], concern["reporter_name"]) == (
        w.community,
        "resident",
        "周阿姨",
    )
    assert concern["reporter_name_masked"] is False and concern["resident_id"] == w.resident_id
    assert concern["status"] == "reported" and concern["rating"] is None

    for headers in (w.neighbour, w.stranger, w.member, w.other_admin):
        assert_problem(client.get(f"concerns/{cid}", headers=headers), 404, "not_found")
        assert client.get("concerns", headers=headers).json()["total"] == 0
    # The community's partner unit follows its concerns (共建), never seeing who the resident is.
    partner = client.get(f"concerns/{cid}", headers=w.unit_admin)
    assert (partner.json()["reporter_name"], partner.json()["resident_id"]) == ("周**", None)
    assert MOBILE not in partner.text and ROOM not in partner.text

    handled = ok(client.get(f"concerns/{cid}", headers=w.community_admin))
    assert (handled["reporter_name"], handled["resident_id"]) == ("周阿姨", w.resident_id)
    ok(act(client, cid, "start", w.community_admin, {"note": "已联系物业"}))
    ok(act(client, cid, "resolve", w.community_admin, {"note": "杂物已清理，楼道畅通"}))
    followed = ok(client.get(f"concerns/{cid}", headers=w.resident))
    assert followed["status"] == "resolved" and followed["resolved_at"]
    assert [(s["to_status"], s["note"]) for s in followed["steps"]] == [
        ("reported", "已登记"),
        ("in_progress", "已联系物业"),
        ("resolved", "杂物已清理，楼道畅通"),
    ]
    assert [c["id"] for c in client.get("concerns", headers=w.resident).json()["items"]] == [cid]


def test_a_resident_reports_only_in_its_own_community_and_as_itself(client: TestClient, w: ResidentsWorld) -> None:
    assert report(client, w.resident, community_org_id=w.community)["community_org"]["id"] == w.community
    assert_problem(
        client.post("concerns", json={**CONCERN, "community_org_id": w.other_community}, headers=w.resident),
        403,
        "not_own_organization",
    )
    assert_problem(
        client.post("concerns", json={**CONCERN, "reporter_kind": "admin"}, headers=w.resident),
        422,
        "reporter_kind_invalid",
    )
    for body in ({"resident_id": w.neighbour_id}, {"reporter_kind": "resident", "resident_name": "别人"}):
        assert_problem(
            client.post("concerns", json={**CONCERN, **body}, headers=w.resident), 422, "field_not_for_residents"
        )
    cid = report(client, w.resident)["id"]
    for action in ("start", "resolve"):
        assert_problem(act(client, cid, action, w.resident, {"note": "自己处理了"}), 403, "forbidden")


def test_a_resident_withdraws_a_concern_only_before_the_community_starts_on_it(
    client: TestClient, w: ResidentsWorld
) -> None:
    past_due = (local_today() - timedelta(days=3)).isoformat()
    concern = report(client, w.resident, due_on=past_due)
    cid = concern["id"]
    # The read says who may withdraw it: the resident only; the community (and the platform admin)
    # may take it up, escalate or resolve it; a unit's admin nothing.
    assert concern["allowed_actions"] == ["cancel"]
    handler_steps = ["start", "escalate", "resolve"]
    assert ok(client.get(f"concerns/{cid}", headers=w.community_admin))["allowed_actions"] == handler_steps
    assert ok(client.get(f"concerns/{cid}", headers=w.admin))["allowed_actions"] == handler_steps
    unit_view = client.get(f"concerns/{cid}", headers=w.unit_admin)
    assert unit_view.status_code == 404 or unit_view.json()["allowed_actions"] == []
    assert_problem(act(client, cid, "cancel", w.neighbour), 404, "not_found")
    for headers in (w.community_admin, w.admin, w.unit_admin):
        assert_problem(act(client, cid, "cancel", headers), 403, "forbidden")
    assert client.get("concerns/summary", headers=w.community_admin).json()["overdue"] == 1
    withdrawn = ok(act(client, cid, "cancel", w.resident, {"reason": "邻居已自行清理"}))
    assert withdrawn["status"] == "cancelled" and withdrawn["overdue"] is False
    assert withdrawn["allowed_actions"] == []
    assert (withdrawn["steps"][-1]["to_status"], withdrawn["steps"][-1]["note"]) == ("cancelled", "邻居已自行清理")
    assert_problem(act(client, cid, "cancel", w.resident), 409, "concern_invalid_transition")
    # The community can't take up a withdrawn concern; it is neither open nor overdue.
    assert_problem(act(client, cid, "start", w.community_admin, {"note": "x"}), 409, "concern_invalid_transition")
    assert_problem(act(client, cid, "resolve", w.community_admin, {"note": "x"}), 409, "concern_invalid_transition")
    summary = client.get("concerns/summary", headers=w.community_admin).json()
    assert (summary["open"], summary["overdue"]) == (0, 0)
    assert {"status": "cancelled", "count": 1} in summary["by_status"]
    assert client.get("concerns", params={"overdue": "true"}, headers=w.community_admin).json()["total"] == 0
    stats = client.get(
        "stats/annual", params={"year": local_today().year, "community_id": w.community}, headers=w.community_admin
    )
    assert stats.status_code == 200, stats.text
    assert stats.json()["concerns"]["reported"] == 0  # withdrawn before the community took it up

    started = report(client, w.resident)["id"]
    taken_up = ok(act(client, started, "start", w.community_admin, {"note": "已派网格员查看"}))
    assert taken_up["allowed_actions"] == ["escalate", "resolve"]
    assert ok(client.get(f"concerns/{started}", headers=w.resident))["allowed_actions"] == []
    refused = assert_problem(act(client, started, "cancel", w.resident), 409, "concern_invalid_transition")
    assert "处理中" in refused["detail"]
    fresh = report(client, w.resident)["id"]
    assert_problem(
        client.post(f"concerns/{fresh}/cancel", headers={**w.resident, "If-Match": '"v7"'}), 412, "precondition_failed"
    )


def test_a_resident_rates_the_answer_once_it_is_resolved(client: TestClient, w: ResidentsWorld) -> None:
    cid = report(client, w.resident)["id"]
    assert_problem(act(client, cid, "rate", w.resident, {"rating": 4}), 409, "concern_not_rateable")
    ok(
        act(
            client,
            cid,
            "escalate",
            w.community_admin,
            {"escalated_to": "区城管局", "due_on": "2999-01-01", "note": "已上报"},
        )
    )
    assert_problem(act(client, cid, "rate", w.resident, {"rating": 4}), 409, "concern_not_rateable")
    ok(act(client, cid, "resolve", w.community_admin, {"note": "城管已清运"}))
    assert ok(client.get(f"concerns/{cid}", headers=w.resident))["allowed_actions"] == ["rate"]
    assert ok(client.get(f"concerns/{cid}", headers=w.community_admin))["allowed_actions"] == []

    for bad in ({"rating": 0}, {"rating": 6}, {"rating": 3, "comment": "慢" * 501}, {}):
        assert_problem(act(client, cid, "rate", w.resident, bad), 422, "validation_error")
    for headers in (w.community_admin, w.admin):
        assert_problem(act(client, cid, "rate", headers, {"rating": 1}), 403, "forbidden")
    assert_problem(act(client, cid, "rate", w.neighbour, {"rating": 1}), 404, "not_found")
    rated = ok(act(client, cid, "rate", w.resident, {"rating": 4, "comment": "处理及时"}))
    assert (rated["rating"], rated["rating_comment"]) == (4, "处理及时") and rated["rated_at"]
    assert_problem(act(client, cid, "rate", w.resident, {"rating": 5}), 409, "already_rated")
    assert rated["allowed_actions"] == []
    assert ok(client.get(f"concerns/{cid}", headers=w.community_admin))["rating"] == 4
    assert ok(client.get(f"concerns/{cid}", headers=w.unit_admin))["rating"] is None


def test_the_community_enters_a_concern_on_a_resident_s_behalf(client: TestClient, w: ResidentsWorld) -> None:
    concern = report(client, w.community_admin, resident_id=w.resident_id)
    assert (concern["reporter_kind"], concern["reporter_name"], concern["resident_id"]) == (
        "resident",
        "周阿姨",
        w.resident_id,
    )
    # The resident follows it as its own: reads, withdraws, rates.
    assert [c["id"] for c in client.get("concerns", headers=w.resident).json()["items"]] == [concern["id"]]
    assert_problem(client.get(f"concerns/{concern['id']}", headers=w.neighbour), 404, "not_found")
    assert ok(act(client, concern["id"], "cancel", w.resident))["status"] == "cancelled"
    # By name only, as before: no resident follows it.
    plain = report(client, w.community_admin, reporter_kind="resident", resident_name="某居民")
    assert plain["resident_id"] is None
    for headers, body in (
        (w.community_admin, {"resident_id": w.stranger_id}),
        (w.unit_admin, {"resident_id": w.resident_id, "community_org_id": w.community}),
    ):
        problem = assert_problem(
            client.post("concerns", json={**CONCERN, **body}, headers=headers), 422, "resident_not_found"
        )
        assert problem["errors"][0]["field"] == "body.resident_id"
    for body in (
        {"resident_id": w.resident_id, "reporter_kind": "admin"},
        {"resident_id": w.resident_id, "resident_name": "周阿姨"},
    ):
        assert_problem(
            client.post("concerns", json={**CONCERN, **body}, headers=w.community_admin), 422, "validation_error"
        )


def test_a_resident_adds_photos_of_the_problem_to_its_own_concern(client: TestClient, w: ResidentsWorld) -> None:
    cid = report(client, w.resident)["id"]
    entered = report(client, w.community_admin, resident_id=w.resident_id)["id"]
    neighbours = report(client, w.neighbour)["id"]

    def attach(headers: dict[str, str], owner_id: int, purpose: str) -> Any:
        upload_id = upload(client, headers, encoded("PNG")).json()["id"]
        body = {"owner_kind": "concern", "owner_id": owner_id, "upload_id": upload_id, "purpose": purpose}
        return client.post("attachments", json=body, headers=headers)

    for owner in (cid, entered):
        made = attach(w.resident, owner, "problem")
        assert made.status_code == 201, made.text
    assert_problem(attach(w.resident, cid, "resolution"), 403, "forbidden")
    assert_problem(attach(w.resident, neighbours, "problem"), 422, "owner_not_found")
    query = {"owner_kind": "concern", "owner_id": cid}
    listed = client.get("attachments", params=query, headers=w.resident).json()
    assert listed["total"] == 1 and listed["items"][0]["purpose"] == "problem"
    photo = listed["items"][0]["upload"]["id"]
    assert client.get(f"uploads/{photo}/thumbnail", headers=w.resident).status_code == 200
    assert client.get("attachments", params=query, headers=w.community_admin).json()["total"] == 1
    for headers in (w.neighbour, w.stranger, w.member):
        assert_problem(client.get("attachments", params=query, headers=headers), 404, "not_found")
        assert_problem(client.get(f"uploads/{photo}/thumbnail", headers=headers), 404, "not_found")
