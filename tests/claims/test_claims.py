"""The two-way claim list: categories, items, every claim rule and transition, who may do what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import api_key_headers, assert_problem, headers_for, make_org, make_partnership
from factories.claims import load_categories, make_item
from gongjian.kit.calendar import local_today
from gongjian.models.enums import OrganizationKind, Role


@pytest.fixture(autouse=True)
def _categories() -> None:
    load_categories()


def _claim(client: TestClient, item_id: int, headers: dict[str, str], **body: Any) -> Any:
    return client.post(f"service-items/{item_id}/claims", json=body, headers=headers)


class World:
    """A community with its partners — two units and a social organisation — and a community none
    of them works with, each with its admin; a platform admin."""

    def __init__(self, client: TestClient) -> None:
        self.community = make_org(OrganizationKind.community)
        self.other_community = make_org(OrganizationKind.community)
        self.unit = make_org(OrganizationKind.unit)
        self.other_unit = make_org(OrganizationKind.unit)
        self.social = make_org(OrganizationKind.social)
        for partner in (self.unit, self.other_unit, self.social):
            make_partnership(partner, self.community)
        self.admin = headers_for(client, Role.admin)
        self.community_admin = headers_for(client, Role.community_admin, self.community)
        self.other_community_admin = headers_for(client, Role.community_admin, self.other_community)
        self.unit_admin = headers_for(client, Role.unit_admin, self.unit)
        self.other_unit_admin = headers_for(client, Role.unit_admin, self.other_unit)
        self.social_admin = headers_for(client, Role.unit_admin, self.social)
        self.member = headers_for(client, Role.member, self.unit)


@pytest.fixture
def w(client: TestClient) -> World:
    return World(client)


# --- categories and items ----------------------------------------------------------------------


def test_categories_are_the_five_in_order(client: TestClient, w: World) -> None:
    body = client.get("service-categories", headers=w.member).json()
    assert body["total"] == 5
    assert [(c["code"], c["name"]) for c in body["items"]] == [
        ("hardship_aid", "困难帮扶"),
        ("funding", "资金扶持"),
        ("volunteer", "志愿服务"),
        ("culture_sports", "文体服务"),
        ("advice", "建议意见"),
    ]
    labels = {e["name"]: e for e in client.get("meta/enums").json()["enums"]}
    assert {v["code"] for v in labels["service_category"]["values"]} == {c["code"] for c in body["items"]}
    assert_problem(client.get("service-categories"), 401, "unauthorized")


def test_community_posts_a_need_and_a_unit_offers_a_resource(client: TestClient, w: World) -> None:
    need = client.post(
        "service-items",
        json={"title": "独居老人定期探访", "category": "hardship_aid", "capacity": 2, "claim_deadline": "2099-12-31"},
        headers=w.community_admin,
    )
    assert need.status_code == 201, need.text
    item = need.json()
    assert need.headers["Location"] == f"/api/v1/service-items/{item['id']}"
    assert item["direction"] == "need" and item["status"] == "draft"
    assert item["provider_org"] == {"id": w.community, "name": item["provider_org"]["name"], "kind": "community"}
    assert (item["capacity"], item["active_claims"], item["free_capacity"]) == (2, 0, 2)
    assert item["claim_deadline"] == "2099-12-31" and item["template_code"] is None

    resource = client.post("service-items", json={"title": "送法进社区", "category": "volunteer"}, headers=w.unit_admin)
    assert resource.json()["direction"] == "resource" and resource.json()["capacity"] == 1
    social = client.post("service-items", json={"title": "义诊", "category": "volunteer"}, headers=w.social_admin)
    assert social.json()["direction"] == "resource"


def test_who_may_create_items(client: TestClient, w: World) -> None:
    body = {"title": "篮球友谊赛", "category": "culture_sports"}
    assert_problem(client.post("service-items", json=body, headers=w.member), 403, "forbidden")
    assert_problem(
        client.post("service-items", json={**body, "provider_org_id": w.community}, headers=w.unit_admin),
        403,
        "not_own_organization",
    )
    assert_problem(client.post("service-items", json=body, headers=w.admin), 422, "organization_required")
    by_admin = client.post("service-items", json={**body, "provider_org_id": w.unit}, headers=w.admin)
    assert by_admin.status_code == 201 and by_admin.json()["provider_org"]["id"] == w.unit
    assert_problem(client.post("service-items", json=body), 401, "unauthorized")
    bad = client.post("service-items", json={**body, "category": "sports", "capacity": 0}, headers=w.admin)
    assert sorted(e["field"] for e in assert_problem(bad, 422, "validation_error")["errors"]) == [
        "body.capacity",
        "body.category",
    ]


def test_drafts_are_seen_only_by_their_provider_and_admins(client: TestClient, w: World) -> None:
    draft = make_item(w.community, status="draft")
    published = make_item(w.community)
    assert client.get(f"service-items/{draft}", headers=w.community_admin).status_code == 200
    assert client.get(f"service-items/{draft}", headers=w.admin).status_code == 200
    for other in (w.unit_admin, w.member):  # a partner unit's admin, and one of its members
        assert_problem(client.get(f"service-items/{draft}", headers=other), 404, "not_found")
        assert [i["id"] for i in client.get("service-items", headers=other).json()["items"]] == [published]
    # A community the provider doesn't work with sees neither.
    assert_problem(client.get(f"service-items/{published}", headers=w.other_community_admin), 404, "not_found")
    assert client.get("service-items", headers=w.other_community_admin).json()["total"] == 0
    listed = client.get("service-items", headers=w.community_admin).json()
    assert {i["id"] for i in listed["items"]} == {draft, published}


def test_provider_edits_publishes_and_closes_with_etags(client: TestClient, w: World) -> None:
    item_id = make_item(w.community, status="draft")
    got = client.get(f"service-items/{item_id}", headers=w.community_admin)
    assert got.headers["ETag"] == '"v1"'
    assert_problem(
        client.patch(f"service-items/{item_id}", json={"title": "新标题"}, headers=w.unit_admin),
        404,
        "not_found",
    )
    patched = client.patch(
        f"service-items/{item_id}",
        json={"title": "新标题", "capacity": 4, "claim_deadline": None},
        headers={**w.community_admin, "If-Match": '"v1"'},
    )
    assert patched.status_code == 200 and patched.json()["title"] == "新标题" and patched.json()["version"] == 2
    assert_problem(
        client.patch(
            f"service-items/{item_id}", json={"title": "x2"}, headers={**w.community_admin, "If-Match": '"v1"'}
        ),
        412,
        "precondition_failed",
    )
    assert_problem(
        client.patch(f"service-items/{item_id}", json={"title": None}, headers=w.community_admin),
        422,
        "validation_error",
    )
    closing = assert_problem(
        client.post(f"service-items/{item_id}/close", headers=w.community_admin), 409, "item_invalid_transition"
    )
    assert closing["detail"] == "服务项目当前为“草稿”，不能改为“已关闭”"
    published = client.post(f"service-items/{item_id}/publish", headers=w.community_admin).json()
    assert published["status"] == "published" and published["published_at"]
    # Now public: other organisations see it but may not change it.
    assert_problem(client.post(f"service-items/{item_id}/close", headers=w.unit_admin), 403, "not_item_provider")
    assert_problem(
        client.post(f"service-items/{item_id}/publish", headers=w.community_admin), 409, "item_invalid_transition"
    )
    closed = client.post(f"service-items/{item_id}/close", headers=w.community_admin).json()
    assert closed["status"] == "closed" and closed["closed_at"]
    reopened = client.post(f"service-items/{item_id}/publish", headers=w.admin).json()
    assert reopened["status"] == "published" and reopened["closed_at"] is None


def test_capacity_cannot_drop_below_active_claims(client: TestClient, w: World) -> None:
    item_id = make_item(w.community, capacity=3)
    _claim(client, item_id, w.unit_admin)
    _claim(client, item_id, w.other_unit_admin)
    assert_problem(
        client.patch(f"service-items/{item_id}", json={"capacity": 1}, headers=w.community_admin),
        409,
        "capacity_below_active_claims",
    )
    assert (
        client.patch(f"service-items/{item_id}", json={"capacity": 2}, headers=w.community_admin).json()[
            "free_capacity"
        ]
        == 0
    )


def test_item_filters_and_active_claim_counts(client: TestClient, w: World) -> None:
    full = make_item(w.community, category="hardship_aid", capacity=1, title="结对帮扶")
    open_need = make_item(w.community, category="volunteer", capacity=2, title="治安巡逻")
    offer = make_item(w.unit, category="advice", title="法律风险评估")
    social_offer = make_item(w.social, category="volunteer", title="义诊")
    closed = make_item(w.community, status="closed", title="旧项目", category="funding")
    _claim(client, full, w.unit_admin)
    _claim(client, open_need, w.unit_admin)

    def ids(query: str) -> list[int]:
        response = client.get(f"service-items?{query}", headers=w.admin)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    assert ids("") == [full, open_need, offer, social_offer, closed]
    assert ids("category=volunteer") == [open_need, social_offer]
    assert ids("direction=resource") == [offer, social_offer]
    assert ids("provider_kind=social") == [social_offer]
    assert ids("provider_kind=community&status=published") == [full, open_need]
    assert ids("status=closed") == [closed]
    assert ids("has_free_capacity=true&status=published") == [open_need, offer, social_offer]
    assert ids("has_free_capacity=false") == [full]
    assert ids(f"provider_org_id={w.unit}") == [offer]
    assert ids("q=巡逻") == [open_need]
    assert ids("sort=-id")[0] == closed
    counts = {
        i["id"]: (i["active_claims"], i["free_capacity"])
        for i in client.get("service-items", headers=w.admin).json()["items"]
    }
    assert counts[full] == (1, 0) and counts[open_need] == (1, 1) and counts[offer] == (0, 1)
    assert_problem(client.get("service-items?provider_kind=club", headers=w.member), 422, "validation_error")


def test_unloaded_category_is_422(client: TestClient, w: World) -> None:
    from gongjian.db import unit_of_work
    from gongjian.models import ServiceCategory

    with unit_of_work() as session:
        session.query(ServiceCategory).filter(ServiceCategory.code == "advice").delete()
    response = client.post("service-items", json={"title": "建议", "category": "advice"}, headers=w.community_admin)
    assert_problem(response, 422, "category_not_loaded")


# --- claim rules -------------------------------------------------------------------------------


def test_only_published_items_can_be_claimed(client: TestClient, w: World) -> None:
    draft = make_item(w.community, status="draft")
    closed = make_item(w.community, status="closed")
    assert_problem(_claim(client, draft, w.unit_admin), 404, "not_found")  # a draft is invisible to others
    assert_problem(_claim(client, draft, w.admin, organization_id=w.unit), 409, "item_not_published")
    assert_problem(_claim(client, closed, w.unit_admin), 409, "item_not_published")


def test_claims_close_after_the_deadline_day(client: TestClient, w: World) -> None:
    today = local_today()
    past = make_item(w.community, claim_deadline=today - timedelta(days=1))
    last_day = make_item(w.community, claim_deadline=today)
    body = assert_problem(_claim(client, past, w.unit_admin), 409, "claim_deadline_passed")
    assert (today - timedelta(days=1)).isoformat() in body["detail"]
    assert _claim(client, last_day, w.unit_admin).status_code == 201


def test_an_organisation_cannot_claim_its_own_item(client: TestClient, w: World) -> None:
    need = make_item(w.community)
    offer = make_item(w.unit)
    assert_problem(_claim(client, need, w.community_admin), 409, "own_item")
    assert_problem(_claim(client, offer, w.unit_admin), 409, "own_item")
    assert_problem(_claim(client, offer, w.admin, organization_id=w.unit), 409, "own_item")


def test_needs_are_claimed_by_units_and_resources_by_communities(client: TestClient, w: World) -> None:
    need = make_item(w.community)
    offer = make_item(w.unit, capacity=2)
    assert_problem(_claim(client, need, w.admin, organization_id=w.other_community), 409, "claimant_kind_not_allowed")
    for org in (w.other_unit, w.social):  # units don't see each other's resources: an admin names them
        assert_problem(_claim(client, offer, w.admin, organization_id=org), 409, "claimant_kind_not_allowed")
    assert _claim(client, need, w.social_admin).status_code == 201
    by_community = _claim(client, offer, w.community_admin, note="请来社区讲一次")
    assert by_community.status_code == 201
    claim = by_community.json()
    assert claim["organization"]["id"] == w.community and claim["note"] == "请来社区讲一次"
    assert claim["item"]["direction"] == "resource" and claim["status"] == "claimed"


def test_one_active_claim_per_organisation_and_item(client: TestClient, w: World) -> None:
    item_id = make_item(w.community, capacity=5)
    first = _claim(client, item_id, w.unit_admin).json()
    assert_problem(_claim(client, item_id, w.unit_admin), 409, "already_claimed")
    client.post(f"claims/{first['id']}/withdraw", json={"reason": "人手不足"}, headers=w.unit_admin)
    again = _claim(client, item_id, w.unit_admin)
    assert again.status_code == 201 and again.json()["id"] != first["id"]


def test_capacity_is_never_exceeded_and_withdrawal_or_rejection_frees_a_place(client: TestClient, w: World) -> None:
    item_id = make_item(w.community, capacity=2)
    first = _claim(client, item_id, w.unit_admin).json()
    second = _claim(client, item_id, w.other_unit_admin).json()
    body = assert_problem(_claim(client, item_id, w.social_admin), 409, "capacity_full")
    assert "2" in body["detail"]
    assert client.get(f"service-items/{item_id}", headers=w.member).json()["free_capacity"] == 0

    withdrawn = client.post(f"claims/{first['id']}/withdraw", headers=w.unit_admin)
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["ended_at"]
    third = _claim(client, item_id, w.social_admin)
    assert third.status_code == 201
    assert_problem(_claim(client, item_id, w.unit_admin), 409, "capacity_full")

    rejected = client.post(f"claims/{second['id']}/reject", json={"reason": "不符合要求"}, headers=w.community_admin)
    assert rejected.json()["status"] == "rejected" and rejected.json()["end_reason"] == "不符合要求"
    assert _claim(client, item_id, w.unit_admin).status_code == 201
    item = client.get(f"service-items/{item_id}", headers=w.member).json()
    assert (item["active_claims"], item["free_capacity"]) == (2, 0)


def test_who_may_claim_and_for_which_organisation(client: TestClient, w: World) -> None:
    item_id = make_item(w.community, capacity=3)
    assert_problem(_claim(client, item_id, w.member), 403, "forbidden")
    assert_problem(_claim(client, item_id, w.unit_admin, organization_id=w.other_unit), 403, "not_own_organization")
    assert_problem(_claim(client, item_id, w.admin), 422, "organization_required")
    archived = make_org(OrganizationKind.unit)
    client.post(f"organizations/{archived}/archive", headers=w.admin)
    assert_problem(_claim(client, item_id, w.admin, organization_id=archived), 422, "organization_not_found")
    by_admin = _claim(client, item_id, w.admin, organization_id=w.other_unit)
    assert by_admin.status_code == 201 and by_admin.json()["organization"]["id"] == w.other_unit
    assert by_admin.headers["Location"] == f"/api/v1/claims/{by_admin.json()['id']}"
    explicit_own = _claim(client, item_id, w.unit_admin, organization_id=w.unit)
    assert explicit_own.status_code == 201 and explicit_own.json()["claimed_by"] == "测试用户"
    assert_problem(_claim(client, item_id, {}), 401, "unauthorized")
    assert_problem(_claim(client, 999_999, w.unit_admin), 404, "not_found")


# --- what the caller may do, on each item read ------------------------------------------------


def _caller_view(client: TestClient, item_id: int, headers: dict[str, str]) -> tuple[Any, bool]:
    """`(caller_claim, caller_may_claim)` of the item, from its detail and from the list, which agree."""
    detail = client.get(f"service-items/{item_id}", headers=headers).json()
    page = client.get("service-items?page_size=100", headers=headers).json()["items"]
    listed = [i for i in page if i["id"] == item_id]
    assert [(i["caller_claim"], i["caller_may_claim"]) for i in listed] == [
        (detail["caller_claim"], detail["caller_may_claim"])
    ]
    return detail["caller_claim"], detail["caller_may_claim"]


def test_items_carry_the_callers_active_claim_and_whether_it_may_claim(client: TestClient, w: World) -> None:
    item_id = make_item(w.community, capacity=3)
    assert _caller_view(client, item_id, w.unit_admin) == (None, True)
    claim = _claim(client, item_id, w.unit_admin).json()
    # The organisation that holds the item sees its claim and no 认领; one that doesn't may claim.
    assert _caller_view(client, item_id, w.unit_admin) == ({"id": claim["id"], "status": "claimed"}, False)
    assert _caller_view(client, item_id, w.other_unit_admin) == (None, True)
    assert _caller_view(client, item_id, w.social_admin) == (None, True)
    # The provider can't claim its own need, another community can't claim a need, a member claims
    # nothing, and a platform admin acts for no organisation unless it names one.
    for headers in (w.community_admin, w.member, w.admin):
        assert _caller_view(client, item_id, headers) == (None, False)
    assert_problem(client.get(f"service-items/{item_id}", headers=w.other_community_admin), 404, "not_found")

    cid = claim["id"]
    client.post(f"claims/{cid}/start", headers=w.unit_admin)
    client.post(f"claims/{cid}/complete", json={"report": "已完成"}, headers=w.unit_admin)
    assert _caller_view(client, item_id, w.unit_admin) == ({"id": cid, "status": "completed"}, False)
    verified = client.post(f"claims/{cid}/verify", json={"rating": 4}, headers=w.community_admin)
    assert verified.json()["status"] == "verified"
    # A verified claim still holds the item: claiming again would be `already_claimed`.
    assert _caller_view(client, item_id, w.unit_admin) == ({"id": cid, "status": "verified"}, False)
    assert_problem(_claim(client, item_id, w.unit_admin), 409, "already_claimed")


def test_a_withdrawn_claim_is_no_longer_the_callers_and_full_or_late_items_cannot_be_claimed(
    client: TestClient, w: World
) -> None:
    item_id = make_item(w.community, capacity=1)
    claim = _claim(client, item_id, w.unit_admin).json()
    assert _caller_view(client, item_id, w.other_unit_admin) == (None, False)  # no place left
    client.post(f"claims/{claim['id']}/withdraw", headers=w.unit_admin)
    assert _caller_view(client, item_id, w.unit_admin) == (None, True)
    assert _caller_view(client, item_id, w.other_unit_admin) == (None, True)
    late = make_item(w.community, claim_deadline=local_today() - timedelta(days=1))
    closed = make_item(w.community, status="closed")
    offer = make_item(w.unit)
    assert _caller_view(client, late, w.unit_admin) == (None, False)
    assert _caller_view(client, closed, w.unit_admin) == (None, False)
    assert _caller_view(client, offer, w.community_admin) == (None, True)
    assert _caller_view(client, offer, w.unit_admin) == (None, False)  # its own resource


def test_caller_may_claim_is_exactly_what_the_claim_endpoint_allows(client: TestClient, w: World) -> None:
    items = [
        make_item(w.community, capacity=2),
        make_item(w.community, capacity=1),
        make_item(w.unit),
        make_item(w.social, claim_deadline=local_today()),
        make_item(w.community, claim_deadline=local_today() - timedelta(days=1)),
        make_item(w.community, status="closed"),
    ]
    reader = api_key_headers(client, w.admin, ["claims:read"], organization_id=w.other_unit)
    writer = api_key_headers(client, w.admin, ["claims:read", "claims:write"], organization_id=w.social)
    # A unit whose partnership ended after it had claimed (and withdrawn) the first item: it still
    # sees that item, but may not claim it again.
    former = make_org(OrganizationKind.unit)
    former_admin = headers_for(client, Role.unit_admin, former)
    ended = make_partnership(former, w.community)
    first = _claim(client, items[0], former_admin).json()["id"]
    client.post(f"claims/{first}/withdraw", headers=former_admin)
    client.post(f"partnerships/{ended}/archive", headers=w.admin)
    assert_problem(_claim(client, items[0], former_admin), 409, "not_partners")
    callers = [
        w.unit_admin,
        w.other_unit_admin,
        w.social_admin,
        w.community_admin,
        w.other_community_admin,
        former_admin,
        w.member,
        w.admin,
        reader,
        writer,
    ]
    for _round in range(2):  # the second round meets the claims the first one made
        for item_id in items:
            for headers in callers:
                if client.get(f"service-items/{item_id}", headers=headers).status_code == 404:
                    # not on its board (no partnership, no claim of its own): nothing to claim
                    # (a read-only key is refused for its scope first)
                    assert _claim(client, item_id, headers).status_code in (403, 404)
                    continue
                _, may = _caller_view(client, item_id, headers)
                made = _claim(client, item_id, headers)
                assert (made.status_code == 201) is may, (item_id, made.text)


def test_the_item_list_reads_claims_without_a_query_per_item(client: TestClient, w: World) -> None:
    from sqlalchemy import event

    from gongjian.db import get_engine

    for _ in range(6):
        _claim(client, make_item(w.community, capacity=2), w.unit_admin)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        page = client.get("service-items", headers=w.unit_admin).json()
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    assert len(page["items"]) == 6 and all(i["caller_claim"] for i in page["items"])
    reads = [s for s in statements if "service_items" in s]
    assert len(reads) == 1, reads  # the page with its total and its claim columns: one round trip


# --- transitions -------------------------------------------------------------------------------


def test_claim_lifecycle_claimed_started_completed_verified(client: TestClient, w: World) -> None:
    item_id = make_item(w.community)
    claim = _claim(client, item_id, w.unit_admin).json()
    cid = claim["id"]
    assert client.get(f"claims/{cid}", headers=w.member).headers["ETag"] == '"v1"'
    started = client.post(f"claims/{cid}/start", headers={**w.unit_admin, "If-Match": '"v1"'})
    assert started.status_code == 200 and started.json()["status"] == "in_progress" and started.json()["started_at"]
    assert started.headers["ETag"] == '"v2"'
    completed = client.post(f"claims/{cid}/complete", json={"report": "已组织 12 人次探访"}, headers=w.unit_admin)
    assert completed.json()["status"] == "completed" and completed.json()["completion_report"] == "已组织 12 人次探访"
    verified = client.post(f"claims/{cid}/verify", json={"rating": 5, "comment": "居民满意"}, headers=w.community_admin)
    body = verified.json()
    assert (body["status"], body["rating"], body["verify_comment"]) == ("verified", 5, "居民满意")
    assert body["verified_at"] and body["completed_at"]
    # A verified claim keeps its place: the item was served by it.
    assert client.get(f"service-items/{item_id}", headers=w.member).json()["active_claims"] == 1


def test_items_and_claims_say_what_each_caller_may_do(client: TestClient, w: World) -> None:
    """The SPA's buttons read these answers (no copy of the rules on the client)."""
    item_id = make_item(w.community, status="draft")

    def item_actions(headers: dict[str, str]) -> list[str]:
        response = client.get(f"service-items/{item_id}", headers=headers)
        assert response.status_code == 200, response.text
        return list(response.json()["allowed_actions"])

    # Only the provider (and a platform admin) edits, publishes a draft or a closed item, closes a published one.
    assert item_actions(w.community_admin) == item_actions(w.admin) == ["edit", "publish"]
    ok = client.post(f"service-items/{item_id}/publish", headers=w.community_admin)
    assert ok.status_code == 200, ok.text
    assert ok.json()["allowed_actions"] == ["edit", "close"]
    assert item_actions(w.unit_admin) == item_actions(w.member) == []

    claim = _claim(client, item_id, w.unit_admin).json()
    cid = claim["id"]
    assert claim["allowed_actions"] == ["start", "withdraw"]

    def claim_actions(headers: dict[str, str]) -> list[str]:
        response = client.get(f"claims/{cid}", headers=headers)
        assert response.status_code == 200, response.text
        return list(response.json()["allowed_actions"])

    # The claimant works it, the provider reviews it; a platform admin acts for either; a member reads only.
    assert claim_actions(w.community_admin) == ["reject"]
    assert claim_actions(w.admin) == ["start", "withdraw", "reject"]
    assert claim_actions(w.member) == []
    started = client.post(f"claims/{cid}/start", headers=w.unit_admin).json()
    assert started["allowed_actions"] == ["complete", "withdraw"]
    client.post(f"claims/{cid}/complete", json={"report": "已完成"}, headers=w.unit_admin)
    assert claim_actions(w.unit_admin) == []
    assert claim_actions(w.community_admin) == ["verify", "reject"]
    listed = client.get("claims", params={"item_id": item_id}, headers=w.community_admin).json()["items"]
    assert [(c["id"], c["allowed_actions"]) for c in listed] == [(cid, ["verify", "reject"])]
    verified = client.post(f"claims/{cid}/verify", json={"rating": 5}, headers=w.community_admin).json()
    assert verified["allowed_actions"] == []


