"""The five service-station cards: issued per category, typed append-only entries, points balance."""

from __future__ import annotations

import threading

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from factories import (
    PASSWORD,
    api_key_headers,
    assert_problem,
    headers_for,
    make_member,
    make_org,
    make_user,
    username_of,
)
from factories.live_server import live_server
from factories.members import MASKED, PHONE, make_world, role_headers
from gongjian.db import unit_of_work
from gongjian.models.enums import Role

EXPECTED = {
    "in_service": ("contact", "LX"),
    "retired": ("points", "JF"),
    "unemployed": ("employment", "JY"),
    "mobile": ("registration", "DJ"),
    "two_new": ("communication", "GT"),
}


def _open_card(client: TestClient, headers: dict[str, str], member_id: int) -> dict[str, object]:
    cards = client.get(f"members/{member_id}/cards", headers=headers).json()["items"]
    return next(c for c in cards if c["status"] == "open")


def test_each_category_gets_its_card_with_a_readable_unique_number(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    unit, community = make_org("unit"), make_org("community", name="老虎头社区")
    code = client.get(f"organizations/{community}", headers=admin).json()["code"].upper()
    for category, (card_type, type_code) in EXPECTED.items():
        first = make_member(community, category=category, unit_org_id=unit if category == "in_service" else None)
        second = make_member(community, category=category, unit_org_id=unit if category == "in_service" else None)
        numbers = [_open_card(client, admin, m)["number"] for m in (first, second)]
        assert numbers == [f"{code}-{type_code}-000001", f"{code}-{type_code}-000002"]
        card = _open_card(client, admin, first)
        assert card["card_type"] == card_type
        assert card["points_balance"] == (0 if card_type == "points" else None)
    labels = client.get("meta/enums").json()
    assert "card_type" in str(labels)


def test_category_change_issues_a_new_card_and_closes_the_old(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    community = make_org("community")
    member = make_member(community, category="retired")
    old = _open_card(client, admin, member)
    entry = {"card_type": "points", "occurred_on": "2017-05-01", "points": 5, "reason": "义务巡逻"}
    assert client.post(f"cards/{old['id']}/entries", json=entry, headers=admin).status_code == 201

    changed = client.patch(f"members/{member}", json={"category": "unemployed"}, headers=admin)
    assert changed.json()["category"] == "unemployed"
    cards = client.get(f"members/{member}/cards?sort=issued_at", headers=admin).json()
    assert cards["total"] == 2
    closed, new = cards["items"]
    assert closed["id"] == old["id"] and closed["status"] == "closed" and closed["closed_at"] is not None
    assert closed["points_balance"] == 5  # the old card keeps its history
    assert new["status"] == "open" and new["card_type"] == "employment" and new["closed_at"] is None
    # A closed card is read-only; its entries stay readable.
    assert_problem(client.post(f"cards/{old['id']}/entries", json=entry, headers=admin), 409, "card_closed")
    assert client.get(f"cards/{old['id']}/entries", headers=admin).json()["total"] == 1
    # Other changes don't touch the cards.
    client.patch(f"members/{member}", json={"name": "新名字"}, headers=admin)
    assert client.get(f"members/{member}/cards", headers=admin).json()["total"] == 2


def test_points_balance_arithmetic_and_reversal(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    card = _open_card(client, admin, make_member(make_org("community"), category="retired"))
    url = f"cards/{card['id']}/entries"

    def add(**body: object) -> httpx.Response:
        return client.post(
            url, json={"card_type": "points", "occurred_on": "2017-06-01", "reason": "服务", **body}, headers=admin
        )

    entries = [add(points=p).json() for p in (10, 5, -3)]
    assert [e["balance"] for e in entries] == [10, 15, 12]
    assert [e["points"] for e in entries] == [10, 5, -3]
    assert client.get(f"cards/{card['id']}", headers=admin).json()["points_balance"] == 12

    reversal = add(reverses_entry_id=entries[1]["id"], reason="录入错误，冲正")
    assert reversal.status_code == 201
    assert reversal.headers["Location"] == f"/api/v1/cards/{card['id']}/entries/{reversal.json()['id']}"
    assert reversal.json()["points"] == -5 and reversal.json()["balance"] == 7
    assert reversal.json()["reverses_entry_id"] == entries[1]["id"]
    original = client.get(f"{url}/{entries[1]['id']}", headers=admin).json()
    assert original["reversed_by_entry_id"] == reversal.json()["id"] and original["balance"] == 15  # never edited
    listed = client.get(url, headers=admin).json()
    assert [e["balance"] for e in listed["items"]] == [10, 15, 12, 7]
    assert [e["reversed_by_entry_id"] for e in listed["items"]] == [None, reversal.json()["id"], None, None]

    assert_problem(add(reverses_entry_id=entries[1]["id"]), 409, "entry_already_reversed")
    assert_problem(add(reverses_entry_id=reversal.json()["id"]), 409, "cannot_reverse_reversal")
    assert_problem(add(points=-8), 409, "insufficient_points")
    assert_problem(add(points=0), 422, "validation_error")
    assert_problem(add(points=3, reverses_entry_id=entries[0]["id"]), 422, "validation_error")
    assert_problem(add(), 422, "validation_error")
    other_card = _open_card(client, admin, make_member(make_org("community"), category="retired"))
    foreign = client.post(
        f"cards/{other_card['id']}/entries",
        json={"card_type": "points", "occurred_on": "2017-06-01", "reason": "x", "reverses_entry_id": entries[0]["id"]},
        headers=admin,
    )
    assert_problem(foreign, 422, "entry_not_found")
    assert client.get(f"cards/{card['id']}", headers=admin).json()["points_balance"] == 7
    # Entries can't be edited or deleted: there is no such operation.
    assert client.patch(f"{url}/{entries[0]['id']}", json={"points": 100}, headers=admin).status_code == 405
    assert client.delete(f"{url}/{entries[0]['id']}", headers=admin).status_code == 405


def test_points_entries_added_concurrently_keep_a_consistent_balance(client: TestClient) -> None:
    card = _open_card(client, headers_for(client, Role.admin), make_member(make_org("community"), category="retired"))
    admin = username_of(make_user(Role.admin))
    results: list[int] = []
    # Several worker processes: one process runs each request's database work without yielding.
    with live_server(workers=3) as base:
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": admin, "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}

        def add() -> None:
            body = {"card_type": "points", "occurred_on": "2017-06-01", "points": 2, "reason": "并发"}
            with httpx.Client(base_url=f"{base}/api/v1/", headers=headers, timeout=30) as http:
                for _ in range(3):
                    response = http.post(f"cards/{card['id']}/entries", json=body)
                    assert response.status_code == 201, response.text
                    results.append(response.json()["balance"])

        threads = [threading.Thread(target=add) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == list(range(2, 37, 2))  # 18 entries, every running balance exactly once
    with unit_of_work() as session:
        balance = session.execute(text("SELECT points_balance FROM cards WHERE id = :id"), {"id": card["id"]}).scalar()
    assert balance == 36


TYPED = {
    "contact": {"content": "参加社区清洁家园活动", "contact_person": "社区王书记"},
    "employment": {
        "service": "referral",
        "description": "推荐到物业公司面试",
        "provider": "社区就业站",
        "result": "已上岗",
    },
    "registration": {
        "location": "广东省深圳市",
        "employer": "某电子厂",
        "contact_phone": PHONE,
        "contact_other": "微信 zh123",
    },
    "communication": {
        "organization_name": "黄石某科技公司",
        "content": "党员在企业表现良好",
        "contact_person": "人事部刘经理",
    },
}


@pytest.mark.parametrize("card_type", list(TYPED))
def test_typed_entries(client: TestClient, card_type: str) -> None:
    admin = headers_for(client, Role.admin)
    unit, community = make_org("unit"), make_org("community")
    category = next(c for c, (t, _) in EXPECTED.items() if t == card_type)
    member = make_member(community, category=category, unit_org_id=unit if category == "in_service" else None)
    card = _open_card(client, admin, member)
    body = {"card_type": card_type, "occurred_on": "2017-07-01", **TYPED[card_type]}
    created = client.post(f"cards/{card['id']}/entries", json=body, headers=admin)
    assert created.status_code == 201, created.text
    entry = created.json()
    assert {k: entry[k] for k in body} == body
    assert entry["card_id"] == card["id"] and entry["recorded_by"]
    assert client.get(f"cards/{card['id']}/entries", headers=admin).json()["items"] == [entry]
    wrong_type = {"card_type": "points", "occurred_on": "2017-07-01", "points": 1, "reason": "x"}
    assert_problem(
        client.post(f"cards/{card['id']}/entries", json=wrong_type, headers=admin), 422, "entry_type_mismatch"
    )
    extra = {**body, "colour": "red"}
    assert_problem(client.post(f"cards/{card['id']}/entries", json=extra, headers=admin), 422, "validation_error")
    future = {**body, "occurred_on": "2999-01-01"}
    assert_problem(client.post(f"cards/{card['id']}/entries", json=future, headers=admin), 422, "date_in_future")


def test_registration_phone_is_encrypted_and_masked_for_api_keys(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    community = make_org("community")
    card = _open_card(client, admin, make_member(community, category="mobile"))
    body = {
        "card_type": "registration",
        "occurred_on": "2017-07-01",
        "location": "深圳",
        "contact_phone": "13611112222",
    }
    assert client.post(f"cards/{card['id']}/entries", json=body, headers=admin).json()["contact_phone"] == "13611112222"
    with unit_of_work() as session:
        raw = repr(session.execute(text("SELECT * FROM card_entries")).all())
        raw += repr(session.execute(text("SELECT changes FROM audit_events")).all())
    assert "13611112222" not in raw
    key = api_key_headers(client, admin, ["members:read"], organization_id=community)
    assert client.get(f"cards/{card['id']}/entries", headers=key).json()["items"][0]["contact_phone"] == "136****2222"
    assert MASKED != "136****2222"


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("admin", 200, 201),
        ("unit_admin", 200, 201),
        ("community_admin", 200, 201),
        ("self", 200, 403),
        ("other_unit_admin", 404, 404),
        ("other_community_admin", 404, 404),
        ("unlinked_member", 404, 404),
    ],
)
def test_who_reads_and_writes_cards(client: TestClient, who: str, read: int, write: int) -> None:
    world = make_world()
    card = _open_card(client, headers_for(client, Role.admin), world.member)
    caller = role_headers(client, world, who)
    body = {"card_type": "contact", "occurred_on": "2017-07-01", "content": "走访", "contact_person": "王书记"}
    for url in (f"cards/{card['id']}", f"cards/{card['id']}/entries", f"members/{world.member}/cards"):
        response = client.get(url, headers=caller)
        assert response.status_code == read
        if read == 404:
            assert_problem(response, 404, "not_found")
    response = client.post(f"cards/{card['id']}/entries", json=body, headers=caller)
    assert response.status_code == write
    if write != 201:
        assert_problem(response, write, "forbidden" if write == 403 else "not_found")
    else:
        assert response.json()["content"] == "走访"


def test_archived_member_cards_are_read_only(client: TestClient) -> None:
    world = make_world()
    admin = headers_for(client, Role.admin)
    card = _open_card(client, admin, world.member)
    client.post(f"members/{world.member}/archive", headers=admin)
    body = {"card_type": "contact", "occurred_on": "2017-07-01", "content": "走访", "contact_person": "王书记"}
    assert_problem(client.post(f"cards/{card['id']}/entries", json=body, headers=admin), 409, "member_archived")
    assert_problem(client.get("cards/999999", headers=admin), 404, "not_found")
    assert_problem(client.get(f"cards/{card['id']}/entries/999999", headers=admin), 404, "not_found")
