"""Micro-wishes: every transition (and the illegal ones), who may act, masking, filters, summary."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import api_key_headers, assert_problem, headers_for, login, make_member, make_org, make_user, username_of
from factories.claims import make_wish
from gongjian.kit.calendar import local_today
from gongjian.kit.personal_data import mask_name
from gongjian.models.enums import OrganizationKind, Role

WISH = {
    "resident_name": "欧阳娜娜",
    "household_note": "独居老人，3 栋 2 单元",
    "content": "希望有人帮忙修好家里的收音机",
    "kind": "service",
    "estimated_value": 50,
}


class World:
    def __init__(self, client: TestClient) -> None:
        self.community = make_org(OrganizationKind.community)
        self.other_community = make_org(OrganizationKind.community)
        self.unit = make_org(OrganizationKind.unit)
        self.other_unit = make_org(OrganizationKind.unit)
        self.admin = headers_for(client, Role.admin)
        self.community_admin = headers_for(client, Role.community_admin, self.community)
        self.other_community_admin = headers_for(client, Role.community_admin, self.other_community)
        self.unit_admin = headers_for(client, Role.unit_admin, self.unit)
        self.other_unit_admin = headers_for(client, Role.unit_admin, self.other_unit)
        member_user = make_user(Role.member, self.unit)
        self.member_id = make_member(self.community, unit_org_id=self.unit, user_id=member_user, name="李党员")
        self.member = login(client, username_of(member_user))
        self.member_without_profile = headers_for(client, Role.member, self.unit)


@pytest.fixture
def w(client: TestClient) -> World:
    return World(client)


def _act(client: TestClient, wish_id: int, action: str, headers: dict[str, str], body: Any = None) -> Any:
    return client.post(f"wishes/{wish_id}/{action}", json=body, headers=headers)


def test_masking_keeps_the_surname_only() -> None:
    assert [mask_name(n) for n in ("张三", "张三丰", "欧阳娜娜", "欧阳明", "欧阳", "王")] == [
        "张*",
        "张**",
        "欧阳**",
        "欧阳*",
        "欧*",
        "*",
    ]


def test_the_whole_flow_from_submission_to_follow_up(client: TestClient, w: World) -> None:
    created = client.post("wishes", json=WISH, headers=w.community_admin)
    assert created.status_code == 201, created.text
    wish = created.json()
    wid = wish["id"]
    assert created.headers["Location"] == f"/api/v1/wishes/{wid}"
    assert wish["status"] == "submitted" and wish["community_org"]["id"] == w.community
    assert wish["resident_name"] == "欧阳娜娜" and wish["resident_name_masked"] is False
    assert {k: wish[k] for k in ("household_note", "content", "kind", "estimated_value")} == {
        k: WISH[k] for k in ("household_note", "content", "kind", "estimated_value")
    }

    verified = _act(client, wid, "verify", w.community_admin)
    assert verified.json()["status"] == "verified" and verified.json()["verified_at"]
    assert verified.headers["ETag"] == '"v2"'
    published = _act(client, wid, "publish", {**w.community_admin, "If-Match": '"v2"'})
    assert published.json()["status"] == "published" and published.json()["published_at"]
    claimed = _act(client, wid, "claim", w.member).json()
    assert claimed["status"] == "claimed" and claimed["claimant_member"] == {"id": w.member_id, "name": "李党员"}
    assert claimed["claimant_org"] is None and claimed["resident_name"] == "欧阳**" and claimed["resident_name_masked"]
    fulfilled = _act(
        client, wid, "fulfil", w.member, {"note": "已上门修好", "photo_url": "https://img.example.cn/radio.jpg"}
    ).json()
    assert (fulfilled["status"], fulfilled["fulfil_note"], fulfilled["photo_url"]) == (
        "fulfilled",
        "已上门修好",
        "https://img.example.cn/radio.jpg",
    )
    closed = _act(client, wid, "close", w.community_admin, {"feedback": "回访：老人很满意"}).json()
    assert closed["status"] == "closed" and closed["followup_feedback"] == "回访：老人很满意" and closed["closed_at"]
    assert closed["version"] == 6


def test_illegal_transitions_are_409(client: TestClient, w: World) -> None:
    submitted = make_wish(w.community)
    ca = w.community_admin
    assert_problem(_act(client, submitted, "publish", ca), 409, "wish_invalid_transition")
    assert_problem(
        _act(client, submitted, "claim", w.admin, {"organization_id": w.unit}), 409, "wish_invalid_transition"
    )
    assert_problem(_act(client, submitted, "fulfil", ca, {"note": "x"}), 409, "wish_invalid_transition")
    assert_problem(_act(client, submitted, "close", ca, {"feedback": "x"}), 409, "wish_invalid_transition")
    assert_problem(_act(client, submitted, "release", ca), 409, "wish_invalid_transition")

    verified = make_wish(w.community, status="verified")
    assert_problem(_act(client, verified, "verify", ca), 409, "wish_invalid_transition")
    # Publishing and releasing both lead to 已发布, each from its own state only.
    body = assert_problem(_act(client, verified, "release", ca), 409, "wish_invalid_transition")
    assert body["detail"] == "心愿当前为“已核实”，不能改为“已发布”"
    assert_problem(_act(client, verified, "claim", w.unit_admin), 404, "not_found")  # not yet public

    published = make_wish(w.community, status="published")
    assert_problem(_act(client, published, "reject", ca, {"reason": "x"}), 409, "wish_invalid_transition")
    assert_problem(_act(client, published, "fulfil", ca, {"note": "x"}), 409, "wish_invalid_transition")

    claimed = make_wish(w.community, status="claimed")
    assert_problem(_act(client, claimed, "claim", w.unit_admin), 409, "wish_already_claimed")
    assert_problem(_act(client, claimed, "close", ca, {"feedback": "x"}), 409, "wish_invalid_transition")
    assert_problem(_act(client, claimed, "publish", ca), 409, "wish_invalid_transition")

    fulfilled = make_wish(w.community, status="fulfilled")
    assert_problem(_act(client, fulfilled, "cancel", ca), 409, "wish_invalid_transition")
    assert_problem(_act(client, fulfilled, "release", ca), 409, "wish_invalid_transition")

    closed = make_wish(w.community, status="closed")
    for action, body in (("close", {"feedback": "x"}), ("cancel", None), ("verify", None), ("publish", None)):
        assert_problem(_act(client, closed, action, ca, body), 409, "wish_invalid_transition")


def test_reject_and_cancel_end_a_wish(client: TestClient, w: World) -> None:
    for status in ("submitted", "verified"):
        wid = make_wish(w.community, status=status)
        rejected = _act(client, wid, "reject", w.community_admin, {"reason": "不属于微心愿范围"}).json()
        assert (
            rejected["status"] == "rejected" and rejected["end_reason"] == "不属于微心愿范围" and rejected["ended_at"]
        )
        assert_problem(_act(client, wid, "verify", w.community_admin), 409, "wish_invalid_transition")
        assert_problem(_act(client, wid, "cancel", w.community_admin), 409, "wish_invalid_transition")
    assert_problem(_act(client, make_wish(w.community), "reject", w.community_admin, {}), 422, "validation_error")
    for status in ("submitted", "verified", "published", "claimed"):
        wid = make_wish(w.community, status=status)
        cancelled = _act(client, wid, "cancel", w.community_admin, {"reason": "居民已搬走"})
        assert cancelled.json()["status"] == "cancelled" and cancelled.json()["end_reason"] == "居民已搬走"
    no_body = _act(client, make_wish(w.community), "cancel", w.admin)
    assert no_body.status_code == 200 and no_body.json()["status"] == "cancelled"


def test_release_returns_a_claimed_wish_to_the_pool(client: TestClient, w: World) -> None:
    wid = make_wish(w.community, status="published")
    _act(client, wid, "claim", w.unit_admin)
    assert_problem(_act(client, wid, "release", w.other_unit_admin), 403, "forbidden")
    released = _act(client, wid, "release", w.unit_admin).json()
    assert released["status"] == "published" and released["claimant_org"] is None and released["claimed_at"] is None
    again = _act(client, wid, "claim", w.other_unit_admin).json()
    assert again["claimant_org"]["id"] == w.other_unit


def test_who_may_claim_and_as_whom(client: TestClient, w: World) -> None:
    wid = make_wish(w.community, status="published")
    assert_problem(_act(client, wid, "claim", w.community_admin), 403, "forbidden")
    assert_problem(_act(client, wid, "claim", w.member_without_profile), 403, "no_member_profile")
    assert_problem(_act(client, wid, "claim", w.member, {"member_id": w.member_id}), 403, "not_own_member")
    assert_problem(
        _act(client, wid, "claim", w.unit_admin, {"organization_id": w.other_unit}), 403, "not_own_organization"
    )
    stranger_member = make_member(w.community, unit_org_id=w.other_unit, name="外单位党员")
    # Another unit's member is answered like a missing one (no probing of member ids).
    assert_problem(_act(client, wid, "claim", w.unit_admin, {"member_id": stranger_member}), 422, "member_not_found")
    assert_problem(_act(client, wid, "claim", w.admin), 422, "claimant_required")
    both = {"member_id": w.member_id, "organization_id": w.unit}
    assert_problem(_act(client, wid, "claim", w.admin, both), 422, "claimant_required")
    assert_problem(
        _act(client, wid, "claim", w.admin, {"organization_id": w.community}), 422, "wrong_organization_kind"
    )
    archived = make_member(w.community, name="已归档党员", archived=True)
    assert_problem(_act(client, wid, "claim", w.admin, {"member_id": archived}), 422, "member_not_found")

    for_member = _act(client, wid, "claim", w.unit_admin, {"member_id": w.member_id}).json()
    assert for_member["claimant_member"]["id"] == w.member_id and for_member["claimant_org"] is None
    # The member itself (its own record) may now report fulfilment; another unit may not.
    assert_problem(_act(client, wid, "fulfil", w.other_unit_admin, {"note": "x"}), 403, "forbidden")
    assert _act(client, wid, "fulfil", w.member, {"note": "已送达"}).json()["status"] == "fulfilled"

    by_admin = make_wish(w.community, status="published")
    assert _act(client, by_admin, "claim", w.admin, {"organization_id": w.unit}).json()["claimant_org"]["id"] == w.unit
    assert _act(client, by_admin, "fulfil", w.unit_admin, {"note": "已送达"}).status_code == 200


def test_only_the_wish_community_runs_the_flow(client: TestClient, w: World) -> None:
    wid = make_wish(w.community)
    for other in (w.other_community_admin, w.unit_admin, w.member):
        assert_problem(_act(client, wid, "verify", other), 404, "not_found")  # a submitted wish is private
    published = make_wish(w.community, status="published")
    for other in (w.other_community_admin, w.unit_admin, w.member):
        assert_problem(_act(client, published, "cancel", other), 403, "forbidden")
    fulfilled = make_wish(w.community, status="fulfilled")
    assert_problem(_act(client, fulfilled, "close", w.other_community_admin, {"feedback": "x"}), 403, "forbidden")
    bad_photo = _act(
        client, make_wish(w.community, status="claimed"), "fulfil", w.admin, {"note": "x", "photo_url": "ftp://x"}
    )
    assert assert_problem(bad_photo, 422, "validation_error")["errors"][0]["field"] == "body.photo_url"


def test_who_may_register_a_wish(client: TestClient, w: World) -> None:
    assert_problem(client.post("wishes", json=WISH, headers=w.unit_admin), 403, "forbidden")
    assert_problem(client.post("wishes", json=WISH, headers=w.member), 403, "forbidden")
    assert_problem(
        client.post("wishes", json={**WISH, "community_org_id": w.other_community}, headers=w.community_admin),
        403,
        "not_own_organization",
    )
    assert_problem(client.post("wishes", json=WISH, headers=w.admin), 422, "organization_required")
    assert_problem(
        client.post("wishes", json={**WISH, "community_org_id": w.unit}, headers=w.admin),
        422,
        "wrong_organization_kind",
    )
    by_admin = client.post("wishes", json={**WISH, "community_org_id": w.community}, headers=w.admin)
    assert by_admin.status_code == 201 and by_admin.json()["resident_name"] == "欧阳娜娜"
    invalid = client.post("wishes", json={**WISH, "kind": "money", "estimated_value": -1}, headers=w.admin)
    assert sorted(e["field"] for e in assert_problem(invalid, 422, "validation_error")["errors"]) == [
        "body.estimated_value",
        "body.kind",
    ]
    assert_problem(client.post("wishes", json=WISH), 401, "unauthorized")


def test_visibility_and_name_masking_per_role(client: TestClient, w: World) -> None:
    private = make_wish(w.community, resident_name="张三丰")
    public = make_wish(w.community, status="published", resident_name="张三丰")
    for headers, sees_private, name in (
        (w.admin, True, "张三丰"),
        (w.community_admin, True, "张三丰"),
        (w.other_community_admin, False, "张**"),
        (w.unit_admin, False, "张**"),
        (w.member, False, "张**"),
    ):
        listed = client.get("wishes?sort=id", headers=headers).json()
        assert [x["id"] for x in listed["items"]] == ([private, public] if sees_private else [public])
        assert {x["resident_name"] for x in listed["items"]} == {name}
        single = client.get(f"wishes/{public}", headers=headers)
        assert single.json()["resident_name"] == name and single.headers["ETag"] == '"v3"'
        if not sees_private:
            assert_problem(client.get(f"wishes/{private}", headers=headers), 404, "not_found")
    assert_problem(client.get("wishes"), 401, "unauthorized")


def test_a_claimant_keeps_seeing_a_wish_that_was_cancelled(client: TestClient, w: World) -> None:
    wid = make_wish(w.community, status="published")
    _act(client, wid, "claim", w.member)
    _act(client, wid, "cancel", w.community_admin)
    assert client.get(f"wishes/{wid}", headers=w.member).json()["status"] == "cancelled"
    assert_problem(client.get(f"wishes/{wid}", headers=w.unit_admin), 404, "not_found")


def test_wish_filters(client: TestClient, w: World) -> None:
    a = make_wish(w.community, status="published", kind="service")
    b = make_wish(w.community, status="published")
    c = make_wish(w.other_community, status="published")
    _act(client, a, "claim", w.unit_admin)
    _act(client, b, "claim", w.member)

    def ids(query: str) -> list[int]:
        response = client.get(f"wishes?sort=id&{query}", headers=w.admin)
        assert response.status_code == 200, response.text
        return [x["id"] for x in response.json()["items"]]

    assert ids("status=claimed") == [a, b]
    assert ids(f"community_org_id={w.other_community}") == [c]
    assert ids(f"claimant_org_id={w.unit}") == [a]
    assert ids(f"claimant_member_id={w.member_id}") == [b]
    assert ids("kind=service") == [a]
    this_month = local_today().strftime("%Y-%m")
    assert ids(f"month={this_month}") == [a, b, c]
    assert ids("month=2017-06") == []
    assert_problem(client.get("wishes?month=2017-13", headers=w.admin), 422, "validation_error")
    assert [x["id"] for x in client.get("wishes?sort=-id", headers=w.admin).json()["items"]] == [c, b, a]


def test_wishes_summary_counts_submitted_and_fulfilled_by_month(client: TestClient, w: World) -> None:
    make_wish(w.community)
    make_wish(w.community, status="fulfilled")
    make_wish(w.community, status="closed")
    make_wish(w.other_community, status="closed")
    this_month = local_today().strftime("%Y-%m")
    mine = client.get(f"wishes/summary?community_org_id={w.community}", headers=w.community_admin).json()
    assert (mine["submitted"], mine["fulfilled"]) == (3, 2)
    assert mine["by_month"] == [{"month": this_month, "submitted": 3, "fulfilled": 2}]
    assert mine["by_status"] == [
        {"status": "submitted", "count": 1},
        {"status": "fulfilled", "count": 1},
        {"status": "closed", "count": 1},
    ]
    everything = client.get("wishes/summary", headers=w.admin).json()
    assert (everything["submitted"], everything["fulfilled"]) == (4, 3)
    # Others don't see a community's unpublished wishes in the counts either.
    assert client.get("wishes/summary", headers=w.unit_admin).json()["submitted"] == 3
    old = client.get("wishes/summary?since=2017-01-01&until=2017-12-31", headers=w.admin).json()
    assert (old["submitted"], old["fulfilled"], old["by_month"]) == (0, 0, [])
    assert_problem(
        client.get("wishes/summary?since=2017-12-31&until=2017-01-01", headers=w.admin), 422, "invalid_date_range"
    )


def test_api_keys_need_the_wishes_scopes(client: TestClient, w: World) -> None:
    wid = make_wish(w.community, status="published")
    reader = api_key_headers(client, w.admin, ["wishes:read"], organization_id=w.unit)
    writer = api_key_headers(client, w.admin, ["wishes:read", "wishes:write"], organization_id=w.unit)
    assert client.get("wishes", headers=reader).json()["total"] == 1
    assert_problem(_act(client, wid, "claim", reader), 403, "insufficient_scope")
    assert _act(client, wid, "claim", writer).json()["claimant_org"]["id"] == w.unit
    assert_problem(
        client.get("wishes", headers=api_key_headers(client, w.admin, ["claims:read"])), 403, "insufficient_scope"
    )