def test_illegal_claim_transitions_are_409(client: TestClient, w: World) -> None:
    item_id = make_item(w.community, capacity=2)
    cid = _claim(client, item_id, w.unit_admin).json()["id"]

    def post(action: str, headers: dict[str, str], body: dict[str, Any] | None = None) -> Any:
        return client.post(f"claims/{cid}/{action}", json=body, headers=headers)

    early = assert_problem(post("complete", w.unit_admin, {"report": "完成"}), 409, "claim_invalid_transition")
    assert early["detail"] == "认领当前为“已认领”，不能改为“已完成”"
    assert_problem(post("verify", w.community_admin, {"rating": 4}), 409, "claim_invalid_transition")
    post("start", w.unit_admin)
    assert_problem(post("start", w.unit_admin), 409, "claim_invalid_transition")
    assert_problem(post("verify", w.community_admin, {"rating": 4}), 409, "claim_invalid_transition")
    post("complete", w.unit_admin, {"report": "完成"})
    assert_problem(post("withdraw", w.unit_admin), 409, "claim_invalid_transition")
    post("verify", w.community_admin, {"rating": 3})
    assert_problem(post("verify", w.community_admin, {"rating": 3}), 409, "claim_invalid_transition")
    assert_problem(post("reject", w.community_admin, {"reason": "晚了"}), 409, "claim_invalid_transition")

    other = _claim(client, item_id, w.other_unit_admin).json()["id"]
    client.post(f"claims/{other}/withdraw", headers=w.other_unit_admin)
    for action, body in (("start", None), ("withdraw", None), ("complete", {"report": "x"})):
        assert_problem(
            client.post(f"claims/{other}/{action}", json=body, headers=w.other_unit_admin),
            409,
            "claim_invalid_transition",
        )
    assert_problem(
        client.post(f"claims/{other}/reject", json={"reason": "x"}, headers=w.community_admin),
        409,
        "claim_invalid_transition",
    )


