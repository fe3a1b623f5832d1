"""The catalogue (清单模板) and the claim board between partners: reading the 35 templates, adopting
them into a community's needs or a unit's resources, the template code on items and claims, and
who sees and claims what — each role over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import api_key_headers, assert_problem, headers_for, make_org, make_partnership
from factories.claims import make_item
from gongjian.db import unit_of_work
from gongjian.models import AuditEvent
from gongjian.models.enums import OrganizationKind, Role
from gongjian.reference.loader import load_all

NEED_ONLY = "SL-HA01"  # 结对帮扶困难党员
RESOURCE_ONLY = "SL-AD05"  # 社区治理法律风险评估
BOTH = "SL-VO02"  # 送法进社区普法宣传


@pytest.fixture(autouse=True)
def _catalogue() -> None:
    load_all()


class World:
    """Two communities, each with a partner unit; a social organisation partnered with the first;
    an admin for each; a member of the first unit; a platform admin."""

    def __init__(self, client: TestClient) -> None:
        self.community = make_org(OrganizationKind.community)
        self.unit = make_org(OrganizationKind.unit)
        self.social = make_org(OrganizationKind.social)
        self.other_community = make_org(OrganizationKind.community)
        self.other_unit = make_org(OrganizationKind.unit)
        make_partnership(self.unit, self.community)
        make_partnership(self.social, self.community)
        make_partnership(self.other_unit, self.other_community)
        self.admin = headers_for(client, Role.admin)
        self.community_admin = headers_for(client, Role.community_admin, self.community)
        self.unit_admin = headers_for(client, Role.unit_admin, self.unit)
        self.social_admin = headers_for(client, Role.unit_admin, self.social)
        self.other_community_admin = headers_for(client, Role.community_admin, self.other_community)
        self.other_unit_admin = headers_for(client, Role.unit_admin, self.other_unit)
        self.member = headers_for(client, Role.member, self.unit)


@pytest.fixture
def w(client: TestClient) -> World:
    return World(client)


def _adopt(client: TestClient, headers: dict[str, str], *codes: str, **body: Any) -> Any:
    return client.post("service-items/adopt", json={"template_codes": list(codes), **body}, headers=headers)


def _templates(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, dict[str, Any]]:
    response = client.get("service-templates", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {t["code"]: t for group in response.json()["categories"] for t in group["templates"]}


def _item_ids(client: TestClient, headers: dict[str, str], **params: Any) -> list[int]:
    response = client.get("service-items", params={"page_size": 100, **params}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return [i["id"] for i in body["items"]]


# --- reading the catalogue ---------------------------------------------------------------------


def test_the_catalogue_is_35_templates_in_five_groups_for_every_signed_in_role(client: TestClient, w: World) -> None:
    for headers in (w.admin, w.community_admin, w.unit_admin, w.member):
        body = client.get("service-templates", headers=headers).json()
        assert body["total"] == 35
        assert [(g["code"], g["name"], len(g["templates"])) for g in body["categories"]] == [
            ("hardship_aid", "困难帮扶", 8),
            ("funding", "资金扶持", 6),
            ("volunteer", "志愿服务", 9),
            ("culture_sports", "文体服务", 7),
            ("advice", "建议意见", 5),
        ]
        first = body["categories"][0]["templates"][0]
        assert {k: first[k] for k in ("code", "title", "category", "direction", "capacity", "sort_order")} == {
            "code": "SL-HA01",
            "title": "结对帮扶困难党员",
            "category": "hardship_aid",
            "direction": "need",
            "capacity": 5,
            "sort_order": 1,
        }
        orders = [t["sort_order"] for g in body["categories"] for t in g["templates"]]
        assert orders == sorted(orders)
    assert_problem(client.get("service-templates"), 401, "unauthorized")
    no_scope = api_key_headers(client, w.admin, ["organizations:read"])
    assert_problem(client.get("service-templates", headers=no_scope), 403, "insufficient_scope")
    reader = api_key_headers(client, w.admin, ["claims:read"])
    assert client.get("service-templates", headers=reader).json()["total"] == 35


def test_the_catalogue_filters_by_category_and_by_the_side_a_template_fits(client: TestClient, w: World) -> None:
    volunteer = client.get("service-templates", params={"category": "volunteer"}, headers=w.member).json()
    assert volunteer["total"] == 9 and [g["code"] for g in volunteer["categories"]] == ["volunteer"]
    needs = _templates(client, w.member, direction="need")
    resources = _templates(client, w.member, direction="resource")
    assert {t["direction"] for t in needs.values()} == {"need", "both"}
    assert {t["direction"] for t in resources.values()} == {"resource", "both"}
    assert BOTH in needs and BOTH in resources and NEED_ONLY not in resources and RESOURCE_ONLY not in needs
    assert len(needs) + len(resources) == 35 + sum(t["direction"] == "both" for t in needs.values())
    both = client.get("service-templates", params={"direction": "both"}, headers=w.member)
    assert assert_problem(both, 422, "validation_error")["errors"][0]["field"] == "query.direction"
    assert_problem(client.get("service-templates?category=party", headers=w.member), 422, "validation_error")


def test_each_template_says_whether_the_callers_organisation_may_adopt_it(client: TestClient, w: World) -> None:
    community = _templates(client, w.community_admin)
    unit = _templates(client, w.unit_admin)
    assert (community[NEED_ONLY]["caller_may_adopt"], community[BOTH]["caller_may_adopt"]) == (True, True)
    assert community[RESOURCE_ONLY]["caller_may_adopt"] is False
    assert (unit[RESOURCE_ONLY]["caller_may_adopt"], unit[BOTH]["caller_may_adopt"]) == (True, True)
    assert unit[NEED_ONLY]["caller_may_adopt"] is False
    for headers in (w.admin, w.member):  # a platform admin names the organisation; a member adopts nothing
        assert not any(t["caller_may_adopt"] or t["caller_item"] for t in _templates(client, headers).values())

    item = _adopt(client, w.community_admin, NEED_ONLY).json()["items"][0]
    community = _templates(client, w.community_admin)
    assert community[NEED_ONLY]["caller_item"] == {"id": item["id"], "status": "published"}
    assert community[NEED_ONLY]["caller_may_adopt"] is False
    assert _templates(client, w.other_community_admin)[NEED_ONLY]["caller_may_adopt"] is True
    client.post(f"service-items/{item['id']}/close", headers=w.community_admin)
    community = _templates(client, w.community_admin)
    assert (community[NEED_ONLY]["caller_item"], community[NEED_ONLY]["caller_may_adopt"]) == (None, True)


# --- adopting ----------------------------------------------------------------------------------


def test_a_community_adopts_templates_into_its_needs_list(client: TestClient, w: World) -> None:
    response = _adopt(client, w.community_admin, BOTH, NEED_ONLY)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["total"] == 2
    assert [i["template_code"] for i in body["items"]] == [BOTH, NEED_ONLY]  # the request's order
    first = body["items"][0]
    assert first["title"] == "送法进社区普法宣传" and first["description"].startswith("干警进社区")
    assert (first["category"], first["direction"], first["capacity"]) == ("volunteer", "need", 2)
    assert first["provider_org"]["id"] == w.community and first["status"] == "published" and first["published_at"]
    assert (first["active_claims"], first["caller_claim"], first["caller_may_claim"]) == (0, None, False)
    with unit_of_work() as session:
        events = session.execute(
            select(AuditEvent.entity_id, AuditEvent.changes).where(
                AuditEvent.entity == "service_item", AuditEvent.action == "create"
            )
        ).all()
    assert sorted((e, c["template_code"], c["status"]) for e, c in events) == sorted(
        (str(i["id"]), i["template_code"], "published") for i in body["items"]
    )
    # The partner unit sees it on its board and may claim it; the item is the community's own.
    item = client.get(f"service-items/{first['id']}", headers=w.unit_admin).json()
    assert item["caller_may_claim"] is True and item["template_code"] == BOTH
    assert _item_ids(client, w.community_admin, template_code=NEED_ONLY) == [body["items"][1]["id"]]


def test_units_and_social_organisations_offer_resources_and_drafts_on_request(client: TestClient, w: World) -> None:
    unit = _adopt(client, w.unit_admin, RESOURCE_ONLY, BOTH, publish=False, claim_deadline="2099-06-30")
    assert unit.status_code == 201, unit.text
    items = unit.json()["items"]
    assert {(i["direction"], i["status"], i["claim_deadline"], i["published_at"]) for i in items} == {
        ("resource", "draft", "2099-06-30", None)
    }
    # A draft is its own until published: the partner community doesn't see it yet.
    assert _item_ids(client, w.community_admin) == []
    published = client.post(f"service-items/{items[0]['id']}/publish", headers=w.unit_admin).json()
    assert published["status"] == "published" and published["template_code"] == RESOURCE_ONLY
    assert _item_ids(client, w.community_admin) == [items[0]["id"]]
    social = _adopt(client, w.social_admin, "SL-VO08")
    assert social.status_code == 201 and social.json()["items"][0]["direction"] == "resource"


def test_a_template_must_fit_the_adopters_side(client: TestClient, w: World) -> None:
    body = assert_problem(
        _adopt(client, w.community_admin, NEED_ONLY, RESOURCE_ONLY), 422, "template_direction_mismatch"
    )
    assert body["errors"][0]["field"] == "body.template_codes" and "社区治理法律风险评估" in body["detail"]
    assert_problem(_adopt(client, w.unit_admin, NEED_ONLY), 422, "template_direction_mismatch")
    assert _item_ids(client, w.admin) == []  # all or nothing


def test_adopting_a_template_again_is_409_until_the_open_item_is_closed(client: TestClient, w: World) -> None:
    first = _adopt(client, w.community_admin, NEED_ONLY, publish=False).json()["items"][0]
    again = assert_problem(_adopt(client, w.community_admin, "SL-HA02", NEED_ONLY), 409, "template_already_adopted")
    assert "结对帮扶困难党员" in again["detail"] and again["errors"][0]["field"] == "body.template_codes"
    assert _item_ids(client, w.admin) == [first["id"]]  # the other template was not adopted either
    # Another community has its own list.
    assert _adopt(client, w.other_community_admin, NEED_ONLY).status_code == 201
    client.post(f"service-items/{first['id']}/publish", headers=w.community_admin)
    assert_problem(_adopt(client, w.community_admin, NEED_ONLY), 409, "template_already_adopted")
    client.post(f"service-items/{first['id']}/close", headers=w.community_admin)
    second = _adopt(client, w.community_admin, NEED_ONLY)
    assert second.status_code == 201 and second.json()["items"][0]["id"] != first["id"]
    # Reopening the closed one while the new one is open would make two.
    assert_problem(
        client.post(f"service-items/{first['id']}/publish", headers=w.community_admin), 409, "template_already_adopted"
    )


def test_bad_adoption_bodies_are_422(client: TestClient, w: World) -> None:
    unknown = assert_problem(_adopt(client, w.community_admin, NEED_ONLY, "SL-XX99"), 422, "template_not_found")
    assert "SL-XX99" in unknown["detail"] and unknown["errors"][0]["field"] == "body.template_codes"
    for body in (
        {"template_codes": []},
        {"template_codes": [NEED_ONLY, NEED_ONLY]},
        {"template_codes": ["x" * 33]},
        {"template_codes": [NEED_ONLY], "publish": "maybe"},
        {"template_codes": [NEED_ONLY], "claim_deadline": "31/12/2099"},
        {"template_codes": [NEED_ONLY], "provider_org_id": 0},
        {"template_codes": [NEED_ONLY], "colour": "red"},
        {"template_codes": ["SL-HA\u000001"]},
        {},
    ):
        response = client.post("service-items/adopt", json=body, headers=w.community_admin)
        assert_problem(response, 422, "validation_error")
    assert _item_ids(client, w.admin) == []


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("admin", 422, "organization_required"),
        ("admin_names", 201, None),
        ("community_admin", 201, None),
        ("community_admin_names_other", 403, "not_own_organization"),
        ("unit_admin", 422, "template_direction_mismatch"),
        ("member", 403, "forbidden"),
        ("anonymous", 401, "unauthorized"),
        ("read_key", 403, "insufficient_scope"),
        ("write_key", 201, None),
    ],
)
def test_each_role_adopting_a_need(client: TestClient, w: World, role: str, status: int, code: str | None) -> None:
    body: dict[str, Any] = {"template_codes": [NEED_ONLY]}
    headers = {
        "admin": w.admin,
        "admin_names": w.admin,
        "community_admin": w.community_admin,
        "community_admin_names_other": w.community_admin,
        "unit_admin": w.unit_admin,
        "member": w.member,
        "anonymous": {},
        "read_key": api_key_headers(client, w.admin, ["claims:read"], organization_id=w.community),
        "write_key": api_key_headers(client, w.admin, ["claims:read", "claims:write"], organization_id=w.community),
    }[role]
    if role == "admin_names":
        body["provider_org_id"] = w.community
    if role == "community_admin_names_other":
        body["provider_org_id"] = w.other_community
    response = client.post("service-items/adopt", json=body, headers=headers)
    if code is None:
        assert response.status_code == status, response.text
        assert response.json()["items"][0]["provider_org"]["id"] == w.community
    else:
        assert_problem(response, status, code)


def test_adopting_for_an_archived_organisation_is_422(client: TestClient, w: World) -> None:
    client.post(f"organizations/{w.other_community}/archive", headers=w.admin)
    response = _adopt(client, w.admin, NEED_ONLY, provider_org_id=w.other_community)
    assert_problem(response, 422, "organization_not_found")


def test_a_retried_adoption_with_an_idempotency_key_adopts_once(client: TestClient, w: World) -> None:
    headers = {**w.community_admin, "Idempotency-Key": "adopt-needs-1"}
    first = _adopt(client, headers, NEED_ONLY, "SL-HA02")
    again = _adopt(client, headers, NEED_ONLY, "SL-HA02")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert len(_item_ids(client, w.community_admin)) == 2


# --- the template code on items and claims -----------------------------------------------------


def test_claims_show_and_filter_by_the_template_code(client: TestClient, w: World) -> None:
    need = _adopt(client, w.community_admin, NEED_ONLY).json()["items"][0]
    handmade = make_item(w.community)
    claim = client.post(f"service-items/{need['id']}/claims", json={}, headers=w.unit_admin).json()
    assert claim["item"]["template_code"] == NEED_ONLY
    client.post(f"service-items/{handmade}/claims", json={}, headers=w.unit_admin)
    listed = client.get("claims", params={"template_code": NEED_ONLY}, headers=w.unit_admin).json()
    assert [c["id"] for c in listed["items"]] == [claim["id"]]
    assert client.get("claims", headers=w.unit_admin).json()["total"] == 2
    assert client.get(f"claims/{claim['id']}", headers=w.community_admin).json()["item"]["template_code"] == NEED_ONLY
    assert _item_ids(client, w.unit_admin, template_code="SL-ZZ01") == []
    too_long = client.get("service-items", params={"template_code": "x" * 33}, headers=w.unit_admin)
    assert_problem(too_long, 422, "validation_error")


# --- the claim board between partners ----------------------------------------------------------


def test_the_board_shows_a_unit_its_partner_communities_needs_and_a_community_its_partners_resources(
    client: TestClient, w: World
) -> None:
    need = _adopt(client, w.community_admin, NEED_ONLY).json()["items"][0]["id"]
    other_need = _adopt(client, w.other_community_admin, NEED_ONLY).json()["items"][0]["id"]
    resource = _adopt(client, w.unit_admin, RESOURCE_ONLY).json()["items"][0]["id"]
    social_resource = _adopt(client, w.social_admin, BOTH).json()["items"][0]["id"]
    other_resource = _adopt(client, w.other_unit_admin, RESOURCE_ONLY).json()["items"][0]["id"]
    everything = sorted([need, other_need, resource, social_resource, other_resource])

    assert _item_ids(client, w.admin) == everything
    assert _item_ids(client, w.unit_admin) == [need, resource]  # its partner's need and its own
    assert _item_ids(client, w.member) == [need, resource]  # a member sees what its unit sees
    assert _item_ids(client, w.community_admin) == [need, resource, social_resource]
    assert _item_ids(client, w.other_community_admin) == [other_need, other_resource]
    assert _item_ids(client, w.other_unit_admin) == [other_need, other_resource]
    # The total is counted in the same scoped query: paging sees the same rows.
    paged = client.get("service-items", params={"page_size": 1, "page": 2}, headers=w.community_admin).json()
    assert paged["total"] == 3 and [i["id"] for i in paged["items"]] == [resource]
    assert_problem(client.get(f"service-items/{other_need}", headers=w.unit_admin), 404, "not_found")
    assert_problem(client.get(f"service-items/{other_need}/claims", headers=w.unit_admin), 404, "not_found")


def test_claims_are_refused_outside_a_partnership(client: TestClient, w: World) -> None:
    need = _adopt(client, w.community_admin, NEED_ONLY).json()["items"][0]["id"]
    resource = _adopt(client, w.other_unit_admin, RESOURCE_ONLY).json()["items"][0]["id"]
    # Off the board: not even there to claim.
    assert_problem(client.post(f"service-items/{need}/claims", json={}, headers=w.other_unit_admin), 404, "not_found")
    # A platform admin sees everything, but claims only between partners.
    refused = client.post(f"service-items/{need}/claims", json={"organization_id": w.other_unit}, headers=w.admin)
    assert "共建关系" in assert_problem(refused, 409, "not_partners")["detail"]
    assert_problem(
        client.post(f"service-items/{resource}/claims", json={"organization_id": w.community}, headers=w.admin),
        409,
        "not_partners",
    )
    assert (
        client.post(f"service-items/{need}/claims", json={"organization_id": w.unit}, headers=w.admin).status_code
        == 201
    )


def test_when_a_partnership_ends_the_claims_stay_readable_but_no_new_claim_is_made(
    client: TestClient, w: World
) -> None:
    partnership = make_partnership(w.other_unit, w.community)
    need, second = (i["id"] for i in _adopt(client, w.community_admin, NEED_ONLY, "SL-HA02").json()["items"])
    claim = client.post(f"service-items/{need}/claims", json={}, headers=w.other_unit_admin).json()
    assert _item_ids(client, w.other_unit_admin)[:2] == [need, second]
    client.post(f"partnerships/{partnership}/archive", headers=w.admin)
    # Its own claim and the item it is on stay on its board; the partner's other needs go.
    assert need in _item_ids(client, w.other_unit_admin) and second not in _item_ids(client, w.other_unit_admin)
    item = client.get(f"service-items/{need}", headers=w.other_unit_admin).json()
    assert item["caller_claim"] == {"id": claim["id"], "status": "claimed"} and item["caller_may_claim"] is False
    started = client.post(f"claims/{claim['id']}/start", headers=w.other_unit_admin)
    assert started.json()["status"] == "in_progress"
    withdrawn = client.post(f"claims/{claim['id']}/withdraw", headers=w.other_unit_admin)
    assert withdrawn.json()["status"] == "withdrawn"
    assert client.get(f"service-items/{need}", headers=w.other_unit_admin).json()["caller_may_claim"] is False
    again = client.post(f"service-items/{need}/claims", json={}, headers=w.other_unit_admin)
    assert_problem(again, 409, "not_partners")


def test_claim_lists_and_the_summary_are_scoped_to_partners(client: TestClient, w: World) -> None:
    need = _adopt(client, w.community_admin, NEED_ONLY).json()["items"][0]["id"]
    other_need = _adopt(client, w.other_community_admin, NEED_ONLY).json()["items"][0]["id"]
    mine = client.post(f"service-items/{need}/claims", json={}, headers=w.unit_admin).json()["id"]
    by_social = client.post(f"service-items/{need}/claims", json={}, headers=w.social_admin).json()["id"]
    theirs = client.post(f"service-items/{other_need}/claims", json={}, headers=w.other_unit_admin).json()["id"]

    def claim_ids(headers: dict[str, str]) -> list[int]:
        return [c["id"] for c in client.get("claims", params={"sort": "id"}, headers=headers).json()["items"]]

    assert claim_ids(w.admin) == [mine, by_social, theirs]
    assert claim_ids(w.unit_admin) == [mine, by_social]  # the claims on its partner's need
    assert claim_ids(w.community_admin) == [mine, by_social]
    assert claim_ids(w.other_community_admin) == [theirs]
    assert_problem(client.get(f"claims/{theirs}", headers=w.unit_admin), 404, "not_found")
    assert client.get("claims/summary", headers=w.community_admin).json()["total"] == 2
    assert client.get("claims/summary", headers=w.admin).json()["total"] == 3
