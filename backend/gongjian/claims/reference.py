"""The reference claim list: the five categories and the 35 items of the source article's list, in a
reference community with a reference unit and social organisation so both directions appear.

Upserted by stable codes (`gongjian load-reference`): running it again changes nothing, and a
changed data file updates the rows it names, never duplicating them. An item's status is set only
when the item is first created, so an item an administrator closed stays closed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.claims.items import ITEM_FIELDS
from gongjian.claims.permissions import DIRECTION_OF_PROVIDER
from gongjian.kit import audit
from gongjian.kit.principal import SYSTEM
from gongjian.models import Organization, ServiceCategory, ServiceItem
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction, OrganizationKind, ServiceCategoryCode, ServiceItemStatus

DATA_FILE = Path(__file__).resolve().parents[1] / "reference" / "service_list.json"


def _apply(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def load_service_list(session: Session, path: Path = DATA_FILE) -> int:
    """Returns how many rows were added or changed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    touched = 0

    categories = {c.code: c for c in session.execute(select(ServiceCategory)).scalars()}
    for entry in data["categories"]:
        ServiceCategoryCode(entry["code"])  # the file may only name the five known categories
        values = {k: entry[k] for k in ("name", "description", "sort_order")}
        row = categories.get(entry["code"])
        if row is None:
            session.add(ServiceCategory(code=entry["code"], **values))
            touched += 1
        elif _apply(row, values):
            touched += 1
    session.flush()

    orgs: dict[str, Organization] = {}
    for entry in data["organizations"]:
        values = {"name": entry["name"], "kind": OrganizationKind(entry["kind"]).value}
        values["description"] = entry.get("description", "")
        org = session.execute(select(Organization).where(Organization.code == entry["code"])).scalar_one_or_none()
        if org is None:
            org = Organization(code=entry["code"], **values)
            session.add(org)
            session.flush()
            audit.record(session, SYSTEM, AuditAction.create, "organization", org.id, values)
            touched += 1
        elif _apply(org, values):
            org.version += 1
            touched += 1
        orgs[entry["code"]] = org
    session.flush()

    existing = {i.code: i for i in session.execute(select(ServiceItem).where(ServiceItem.code.is_not(None))).scalars()}
    for entry in data["items"]:
        provider = orgs[entry["provider"]]
        values = {
            "title": entry["title"],
            "description": entry["description"],
            "category": ServiceCategoryCode(entry["category"]).value,
            "provider_org_id": provider.id,
            "direction": DIRECTION_OF_PROVIDER[OrganizationKind(provider.kind)].value,
            "capacity": int(entry["capacity"]),
        }
        item = existing.get(entry["code"])
        if item is None:
            item = ServiceItem(
                code=entry["code"], status=ServiceItemStatus.published.value, published_at=utcnow(), **values
            )
            session.add(item)
            session.flush()
            audit.record(
                session, SYSTEM, AuditAction.create, "service_item", item.id, audit.snapshot(item, ITEM_FIELDS)
            )
            touched += 1
        else:
            before = audit.snapshot(item, ITEM_FIELDS)
            if _apply(item, values):
                audit.finish_update(session, SYSTEM, "service_item", item, before, ITEM_FIELDS)
                touched += 1
    session.flush()
    return touched