def test_provider_rejects_a_completed_claim(client: TestClient, w: World) -> None:
    cid = _claim(client, make_item(w.community), w.unit_admin).json()["id"]
    client.post(f"claims/{cid}/start", headers=w.unit_admin)
    client.post(f"claims/{cid}/complete", json={"report": "完成"}, headers=w.unit_admin)
    assert (
        client.post(f"claims/{cid}/reject", json={"reason": "没有完成"}, headers=w.community_admin).json()["status"]
        == "rejected"
    )


def test_only_the_provider_verifies_or_rejects_and_only_the_claimant_acts(client: TestClient, w: World) -> None:
    cid = _claim(client, make_item(w.community), w.unit_admin).json()["id"]
    for stranger in (w.other_unit_admin, w.community_admin, w.member):
        assert_problem(client.post(f"claims/{cid}/start", headers=stranger), 403, "not_claimant")
        assert_problem(client.post(f"claims/{cid}/withdraw", headers=stranger), 403, "not_claimant")
    client.post(f"claims/{cid}/start", headers=w.unit_admin)
    assert_problem(
        client.post(f"claims/{cid}/complete", json={"report": "x"}, headers=w.other_unit_admin), 403, "not_claimant"
    )
    client.post(f"claims/{cid}/complete", json={"report": "完成"}, headers=w.unit_admin)
    assert_problem(
        client.post(f"claims/{cid}/verify", json={"rating": 5}, headers=w.other_community_admin), 404, "not_found"
    )
    for stranger in (w.unit_admin, w.member):
        assert_problem(
            client.post(f"claims/{cid}/verify", json={"rating": 5}, headers=stranger), 403, "not_item_provider"
        )
        assert_problem(
            client.post(f"claims/{cid}/reject", json={"reason": "x"}, headers=stranger), 403, "not_item_provider"
        )
    bad_rating = client.post(f"claims/{cid}/verify", json={"rating": 6}, headers=w.community_admin)
    assert assert_problem(bad_rating, 422, "validation_error")["errors"][0]["field"] == "body.rating"
    assert client.post(f"claims/{cid}/verify", json={"rating": 1}, headers=w.admin).json()["status"] == "verified"


