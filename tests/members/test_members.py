"""Members under dual management: profiles, rules, who sees what (full or masked phone), archive."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from factories import api_key_headers, assert_problem, headers_for, make_member, make_org, make_partnership, make_user
from factories.members import MASKED, PHONE, make_world, role_headers
from gongjian.db import unit_of_work
from gongjian.models.enums import Role


def _body(community: int, unit: int | None = None, **extra: object) -> dict[str, object]:
    return {
        "name": "李明",
        "gender": "male",
        "birth_date": "1980-05-04",
        "phone": PHONE,
        "joined_party_on": "2005-07-01",
        "category": "in_service" if unit else "retired",
        "unit_org_id": unit,
        "community_org_id": community,
        "reported_on": "2017-03-01",
        "skills": ["法律咨询", "书法", "法律咨询"],
        "volunteer_number": "HS-0001",
        **extra,
    }


def test_admin_creates_an_in_service_member_and_the_contact_card_is_issued(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    unit, community = make_org("unit"), make_org("community", name="老虎头社区党委")
    created = client.post("members", json=_body(community, unit), headers=admin)
    assert created.status_code == 201, created.text
    member = created.json()
    assert created.headers["Location"] == f"/api/v1/members/{member['id']}"
    assert created.headers["ETag"] == '"v1"'
    assert member["phone"] == PHONE and member["phone_masked"] is False
    assert member["skills"] == ["法律咨询", "书法"]
    assert member["unit_org"]["id"] == unit and member["community_org"]["name"] == "老虎头社区党委"
    assert member["status"] == "active" and member["archived_at"] is None and member["version"] == 1
    assert client.get(f"members/{member['id']}", headers=admin).json() == member

    cards = client.get(f"members/{member['id']}/cards", headers=admin).json()
    assert cards["total"] == 1
    card = cards["items"][0]
    code = member["community_org"]["code"].upper()
    assert card["card_type"] == "contact" and card["status"] == "open" and card["points_balance"] is None
    assert card["number"] == f"{code}-LX-000001"
    assert client.get(f"cards/{card['id']}", headers=admin).json() == card


def test_placement_rules(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    unit, community, social = make_org("unit"), make_org("community"), make_org("social")
    no_unit = client.post("members", json=_body(community, None, category="in_service"), headers=admin)
    assert assert_problem(no_unit, 422, "unit_required")["errors"][0]["field"] == "body.unit_org_id"
    for body in (
        _body(community, community),  # the unit is a community
        _body(unit, unit),  # the community is a unit
        _body(community, social),  # an in-service member's unit must be a unit, not a social organisation
        _body(community, community, category="retired"),
    ):
        assert_problem(client.post("members", json=body, headers=admin), 422, "wrong_organization_kind")
    missing = client.post("members", json=_body(999_999, unit), headers=admin)
    assert assert_problem(missing, 422, "organization_not_found")["errors"][0]["field"] == "body.community_org_id"
    client.post(f"organizations/{unit}/archive", headers=admin)
    assert_problem(client.post("members", json=_body(community, unit), headers=admin), 422, "organization_not_found")

    # The other categories need only the community; a social organisation may be named for them.
    retired = client.post("members", json=_body(community, None, volunteer_number=None), headers=admin)
    assert retired.status_code == 201 and retired.json()["unit_org"] is None
    two_new = _body(community, social, category="two_new", volunteer_number=None)
    assert client.post("members", json=two_new, headers=admin).json()["unit_org"]["kind"] == "social"


def test_field_validation(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    unit, community = make_org("unit"), make_org("community")
    for phone in ("12812345678", "1381234567", "abc", "138123456789"):
        body = assert_problem(
            client.post("members", json=_body(community, unit, phone=phone), headers=admin), 422, "validation_error"
        )
        assert body["errors"][0]["field"] == "body.phone"
    spaced = client.post(
        "members", json=_body(community, unit, phone="+86 138-1234-5678", volunteer_number=None), headers=admin
    )
    assert spaced.json()["phone"] == PHONE
    bad = {**_body(community, unit), "category": "student", "gender": "x", "nickname": "小李", "birth_date": 1}
    fields = {
        e["field"]
        for e in assert_problem(client.post("members", json=bad, headers=admin), 422, "validation_error")["errors"]
    }
    assert fields == {"body.category", "body.gender", "body.nickname", "body.birth_date"}
    late = _body(community, unit, joined_party_on="1970-01-01", volunteer_number=None)
    assert_problem(client.post("members", json=late, headers=admin), 422, "invalid_dates")
    future = _body(community, unit, birth_date="2999-01-01", volunteer_number=None)
    assert_problem(client.post("members", json=future, headers=admin), 422, "date_in_future")
    assert client.post("members", json=_body(community, unit), headers=admin).status_code == 201
    assert_problem(client.post("members", json=_body(community, unit), headers=admin), 409, "volunteer_number_taken")
    # NUL characters (which PostgreSQL text can't hold) are bad input, in bodies and in searches.
    nul = client.post("members", json=_body(community, unit, name="李\u0000明"), headers=admin)
    assert_problem(nul, 422, "validation_error")
    assert_problem(client.get("members?q=%00", headers=admin), 422, "nul_character")
    assert_problem(client.get("organizations?q=a%00", headers=admin), 422, "nul_character")


def test_phone_is_not_stored_in_clear_text(client: TestClient) -> None:
    world = make_world()
    admin = headers_for(client, Role.admin)
    client.patch(f"members/{world.member}", json={"phone": "13900001111"}, headers=admin)
    card = client.get(f"members/{world.member}/cards", headers=admin).json()["items"][0]
    with unit_of_work() as session:
        raw = session.execute(text("SELECT * FROM members WHERE id = :id"), {"id": world.member}).one()
        audit_rows = session.execute(text("SELECT changes FROM audit_events")).all()
    dump = repr(tuple(raw)) + repr(audit_rows)
    assert "13900001111" not in dump and PHONE not in dump
    assert "1390000" not in dump and "****" not in dump
    assert client.get(f"members/{world.member}", headers=admin).json()["phone"] == "13900001111"
    assert card["card_type"] == "contact"


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "phone"),
    [
        ("admin", 200, PHONE),
        ("unit_admin", 200, PHONE),
        ("community_admin", 200, PHONE),
        ("self", 200, PHONE),
        ("other_unit_admin", 404, None),
        ("other_community_admin", 404, None),
        ("unlinked_member", 404, None),
    ],
)
def test_each_role_sees_the_same_member(client: TestClient, who: str, status: int, phone: str | None) -> None:
    world = make_world()
    caller = role_headers(client, world, who)
    got = client.get(f"members/{world.member}", headers=caller)
    listed = client.get("members", headers=caller).json()
    if status == 404:
        assert_problem(got, 404, "not_found")
        assert listed["total"] == 0 and listed["items"] == []
        assert_problem(client.get(f"members/{world.member}/cards", headers=caller), 404, "not_found")
        assert_problem(client.get(f"members/{world.member}/community-records", headers=caller), 404, "not_found")
        return
    assert got.status_code == 200
    assert got.json()["phone"] == phone and got.json()["phone_masked"] is False
    assert [m["id"] for m in listed["items"]] == [world.member]
    assert listed["items"][0]["phone"] == phone


def test_api_keys_get_masked_phones(client: TestClient) -> None:
    world = make_world()
    admin = headers_for(client, Role.admin)
    for organization_id in (None, world.community):
        key = api_key_headers(client, admin, ["members:read"], organization_id=organization_id)
        got = client.get(f"members/{world.member}", headers=key).json()
        assert got["phone"] == MASKED and got["phone_masked"] is True
        assert client.get("members", headers=key).json()["items"][0]["phone"] == MASKED
    outsider = api_key_headers(client, admin, ["members:read"], organization_id=world.other_unit)
    assert_problem(client.get(f"members/{world.member}", headers=outsider), 404, "not_found")
    no_scope = api_key_headers(client, admin, ["organizations:read"])
    assert_problem(client.get("members", headers=no_scope), 403, "insufficient_scope")
    reader = api_key_headers(client, admin, ["members:read"])
    assert_problem(
        client.patch(f"members/{world.member}", json={"name": "x"}, headers=reader), 403, "insufficient_scope"
    )


def test_a_member_sees_itself_and_no_one_else(client: TestClient) -> None:
    world = make_world()
    colleague = make_member(world.community, category="in_service", unit_org_id=world.unit, phone="13700000000")
    me = world.member_login(client)
    listed = client.get("members", headers=me).json()
    assert [m["id"] for m in listed["items"]] == [world.member] and listed["total"] == 1
    assert client.get(f"members/{world.member}", headers=me).json()["phone"] == PHONE
    assert_problem(client.get(f"members/{colleague}", headers=me), 404, "not_found")
    assert_problem(client.get(f"members/{colleague}/cards", headers=me), 404, "not_found")
    assert client.get(f"members/{world.member}/cards", headers=me).json()["total"] == 1
    # Read-only for itself.
    assert_problem(client.patch(f"members/{world.member}", json={"name": "改名"}, headers=me), 403, "forbidden")
    assert_problem(client.post(f"members/{world.member}/archive", headers=me), 403, "forbidden")
    assert_problem(client.post("members", json=_body(world.community, world.unit), headers=me), 403, "forbidden")


def test_linking_a_login(client: TestClient) -> None:
    world = make_world()
    unit_admin = role_headers(client, world, "unit_admin")
    own_user = make_user(Role.member, world.unit)
    community_user = make_user(Role.member, world.community)
    for wrong in (make_user(Role.member, world.other_unit), make_user(Role.unit_admin, world.unit), 999_999):
        response = client.patch(f"members/{world.member}", json={"user_id": wrong}, headers=unit_admin)
        assert assert_problem(response, 422, "invalid_user_link")["errors"][0]["field"] == "body.user_id"
    linked = client.patch(f"members/{world.member}", json={"user_id": own_user}, headers=unit_admin)
    assert linked.json()["user_id"] == own_user
    other = make_member(world.community, category="in_service", unit_org_id=world.unit)
    community_admin = role_headers(client, world, "community_admin")
    clash = assert_problem(
        client.patch(f"members/{other}", json={"user_id": own_user}, headers=community_admin),
        409,
        "user_already_linked",
    )
    assert clash["errors"] == [{"field": "body.user_id", "message": "该账号已关联其他党员"}]
    assert (
        client.patch(f"members/{other}", json={"user_id": community_user}, headers=community_admin).status_code == 200
    )
    assert client.patch(f"members/{world.member}", json={"user_id": None}, headers=unit_admin).json()["user_id"] is None


def test_update_with_if_match(client: TestClient) -> None:
    world = make_world()
    admin = headers_for(client, Role.admin)
    got = client.get(f"members/{world.member}", headers=admin)
    assert got.headers["ETag"] == '"v2"' or got.headers["ETag"] == '"v1"'
    etag = got.headers["ETag"]
    patched = client.patch(f"members/{world.member}", json={"name": "张红梅"}, headers={**admin, "If-Match": etag})
    assert patched.status_code == 200 and patched.json()["name"] == "张红梅"
    assert patched.headers["ETag"] != etag
    stale = client.patch(f"members/{world.member}", json={"name": "又改"}, headers={**admin, "If-Match": etag})
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(f"members/{world.member}", headers=admin).json()["name"] == "张红梅"
    same = client.patch(f"members/{world.member}", json={"phone": PHONE}, headers=admin)
    assert same.json()["version"] == patched.json()["version"]  # the same number again is no change
    assert_problem(client.patch(f"members/{world.member}", json={"name": None}, headers=admin), 422, "validation_error")
    cleared = client.patch(f"members/{world.member}", json={"phone": None, "birth_date": None}, headers=admin).json()
    assert cleared["phone"] is None and cleared["phone_masked"] is False


def test_community_admin_edits_only_community_side_fields_of_unit_members(client: TestClient) -> None:
    world = make_world()
    community_admin = role_headers(client, world, "community_admin")
    unit_admin = role_headers(client, world, "unit_admin")
    ok = client.patch(
        f"members/{world.member}",
        json={"reported_on": "2017-04-01", "skills": ["理发"], "volunteer_number": "V-9"},
        headers=community_admin,
    )
    assert ok.status_code == 200 and ok.json()["skills"] == ["理发"] and ok.json()["reported_on"] == "2017-04-01"
    for field, value in (("name", "改名"), ("phone", "13900000000"), ("category", "retired")):
        response = client.patch(f"members/{world.member}", json={field: value}, headers=community_admin)
        assert_problem(response, 403, "forbidden")
    assert_problem(client.post(f"members/{world.member}/archive", headers=community_admin), 403, "forbidden")
    # The unit edits the whole profile, including where its member reports: to a community it
    # partners with (共建), not to any community (that one would then read the member's records).
    elsewhere = {"community_org_id": world.other_community}
    assert_problem(client.patch(f"members/{world.member}", json=elsewhere, headers=unit_admin), 422, "no_partnership")
    make_partnership(world.unit, world.other_community)
    moved = client.patch(
        f"members/{world.member}",
        json={"name": "张红梅", "community_org_id": world.other_community},
        headers=unit_admin,
    )
    assert moved.status_code == 200 and moved.json()["community_org"]["id"] == world.other_community
    # The former community no longer sees the member.
    assert_problem(client.get(f"members/{world.member}", headers=community_admin), 404, "not_found")
    # A community manages its members that have no unit in full.
    retired = make_member(world.community, category="retired")
    assert client.patch(f"members/{retired}", json={"name": "王老"}, headers=community_admin).json()["name"] == "王老"


def test_org_admins_cannot_move_members_out_of_reach(client: TestClient) -> None:
    world = make_world()
    unit_admin = role_headers(client, world, "unit_admin")
    community_admin = role_headers(client, world, "community_admin")
    admin = headers_for(client, Role.admin)
    away = client.patch(f"members/{world.member}", json={"unit_org_id": world.other_unit}, headers=unit_admin)
    assert_problem(away, 403, "forbidden")
    retired = make_member(world.community, category="retired")
    away = client.patch(f"members/{retired}", json={"community_org_id": world.other_community}, headers=community_admin)
    assert_problem(away, 403, "forbidden")
    moved = client.patch(f"members/{world.member}", json={"unit_org_id": world.other_unit}, headers=admin)
    assert moved.json()["unit_org"]["id"] == world.other_unit
    assert_problem(client.get(f"members/{world.member}", headers=unit_admin), 404, "not_found")
    # Wrong kinds are refused on update too.
    wrong = client.patch(f"members/{world.member}", json={"unit_org_id": None}, headers=admin)
    assert_problem(wrong, 422, "unit_required")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 201),
        ("unit_admin", 201),
        ("community_admin", 201),
        ("other_unit_admin", 403),
        ("unlinked_member", 403),
    ],
)
def test_who_may_register_a_member(client: TestClient, who: str, status: int) -> None:
    world = make_world()
    caller = role_headers(client, world, who)
    response = client.post("members", json=_body(world.community, world.unit), headers=caller)
    if status == 403:
        assert_problem(response, 403, "forbidden")
    else:
        assert response.status_code == 201 and response.json()["unit_org"]["id"] == world.unit


def test_archive_and_restore(client: TestClient) -> None:
    world = make_world()
    unit_admin = role_headers(client, world, "unit_admin")
    archived = client.post(f"members/{world.member}/archive", headers=unit_admin)
    assert archived.status_code == 200
    assert archived.json()["status"] == "archived" and archived.json()["archived_at"] is not None
    assert_problem(client.post(f"members/{world.member}/archive", headers=unit_admin), 409, "already_archived")
    assert_problem(
        client.patch(f"members/{world.member}", json={"name": "x"}, headers=unit_admin), 409, "member_archived"
    )
    assert client.get("members?status=active", headers=unit_admin).json()["total"] == 0
    assert client.get("members?status=archived", headers=unit_admin).json()["total"] == 1
    assert client.get(f"members/{world.member}", headers=unit_admin).status_code == 200  # never deleted
    restored = client.post(f"members/{world.member}/restore", headers=unit_admin)
    assert restored.json()["status"] == "active" and restored.json()["archived_at"] is None
    assert_problem(client.post(f"members/{world.member}/restore", headers=unit_admin), 409, "not_archived")
    assert client.delete(f"members/{world.member}", headers=unit_admin).status_code == 405


def test_list_filters_search_and_sort(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    unit, community, other = make_org("unit"), make_org("community"), make_org("community")
    a = make_member(
        community,
        category="in_service",
        unit_org_id=unit,
        name="艾青",
        joined_party_on="2001-07-01",
        reported_on="2017-05-01",
    )
    b = make_member(community, category="retired", name="白云", joined_party_on="1980-07-01", reported_on="2017-03-01")
    c = make_member(other, category="mobile", name="陈白", joined_party_on="1990-07-01", reported_on="2017-04-01")

    def ids(query: str) -> list[int]:
        return [m["id"] for m in client.get(f"members?{query}", headers=admin).json()["items"]]

    assert ids("category=retired") == [b]
    assert ids(f"unit_org_id={unit}") == [a]
    assert sorted(ids(f"community_org_id={community}")) == sorted([a, b])
    assert sorted(ids("q=白")) == sorted([b, c])
    assert ids("sort=joined_party_on") == [b, c, a]
    assert ids("sort=-reported_on") == [a, c, b]
    assert ids("sort=reported_on&page_size=1&page=2") == [c]
    client.post(f"members/{b}/archive", headers=admin)
    assert ids("status=archived") == [b]
    assert sorted(ids("status=active")) == sorted([a, c])
    assert_problem(client.get("members?sort=phone", headers=admin), 422, "validation_error")
    assert_problem(client.get("members?category=student", headers=admin), 422, "validation_error")


def test_names_sort_by_pinyin_for_every_scope(client: TestClient) -> None:
    """阿 < 李 < 王 < 张 (pinyin), not by code point (张 < 李 < 王 < 阿); the same order for a platform
    admin and for an organisation's admin, whose members are read side by side (unit, community)."""
    unit, community, elsewhere = make_org("unit"), make_org("community"), make_org("community")
    zhang = make_member(community, name="张三")
    li = make_member(community, category="in_service", unit_org_id=unit, name="李四")
    wang = make_member(elsewhere, category="in_service", unit_org_id=unit, name="王五")
    a = make_member(community, name="阿强")
    make_member(elsewhere, name="艾青")  # neither the unit's nor the community's

    def ids(headers: dict[str, str], query: str) -> list[int]:
        response = client.get(f"members?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()["items"]]

    admin = headers_for(client, Role.admin)
    assert ids(admin, f"community_org_id={community}&sort=name") == [a, li, zhang]
    assert ids(admin, f"unit_org_id={unit}&sort=-name") == [wang, li]
    assert ids(headers_for(client, Role.community_admin, community), "sort=name") == [a, li, zhang]
    assert ids(headers_for(client, Role.community_admin, community), "sort=-name&page_size=2&page=2") == [a]
    unit_admin = headers_for(client, Role.unit_admin, unit)
    assert ids(unit_admin, "") == [li, wang]  # the default order is by name
    etag = client.get(f"members/{zhang}", headers=admin).headers["ETag"]
    renamed = client.patch(f"members/{zhang}", json={"name": "安然"}, headers={**admin, "If-Match": etag})
    assert renamed.status_code == 200, renamed.text
    # The key follows the name: 阿强 (a1) < 安然 (an1) < 李四 (li3).
    assert ids(admin, f"community_org_id={community}") == [a, zhang, li]


def test_pages_end_at_the_bound(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    assert client.get("members?page=500&page_size=20", headers=admin).status_code == 200
    problem = assert_problem(client.get("members?page=501&page_size=20", headers=admin), 422, "page_too_deep")
    assert "缩小筛选条件" in problem["detail"]
    assert_problem(client.get("organizations?page=101&page_size=100", headers=admin), 422, "page_too_deep")


def test_member_writes_are_audited(client: TestClient) -> None:
    world = make_world()
    admin = headers_for(client, Role.admin)
    client.patch(f"members/{world.member}", json={"name": "张红梅", "category": "retired"}, headers=admin)
    client.post(f"members/{world.member}/archive", headers=admin)
    events = client.get(f"audit-events?entity=member&entity_id={world.member}", headers=admin).json()["items"]
    assert sorted(e["action"] for e in events) == ["archive", "create", "update"]
    update = next(e for e in events if e["action"] == "update")
    assert update["changes"]["name"] == ["张红", "张红梅"] and update["changes"]["category"] == [
        "in_service",
        "retired",
    ]
    cards = client.get("audit-events?entity=card", headers=admin).json()["items"]
    assert sorted(e["action"] for e in cards) == ["create", "create", "update"]  # issued, closed, issued
