"""Organisations and partnerships: CRUD, validation, ETags, and who may see and change what."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import api_key_headers, assert_problem, headers_for, make_org, make_partnership
from gongjian.models.enums import Role

NEW_ORG = {"name": "老虎头社区党委", "kind": "community", "code": "LHT", "address": "黄石港区"}


def test_admin_creates_reads_updates_and_archives_an_organization(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    created = client.post("organizations", json=NEW_ORG, headers=admin)
    assert created.status_code == 201
    org = created.json()
    assert created.headers["Location"] == f"/api/v1/organizations/{org['id']}"
    assert {k: org[k] for k in NEW_ORG} == NEW_ORG
    assert org["archived_at"] is None and org["version"] == 1

    got = client.get(f"organizations/{org['id']}", headers=admin)
    assert got.json() == org
    assert got.headers["ETag"] == '"v1"'

    patched = client.patch(
        f"organizations/{org['id']}", json={"contact_person": "张书记"}, headers={**admin, "If-Match": '"v1"'}
    )
    assert patched.status_code == 200
    assert patched.json()["contact_person"] == "张书记"
    assert patched.json()["version"] == 2
    assert patched.headers["ETag"] == '"v2"'

    archived = client.post(f"organizations/{org['id']}/archive", headers=admin)
    assert archived.json()["archived_at"] is not None
    listed = client.get("organizations", headers=admin).json()
    assert listed["total"] == 0
    assert [o["id"] for o in client.get("organizations?archived=true", headers=admin).json()["items"]] == [org["id"]]
    assert_problem(client.post(f"organizations/{org['id']}/archive", headers=admin), 409, "already_archived")
    assert client.post(f"organizations/{org['id']}/restore", headers=admin).json()["archived_at"] is None


def test_stale_if_match_is_412_and_changes_nothing(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    org_id = make_org()
    client.patch(f"organizations/{org_id}", json={"address": "一"}, headers=admin)
    stale = client.patch(f"organizations/{org_id}", json={"address": "二"}, headers={**admin, "If-Match": '"v1"'})
    assert_problem(stale, 412, "precondition_failed")
    assert stale.headers["ETag"] == '"v2"'
    assert client.get(f"organizations/{org_id}", headers=admin).json()["address"] == "一"


def test_duplicate_name_or_code_is_409(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    assert client.post("organizations", json=NEW_ORG, headers=admin).status_code == 201
    taken = assert_problem(client.post("organizations", json=NEW_ORG, headers=admin), 409, "organization_name_taken")
    assert taken["errors"] == [{"field": "body.name", "message": "名称“老虎头社区党委”已被其他党组织使用"}]
    other = {**NEW_ORG, "name": "另一个社区", "code": "lht"}
    assert_problem(client.post("organizations", json=other, headers=admin), 409, "organization_code_taken")


def test_validation_errors_name_each_field(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    body = assert_problem(
        client.post(
            "organizations",
            json={"name": "x", "kind": "club", "code": "含中文", "colour": "red"},
            headers=admin,
        ),
        422,
        "validation_error",
    )
    assert sorted(e["field"] for e in body["errors"]) == [
        "body.code",
        "body.colour",
        "body.kind",
        "body.name",
    ]
    nulled = client.patch(f"organizations/{make_org()}", json={"name": None}, headers=admin)
    assert assert_problem(nulled, 422, "validation_error")["errors"][0]["field"] == "body.name"


def test_list_filters_search_sort_and_paginate(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    for name, kind in [
        ("甲社区", "community"),
        ("乙法院", "unit"),
        ("丙协会", "social"),
        ("丁社区", "community"),
    ]:
        make_org(kind, name=name)
    both = [o["name"] for o in client.get("organizations?kind=community&sort=-name", headers=admin).json()["items"]]
    assert both == sorted(["甲社区", "丁社区"], reverse=True)
    page = client.get("organizations?kind=community&sort=-name&page_size=1", headers=admin).json()
    assert page["total"] == 2 and page["page_size"] == 1 and page["page"] == 1
    assert [o["name"] for o in page["items"]] == both[:1]
    page2 = client.get("organizations?kind=community&sort=-name&page_size=1&page=2", headers=admin).json()
    assert [o["name"] for o in page2["items"]] == both[1:]
    assert [o["name"] for o in client.get("organizations?q=法院", headers=admin).json()["items"]] == ["乙法院"]
    beyond = client.get("organizations?page=9", headers=admin).json()
    assert beyond["items"] == [] and beyond["total"] == 4
    assert_problem(client.get("organizations?page_size=101", headers=admin), 422, "validation_error")
    assert_problem(client.get("organizations?sort=password", headers=admin), 422, "validation_error")
    assert_problem(client.get("organizations?page=0", headers=admin), 422, "validation_error")


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.community_admin, Role.unit_admin, Role.member])
def test_non_admins_see_only_their_own_organization(client: TestClient, role: Role) -> None:
    own = make_org("community" if role is Role.community_admin else "unit")
    other = make_org("community")
    caller = headers_for(client, role, own)
    listed = client.get("organizations", headers=caller).json()
    assert [o["id"] for o in listed["items"]] == [own] and listed["total"] == 1
    assert client.get(f"organizations/{own}", headers=caller).status_code == 200
    assert_problem(client.get(f"organizations/{other}", headers=caller), 404, "not_found")
    assert_problem(client.patch(f"organizations/{other}", json={"address": "x"}, headers=caller), 404, "not_found")
    assert_problem(client.post("organizations", json=NEW_ORG, headers=caller), 403, "forbidden")
    assert_problem(client.post(f"organizations/{own}/archive", headers=caller), 403, "forbidden")


@pytest.mark.parametrize(("role", "status"), [(Role.community_admin, 200), (Role.member, 403)])
def test_own_organization_editable_by_its_admin_only(client: TestClient, role: Role, status: int) -> None:
    own = make_org("community")
    caller = headers_for(client, role, own)
    response = client.patch(f"organizations/{own}", json={"address": "新地址"}, headers=caller)
    assert response.status_code == status
    if status == 403:
        assert_problem(response, 403, "forbidden")


def test_org_admin_cannot_change_kind_or_code(client: TestClient) -> None:
    own = make_org("community")
    caller = headers_for(client, Role.community_admin, own)
    assert_problem(client.patch(f"organizations/{own}", json={"kind": "unit"}, headers=caller), 403, "forbidden")
    assert_problem(client.patch(f"organizations/{own}", json={"code": "NEW1"}, headers=caller), 403, "forbidden")


def test_api_key_scopes_and_organization_limit(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    own, other = make_org("unit"), make_org("community")
    reader = api_key_headers(client, admin, ["organizations:read"])
    assert client.get("organizations", headers=reader).json()["total"] == 2
    assert_problem(client.post("organizations", json=NEW_ORG, headers=reader), 403, "insufficient_scope")
    scoped = api_key_headers(client, admin, ["organizations:read", "organizations:write"], organization_id=own)
    assert [o["id"] for o in client.get("organizations", headers=scoped).json()["items"]] == [own]
    assert_problem(client.get(f"organizations/{other}", headers=scoped), 404, "not_found")
    assert client.patch(f"organizations/{own}", json={"address": "改"}, headers=scoped).status_code == 200


# --- partnerships -------------------------------------------------------------------------------


def test_partnership_lifecycle_and_rules(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    court, community, other_community = make_org("unit"), make_org("community"), make_org("community")
    body = {
        "unit_org_id": court,
        "community_org_id": community,
        "start_date": "2017-03-01",
        "agreement": "共驻共建协议",
    }
    created = client.post("partnerships", json=body, headers=admin)
    assert created.status_code == 201
    row = created.json()
    assert row["unit_org"]["id"] == court and row["community_org"]["kind"] == "community"
    assert created.headers["Location"] == f"/api/v1/partnerships/{row['id']}"
    assert_problem(client.post("partnerships", json=body, headers=admin), 409, "partnership_exists")
    swapped = {**body, "unit_org_id": community, "community_org_id": court}
    assert_problem(client.post("partnerships", json=swapped, headers=admin), 422, "wrong_organization_kind")
    bad_dates = {**body, "community_org_id": other_community, "end_date": "2016-01-01"}
    assert_problem(client.post("partnerships", json=bad_dates, headers=admin), 422, "validation_error")
    missing = {**body, "community_org_id": 999_999}
    assert_problem(client.post("partnerships", json=missing, headers=admin), 422, "organization_not_found")

    active = client.get("partnerships?active_on=2018-01-01", headers=admin).json()
    assert [p["id"] for p in active["items"]] == [row["id"]]
    assert client.get("partnerships?active_on=2016-01-01", headers=admin).json()["total"] == 0

    ended = client.patch(
        f"partnerships/{row['id']}", json={"end_date": "2017-12-31"}, headers={**admin, "If-Match": '"v1"'}
    )
    assert ended.json()["end_date"] == "2017-12-31" and ended.json()["version"] == 2
    assert_problem(
        client.patch(f"partnerships/{row['id']}", json={"end_date": "2010-01-01"}, headers=admin),
        422,
        "invalid_date_range",
    )
    assert client.post(f"partnerships/{row['id']}/archive", headers=admin).json()["archived_at"] is not None
    # Archived: a new partnership between the same pair may be made.
    assert client.post("partnerships", json=body, headers=admin).status_code == 201


@pytest.mark.parametrize(
    ("role", "party", "list_total", "get_status", "patch_status"),
    [
        (Role.unit_admin, True, 1, 200, 200),
        (Role.community_admin, True, 1, 200, 200),
        (Role.member, True, 1, 200, 403),
        (Role.unit_admin, False, 0, 404, 404),
        (Role.community_admin, False, 0, 404, 404),
    ],
)
def test_partnership_visibility_by_role(
    client: TestClient, role: Role, party: bool, list_total: int, get_status: int, patch_status: int
) -> None:
    court, community = make_org("unit"), make_org("community")
    pid = make_partnership(court, community)
    kind = "community" if role is Role.community_admin else "unit"
    own = (community if kind == "community" else court) if party else make_org(kind)
    caller = headers_for(client, role, own)
    assert client.get("partnerships", headers=caller).json()["total"] == list_total
    assert client.get(f"partnerships/{pid}", headers=caller).status_code == get_status
    assert client.patch(f"partnerships/{pid}", json={"agreement": "补充"}, headers=caller).status_code == patch_status
    assert_problem(
        client.post(
            "partnerships",
            json={"unit_org_id": court, "community_org_id": community, "start_date": "2020-01-01"},
            headers=caller,
        ),
        403,
        "forbidden",
    )


def test_list_query_errors_name_each_parameter_in_chinese(client: TestClient) -> None:
    """The list parses its query as one model (kit.query): errors read as for any other parameter."""
    admin = headers_for(client, Role.admin)
    bad = assert_problem(
        client.get("organizations?page=0&kind=bogus&archived=maybe", headers=admin), 422, "validation_error"
    )
    by_field = {e["field"]: e["message"] for e in bad["errors"]}
    assert set(by_field) == {"query.page", "query.kind", "query.archived"}
    assert by_field["query.page"] == "不能小于 1" and by_field["query.archived"] == "应为 true 或 false"
    make_org("community", name="甲社区")
    make_org("unit", name="乙单位")
    # Unknown parameters are ignored and the last of a repeated one wins, as for FastAPI's own.
    page = client.get("organizations?unknown=1&kind=community&kind=unit", headers=admin).json()
    assert [o["name"] for o in page["items"]] == ["乙单位"] and page["total"] == 1


# --- the list contract (kit.pagination.read_page), through the organisation list ----------------------


def test_list_total_comes_with_the_page_and_counts_the_filters(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    communities = [make_org("community", name=f"社区{i}") for i in range(5)]
    for i in range(3):
        make_org("unit", name=f"单位{i}")
    assert client.post(f"organizations/{communities[0]}/archive", headers=admin).status_code == 200

    def page(query: str) -> dict[str, object]:
        response = client.get(f"organizations?{query}", headers=admin)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    # The default view (its total is all rows minus archived ones), then filtered views.
    assert page("page_size=3")["total"] == 7
    assert page("kind=community&page_size=2")["total"] == 4
    assert page("kind=community&q=社区&sort=-name&page_size=3&page=2") == {
        "items": [page("kind=community&sort=-name")["items"][3]],
        "total": 4,
        "page": 2,
        "page_size": 3,
    }
    assert page("archived=true")["total"] == 1
    assert page("q=单位&sort=-name&page_size=1")["total"] == 3
    # Walking the pages of one filter (one select, read with each page's LIMIT/OFFSET) sees each row once.
    walked = [o["name"] for n in (1, 2, 3) for o in page(f"sort=-name&page_size=3&page={n}")["items"]]  # type: ignore[attr-defined]
    assert walked == sorted(["社区1", "社区2", "社区3", "社区4", "单位0", "单位1", "单位2"], reverse=True)


def test_list_past_the_last_page_answers_the_total_and_no_items(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    own = make_org("community")
    for _ in range(4):
        make_org("unit")
    beyond = client.get("organizations?page=3&page_size=3", headers=admin).json()
    assert beyond == {"items": [], "total": 5, "page": 3, "page_size": 3}
    assert client.get("organizations?kind=unit&page=2&page_size=4", headers=admin).json()["total"] == 4
    assert client.get("organizations?kind=unit&page=3&page_size=4", headers=admin).json()["items"] == []
    assert client.get("organizations?kind=unit&page=3&page_size=4", headers=admin).json()["total"] == 4
    assert client.get("organizations?q=无此名称", headers=admin).json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 20,
    }
    scoped = headers_for(client, Role.community_admin, own)
    assert client.get("organizations?page=2", headers=scoped).json() == {
        "items": [],
        "total": 1,
        "page": 2,
        "page_size": 20,
    }


def test_list_sort_is_validated_against_its_keys(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    for sort in ("password", "-bogus", "name,id", "--name"):
        bad = assert_problem(client.get(f"organizations?sort={sort}", headers=admin), 422, "validation_error")
        assert [e["field"] for e in bad["errors"]] == ["query.sort"]
    for sort in ("name", "-name", "created_at", "-created_at", "id", "-id"):
        assert client.get(f"organizations?sort={sort}", headers=admin).status_code == 200


def test_organisations_sort_by_pinyin(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    names = ["张家湾社区党委", "李家坡社区党委", "王家巷社区党委", "阿家垴社区党委"]
    made = {name: make_org("community", name=name) for name in names}
    listed = client.get("organizations?q=社区党委&sort=name&page_size=100", headers=admin).json()["items"]
    ours = [org["id"] for org in listed if org["id"] in made.values()]
    assert ours == [made[name] for name in ("阿家垴社区党委", "李家坡社区党委", "王家巷社区党委", "张家湾社区党委")]