def test_stale_if_match_on_a_transition_is_412(client: TestClient, w: World) -> None:
    cid = _claim(client, make_item(w.community), w.unit_admin).json()["id"]
    client.post(f"claims/{cid}/start", headers=w.unit_admin)
    stale = client.post(f"claims/{cid}/withdraw", headers={**w.unit_admin, "If-Match": '"v1"'})
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(f"claims/{cid}", headers=w.unit_admin).json()["status"] == "in_progress"


# --- lists, summary, access --------------------------------------------------------------------


def test_claim_lists_filter_by_organisation_item_and_status(client: TestClient, w: World) -> None:
    a = make_item(w.community, capacity=3, category="hardship_aid")
    b = make_item(w.community, capacity=3)
    offer = make_item(w.unit)
    c1 = _claim(client, a, w.unit_admin).json()["id"]
    c2 = _claim(client, a, w.other_unit_admin).json()["id"]
    c3 = _claim(client, b, w.unit_admin).json()["id"]
    c4 = _claim(client, offer, w.community_admin).json()["id"]
    client.post(f"claims/{c2}/withdraw", headers=w.other_unit_admin)

    def ids(path: str) -> list[int]:
        response = client.get(path, headers=w.member)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert ids("claims?sort=id") == [c1, c2, c3, c4]
    assert ids(f"claims?organization_id={w.unit}&sort=id") == [c1, c3]
    assert ids(f"claims?item_id={a}&sort=id") == [c1, c2]
    assert ids("claims?status=withdrawn") == [c2]
    assert ids("claims?category=hardship_aid&sort=id") == [c1, c2]
    assert ids(f"claims?provider_org_id={w.unit}") == [c4]
    assert ids(f"service-items/{a}/claims?sort=id") == [c1, c2]
    assert ids(f"service-items/{a}/claims?status=claimed") == [c1]
    assert_problem(client.get("service-items/999999/claims", headers=w.member), 404, "not_found")
    assert_problem(client.get("claims/999999", headers=w.member), 404, "not_found")


