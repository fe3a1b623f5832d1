"""The reference list: 35 items over the five categories, loaded idempotently by load-reference."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import headers_for, make_org
from gongjian.claims.reference import DATA_FILE, load_service_list
from gongjian.db import unit_of_work
from gongjian.models import Organization, ServiceCategory, ServiceItem
from gongjian.models.enums import OrganizationKind, Role
from gongjian.reference.loader import LOADERS, load_all


def _counts() -> tuple[int, int, int]:
    with unit_of_work() as session:
        return (
            session.execute(select(func.count()).select_from(ServiceCategory)).scalar_one(),
            session.execute(select(func.count()).select_from(ServiceItem)).scalar_one(),
            session.execute(select(func.count()).select_from(Organization)).scalar_one(),
        )


def test_the_data_file_holds_35_items_over_all_five_categories() -> None:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    items = data["items"]
    assert len(items) == 35 and len({i["code"] for i in items}) == 35
    assert set(Counter(i["category"] for i in items)) == {c["code"] for c in data["categories"]}
    assert len(data["categories"]) == 5


def test_load_reference_lists_35_published_items_in_every_category(client: TestClient) -> None:
    assert "service_list" in LOADERS
    load_all()
    unit_admin = headers_for(client, Role.unit_admin, make_org(OrganizationKind.unit))
    for headers in (headers_for(client, Role.admin), unit_admin):
        body = client.get("service-items?page_size=100", headers=headers).json()
        assert body["total"] == 35 and len(body["items"]) == 35
    items = body["items"]
    assert all(i["status"] == "published" and i["code"] for i in items)
    assert {i["category"] for i in items} == {"hardship_aid", "funding", "volunteer", "culture_sports", "advice"}
    assert {i["provider_org"]["kind"] for i in items} == {"community", "unit", "social"}
    assert {i["direction"] for i in items} == {"need", "resource"}
    assert all(i["direction"] == ("need" if i["provider_org"]["kind"] == "community" else "resource") for i in items)
    assert client.get("service-categories", headers=unit_admin).json()["total"] == 5
    # A unit can claim a reference need straight away.
    need = next(i for i in items if i["direction"] == "need")
    assert client.post(f"service-items/{need['id']}/claims", json={}, headers=unit_admin).status_code == 201


def test_reloading_changes_nothing_and_an_edited_file_updates_in_place(tmp_path: Path) -> None:
    with unit_of_work() as session:
        assert load_service_list(session) == 5 + 3 + 35
    first = _counts()
    assert first == (5, 35, 3)
    with unit_of_work() as session:
        assert load_service_list(session) == 0
    assert _counts() == first

    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    data["items"][0]["title"] = "结对帮扶困难党员（修订）"
    data["items"][1]["capacity"] = 9
    data["categories"][0]["description"] = "新的说明"
    edited = tmp_path / "service_list.json"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with unit_of_work() as session:
        assert load_service_list(session, edited) == 3
    assert _counts() == first
    with unit_of_work() as session:
        by_code = {i.code: i for i in session.execute(select(ServiceItem)).scalars()}
        assert by_code[data["items"][0]["code"]].title == "结对帮扶困难党员（修订）"
        assert by_code[data["items"][0]["code"]].version == 2
        assert by_code[data["items"][1]["code"]].capacity == 9
    with unit_of_work() as session:
        assert load_service_list(session, edited) == 0
