"""A resident's own micro-wishes: it posts them in its community, follows them with the community's
answers, withdraws one before anyone claims it, rates the follow-up once, and adds photos; other
residents and members get 404 (members see a wish only once the community publishes it for
claiming, and then never who the resident is); a community's admin enters wishes for a resident."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import assert_problem, ok
from factories.claims import make_wish
from factories.images import encoded, upload
from factories.residents import ResidentsWorld

WISH = {"content": "想要一台收音机听戏", "kind": "goods", "household_note": "独居，腿脚不便", "estimated_value": 80}
MOBILE, ROOM = "13700008888", "1502"


@pytest.fixture
def w(client: TestClient) -> ResidentsWorld:
    return ResidentsWorld(client, resident="欧阳大妈", neighbour="钱大爷", mobile=MOBILE, room=ROOM)


def post_wish(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post("wishes", json={**WISH, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def act(client: TestClient, wish_id: int, action: str, headers: dict[str, str], body: Any = None) -> Any:
    return client.post(f"wishes/{wish_id}/{action}", json=body, headers=headers)


def test_a_resident_posts_a_wish_and_follows_the_community_s_answers(client: TestClient, w: ResidentsWorld) -> None:
    wish = post_wish(client, w.resident)
    wid = wish["id"]
    assert wish["community_org"]["id"] == w.community and wish["status"] == "submitted"
    assert (wish["resident_name"], wish["resident_name_masked"], wish["resident_id"]) == (
        "欧阳大妈",
        False,
        w.resident_id,
    )
    assert wish["household_note"] == "独居，腿脚不便" and wish["rating"] is None

    mine = client.get("wishes", headers=w.resident).json()
    assert [x["id"] for x in mine["items"]] == [wid]
    # Nobody else around it sees a wish the community hasn't published.
    for headers in (w.neighbour, w.stranger, w.member, w.unit_admin, w.other_admin):
        assert_problem(client.get(f"wishes/{wid}", headers=headers), 404, "not_found")
    for headers in (w.neighbour, w.stranger):
        assert client.get("wishes", headers=headers).json()["total"] == 0

    seen = ok(client.get(f"wishes/{wid}", headers=w.community_admin))
    assert (seen["resident_name"], seen["resident_id"], seen["household_note"]) == (
        "欧阳大妈",
        w.resident_id,
        WISH["household_note"],
    )
    ok(act(client, wid, "verify", w.community_admin))
    ok(act(client, wid, "publish", w.community_admin))

    # Published for claiming: members see the wish, never who the resident is.
    public = client.get(f"wishes/{wid}", headers=w.member)
    body = ok(public)
    assert (body["resident_name"], body["resident_name_masked"], body["resident_id"]) == ("欧阳**", True, None)
    assert body["household_note"] is None and body["rating"] is None
    assert MOBILE not in public.text and ROOM not in public.text and "欧阳大妈" not in public.text
    for headers in (w.neighbour, w.stranger):
        assert_problem(client.get(f"wishes/{wid}", headers=headers), 404, "not_found")  # still not theirs

    claimed = ok(act(client, wid, "claim", w.member))
    assert claimed["status"] == "claimed"
    followed = ok(client.get(f"wishes/{wid}", headers=w.resident))
    assert followed["status"] == "claimed" and followed["claimed_at"] and followed["published_at"]
    assert followed["claimant_member"] == {"id": w.member_id, "name": "李**"}  # a member took it up
    ok(act(client, wid, "fulfil", w.member, {"note": "已送上收音机并调好频道"}))
    done = ok(client.get(f"wishes/{wid}", headers=w.resident))
    assert (done["status"], done["fulfil_note"]) == ("fulfilled", "已送上收音机并调好频道")


def test_a_resident_posts_only_in_its_own_community_and_as_itself(client: TestClient, w: ResidentsWorld) -> None:
    assert post_wish(client, w.resident, community_org_id=w.community)["community_org"]["id"] == w.community
    problem = client.post("wishes", json={**WISH, "community_org_id": w.other_community}, headers=w.resident)
    assert_problem(problem, 403, "not_own_organization")
    for field, value in (("resident_name", "别人"), ("resident_id", w.neighbour_id)):
        body = assert_problem(
            client.post("wishes", json={**WISH, field: value}, headers=w.resident), 422, "field_not_for_residents"
        )
        assert body["errors"][0]["field"] == f"body.{field}"
    assert_problem(client.post("wishes", json={**WISH, "content": ""}, headers=w.resident), 422, "validation_error")
    # Running the flow is the community's.
    wid = post_wish(client, w.resident)["id"]
    for action in ("verify", "publish", "reject", "close"):
        assert_problem(act(client, wid, action, w.resident, {"reason": "x", "feedback": "x"}), 403, "forbidden")


def test_a_resident_withdraws_its_wish_only_before_it_is_claimed(client: TestClient, w: ResidentsWorld) -> None:
    steps = {"submitted": [], "verified": ["verify"], "published": ["verify", "publish"]}
    # The community's own steps come first, as the SPA shows them (the API's answer, not a copy).
    community_may = {
        "submitted": ["verify", "reject", "cancel"],
        "verified": ["reject", "publish", "cancel"],
        "published": ["cancel"],
    }
    for status, actions in steps.items():
        wid = post_wish(client, w.resident)["id"]
        for action in actions:
            ok(act(client, wid, action, w.community_admin))
        # The read says so, for the resident and for the community (which may cancel too).
        assert ok(client.get(f"wishes/{wid}", headers=w.resident))["allowed_actions"] == ["cancel"], status
        assert ok(client.get(f"wishes/{wid}", headers=w.community_admin))["allowed_actions"] == community_may[status]
        if status == "published":  # a member may claim it now, the resident's neighbour sees nothing
            assert ok(client.get(f"wishes/{wid}", headers=w.member))["allowed_actions"] == ["claim"]
        assert_problem(act(client, wid, "cancel", w.neighbour), 404, "not_found")
        cancelled = ok(act(client, wid, "cancel", w.resident, {"reason": "家人已买了"}))
        assert (cancelled["status"], cancelled["end_reason"]) == ("cancelled", "家人已买了"), status
        assert_problem(act(client, wid, "cancel", w.resident), 409, "wish_invalid_transition")

    claimed = post_wish(client, w.resident)["id"]
    for action in ("verify", "publish", "claim"):
        ok(act(client, claimed, action, w.member if action == "claim" else w.community_admin))
    assert ok(client.get(f"wishes/{claimed}", headers=w.resident))["allowed_actions"] == []
    # The member who claimed it reports it fulfilled or gives it up; the community may too, or cancel.
    assert ok(client.get(f"wishes/{claimed}", headers=w.member))["allowed_actions"] == ["fulfil", "release"]
    assert ok(client.get(f"wishes/{claimed}", headers=w.community_admin))["allowed_actions"] == [
        "fulfil",
        "release",
        "cancel",
    ]
    refused = assert_problem(act(client, claimed, "cancel", w.resident), 409, "wish_invalid_transition")
    assert "已认领" in refused["detail"]
    assert_problem(act(client, claimed, "cancel", w.member), 403, "forbidden")
    # The community still may (it arranges things with the claimant).
    assert ok(act(client, claimed, "cancel", w.community_admin))["status"] == "cancelled"
    stale = post_wish(client, w.resident)["id"]
    assert_problem(
        client.post(f"wishes/{stale}/cancel", headers={**w.resident, "If-Match": '"v9"'}), 412, "precondition_failed"
    )


def test_a_resident_rates_the_follow_up_once_after_fulfilment(client: TestClient, w: ResidentsWorld) -> None:
    wid = post_wish(client, w.resident)["id"]
    assert_problem(act(client, wid, "rate", w.resident, {"rating": 5}), 409, "wish_not_rateable")
    for action in ("verify", "publish"):
        ok(act(client, wid, action, w.community_admin))
    ok(act(client, wid, "claim", w.member))
    assert_problem(act(client, wid, "rate", w.resident, {"rating": 5}), 409, "wish_not_rateable")
    ok(act(client, wid, "fulfil", w.member, {"note": "已送到"}))
    # Only the resident may rate; the community may no longer cancel a fulfilled wish, only close it
    # (after the follow-up visit); the claimant has nothing left to do.
    assert ok(client.get(f"wishes/{wid}", headers=w.resident))["allowed_actions"] == ["rate"]
    assert ok(client.get(f"wishes/{wid}", headers=w.community_admin))["allowed_actions"] == ["close"]
    assert ok(client.get(f"wishes/{wid}", headers=w.member))["allowed_actions"] == []

    for bad in ({"rating": 0}, {"rating": 6}, {"rating": 4, "comment": "好" * 501}, {}, {"rating": "五"}):
        assert_problem(act(client, wid, "rate", w.resident, bad), 422, "validation_error")
    for headers in (w.community_admin, w.member, w.admin):
        assert_problem(act(client, wid, "rate", headers, {"rating": 1}), 403, "forbidden")
    assert_problem(act(client, wid, "rate", w.neighbour, {"rating": 1}), 404, "not_found")

    rated = ok(act(client, wid, "rate", w.resident, {"rating": 5, "comment": "很满意，谢谢社区"}))
    assert (rated["rating"], rated["rating_comment"]) == (5, "很满意，谢谢社区") and rated["rated_at"]
    assert_problem(act(client, wid, "rate", w.resident, {"rating": 1}), 409, "already_rated")
    assert rated["allowed_actions"] == []
    # The community sees the rating; the claimant doesn't.
    assert ok(client.get(f"wishes/{wid}", headers=w.community_admin))["rating"] == 5
    assert ok(client.get(f"wishes/{wid}", headers=w.member))["rating"] is None
    # Closed after the visit: still rateable (once).
    closed = make_wish(w.community, status="closed", resident_id=w.resident_id)
    assert ok(act(client, closed, "rate", w.resident, {"rating": 3}))["rating_comment"] is None


def test_the_community_enters_a_wish_on_a_resident_s_behalf(client: TestClient, w: ResidentsWorld) -> None:
    wish = post_wish(client, w.community_admin, resident_id=w.resident_id)
    assert (wish["resident_name"], wish["resident_id"]) == ("欧阳大妈", w.resident_id)
    assert [x["id"] for x in client.get("wishes", headers=w.resident).json()["items"]] == [wish["id"]]
    assert_problem(client.get(f"wishes/{wish['id']}", headers=w.neighbour), 404, "not_found")
    named = post_wish(client, w.community_admin, resident_id=w.neighbour_id, resident_name="钱师傅")
    assert named["resident_name"] == "钱师傅"
    # Only its own community's residents; a name when no resident is named.
    for headers, body in (
        (w.community_admin, {"resident_id": w.stranger_id}),
        (w.other_admin, {"resident_id": w.resident_id}),
        (w.admin, {"resident_id": w.stranger_id, "community_org_id": w.community}),
        (w.community_admin, {"resident_id": 2**31 - 1}),
    ):
        problem = assert_problem(
            client.post("wishes", json={**WISH, **body}, headers=headers), 422, "resident_not_found"
        )
        assert problem["errors"][0]["field"] == "body.resident_id"
    assert_problem(client.post("wishes", json=WISH, headers=w.community_admin), 422, "resident_name_required")
    assert post_wish(client, w.community_admin, resident_name="无名")["resident_id"] is None
    assert_problem(client.post("wishes", json={**WISH, "resident_name": "x"}, headers=w.unit_admin), 403, "forbidden")


def test_a_resident_adds_photos_to_its_own_wish_and_reads_no_one_else_s(client: TestClient, w: ResidentsWorld) -> None:
    wid = post_wish(client, w.resident)["id"]
    neighbours = post_wish(client, w.neighbour)["id"]

    def attach(headers: dict[str, str], owner_id: int, purpose: str) -> Any:
        upload_id = upload(client, headers, encoded("JPEG")).json()["id"]
        body = {"owner_kind": "wish", "owner_id": owner_id, "upload_id": upload_id, "purpose": purpose}
        return client.post("attachments", json=body, headers=headers)

    attached = attach(w.resident, wid, "photo")
    assert attached.status_code == 201, attached.text
    upload_id = attached.json()["upload"]["id"]
    assert_problem(attach(w.resident, wid, "fulfilment"), 403, "forbidden")
    assert_problem(attach(w.resident, neighbours, "photo"), 422, "owner_not_found")

    query = {"owner_kind": "wish", "owner_id": wid}
    assert client.get("attachments", params=query, headers=w.resident).json()["total"] == 1
    assert client.get("attachments", params=query, headers=w.community_admin).json()["total"] == 1
    assert client.get(f"uploads/{upload_id}/content", headers=w.community_admin).status_code == 200
    for headers in (w.neighbour, w.stranger, w.member):
        assert_problem(client.get("attachments", params=query, headers=headers), 404, "not_found")
        assert_problem(client.get(f"uploads/{upload_id}/content", headers=headers), 404, "not_found")
    other = attach(w.neighbour, neighbours, "photo").json()
    assert_problem(client.get(f"uploads/{other['upload']['id']}", headers=w.resident), 404, "not_found")
    assert_problem(client.delete(f"attachments/{other['id']}", headers=w.resident), 404, "not_found")
    assert client.delete(f"attachments/{attached.json()['id']}", headers=w.resident).status_code == 204