def test_claims_summary_by_category_and_status(client: TestClient, w: World) -> None:
    aid = make_item(w.community, capacity=3, category="hardship_aid")
    vol = make_item(w.community, capacity=3, category="volunteer")
    c1 = _claim(client, aid, w.unit_admin).json()["id"]
    _claim(client, aid, w.other_unit_admin)
    _claim(client, vol, w.unit_admin)
    client.post(f"claims/{c1}/start", headers=w.unit_admin)
    client.post(f"claims/{c1}/complete", json={"report": "完成"}, headers=w.unit_admin)
    client.post(f"claims/{c1}/verify", json={"rating": 5}, headers=w.community_admin)
    wd = _claim(client, vol, w.other_unit_admin).json()["id"]
    client.post(f"claims/{wd}/withdraw", headers=w.other_unit_admin)

    summary = client.get("claims/summary", headers=w.community_admin).json()
    assert summary["total"] == 4
    assert summary["by_category_and_status"] == [
        {"category": "hardship_aid", "status": "claimed", "count": 1},
        {"category": "hardship_aid", "status": "verified", "count": 1},
        {"category": "volunteer", "status": "claimed", "count": 1},
        {"category": "volunteer", "status": "withdrawn", "count": 1},
    ]
    by_category = {c["category"]: c for c in summary["by_category"]}
    assert len(by_category) == 5
    assert by_category["hardship_aid"] == {"category": "hardship_aid", "claims": 2, "completed": 1, "verified": 1}
    assert by_category["volunteer"]["claims"] == 1 and by_category["advice"]["claims"] == 0

    mine = client.get(f"claims/summary?organization_id={w.unit}", headers=w.unit_admin).json()
    assert mine["total"] == 2 and mine["organization_id"] == w.unit
    today = local_today()
    assert client.get(f"claims/summary?since={today}&until={today}", headers=w.admin).json()["total"] == 4
    tomorrow = today + timedelta(days=1)
    assert client.get(f"claims/summary?since={tomorrow}", headers=w.admin).json()["total"] == 0
    assert_problem(
        client.get(f"claims/summary?since={tomorrow}&until={today}", headers=w.admin), 422, "invalid_date_range"
    )
    assert_problem(client.get("claims/summary?since=0", headers=w.admin), 422, "validation_error")


