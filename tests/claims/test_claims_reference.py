"""The reference list: 35 templates over the five categories, belonging to no organisation, loaded
idempotently by load-reference."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import headers_for, make_org
from gongjian.claims.reference import DATA_FILE, load_service_list
from gongjian.db import unit_of_work
from gongjian.models import AuditEvent, Organization, ServiceCategory, ServiceItem, ServiceTemplate
from gongjian.models.enums import OrganizationKind, Role
from gongjian.reference.loader import LOADERS, load_all


def _counts() -> tuple[int, int, int, int]:
    with unit_of_work() as session:
        return (
            session.execute(select(func.count()).select_from(ServiceCategory)).scalar_one(),
            session.execute(select(func.count()).select_from(ServiceTemplate)).scalar_one(),
            session.execute(select(func.count()).select_from(ServiceItem)).scalar_one(),
            session.execute(select(func.count()).select_from(Organization)).scalar_one(),
        )


def test_the_data_file_holds_35_templates_over_all_five_categories() -> None:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    templates = data["templates"]
    assert len(templates) == 35 and len({t["code"] for t in templates}) == 35
    assert set(Counter(t["category"] for t in templates)) == {c["code"] for c in data["categories"]}
    assert len(data["categories"]) == 5
    assert {t["direction"] for t in templates} == {"need", "resource", "both"}
    assert "organizations" not in data  # the list belongs to no organisation


def test_load_reference_fills_the_catalogue_and_creates_no_organisation_or_item(client: TestClient) -> None:
    assert "service_list" in LOADERS
    load_all()
    assert _counts() == (5, 35, 0, 0)
    unit_admin = headers_for(client, Role.unit_admin, make_org(OrganizationKind.unit))
    for headers in (headers_for(client, Role.admin), unit_admin):
        assert client.get("service-items", headers=headers).json()["total"] == 0
        orgs = client.get("organizations", params={"page_size": 100}, headers=headers).json()["items"]
        assert [o["kind"] for o in orgs] == ["unit"]  # only the unit admin's own: no placeholder
        catalogue = client.get("service-templates", headers=headers).json()
        assert catalogue["total"] == 35
    assert [g["code"] for g in catalogue["categories"]] == [
        "hardship_aid",
        "funding",
        "volunteer",
        "culture_sports",
        "advice",
    ]
    assert [len(g["templates"]) for g in catalogue["categories"]] == [8, 6, 9, 7, 5]
    assert client.get("service-categories", headers=unit_admin).json()["total"] == 5


def test_reloading_changes_nothing_and_an_edited_file_updates_in_place(tmp_path: Path) -> None:
    with unit_of_work() as session:
        assert load_service_list(session) == 5 + 35
    first = _counts()
    assert first == (5, 35, 0, 0)
    with unit_of_work() as session:
        assert load_service_list(session) == 0
    assert _counts() == first

    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    data["templates"][0]["title"] = "结对帮扶困难党员（修订）"
    data["templates"][1]["capacity"] = 9
    data["categories"][0]["description"] = "新的说明"
    edited = tmp_path / "service_list.json"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with unit_of_work() as session:
        assert load_service_list(session, edited) == 3
    assert _counts() == first
    with unit_of_work() as session:
        by_code = {t.code: t for t in session.execute(select(ServiceTemplate)).scalars()}
        assert by_code[data["templates"][0]["code"]].title == "结对帮扶困难党员（修订）"
        assert by_code[data["templates"][1]["code"]].capacity == 9
        changed = session.execute(
            select(AuditEvent.changes).where(
                AuditEvent.entity == "service_template",
                AuditEvent.action == "update",
                AuditEvent.entity_id == "SL-HA01",
            )
        ).scalar_one()
        assert changed == {"title": ["结对帮扶困难党员", "结对帮扶困难党员（修订）"]}
    with unit_of_work() as session:
        assert load_service_list(session, edited) == 0