def test_api_keys_need_the_claims_scopes(client: TestClient, w: World) -> None:
    item_id = make_item(w.community)
    reader = api_key_headers(client, w.admin, ["claims:read"], organization_id=w.unit)
    writer = api_key_headers(client, w.admin, ["claims:read", "claims:write"], organization_id=w.unit)
    assert client.get("service-items", headers=reader).json()["total"] == 1
    assert_problem(_claim(client, item_id, reader), 403, "insufficient_scope")
    by_key = _claim(client, item_id, writer)
    assert by_key.status_code == 201 and by_key.json()["organization"]["id"] == w.unit
    assert by_key.json()["claimed_by"] == "测试密钥"
    unscoped = api_key_headers(client, w.admin, ["organizations:read"])
    assert_problem(client.get("claims", headers=unscoped), 403, "insufficient_scope")


@pytest.mark.parametrize(
    ("role", "list_status", "create_status"),
    [
        ("admin", 200, 422),
        ("community_admin", 200, 201),
        ("unit_admin", 200, 201),
        ("member", 200, 403),
        (None, 401, 401),
    ],
)
def test_each_role_on_the_item_and_claim_endpoints(
    client: TestClient, w: World, role: str | None, list_status: int, create_status: int
) -> None:
    headers = {
        "admin": w.admin,
        "community_admin": w.community_admin,
        "unit_admin": w.unit_admin,
        "member": w.member,
        None: {},
    }[role]
    make_item(w.community)
    for path in ("service-items", "service-categories", "claims", "claims/summary"):
        assert client.get(path, headers=headers).status_code == list_status, path
    created = client.post("service-items", json={"title": "新项目", "category": "funding"}, headers=headers)
    assert created.status_code == create_status, created.text


def test_nul_characters_are_rejected_as_bad_input_on_every_database(client: TestClient, w: World) -> None:
    # PostgreSQL can't store NUL in text; the answer must be a 422 problem there, never a 500.
    response = client.post("service-items", json={"title": "含\u0000字符", "category": "funding"}, headers=w.unit_admin)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        assert_problem(response, 422, "validation_error")
    listed = client.get("service-items?q=%00", headers=w.unit_admin)
    assert listed.status_code in (200, 422), listed.text
