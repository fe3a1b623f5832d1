"""The reference claim list: the five categories and the catalogue of the source article's 35 items,
as templates that belong to no organisation. A community adopts templates into its own needs list,
a unit or social organisation offers resources from them (`claims.adoption`).

Upserted by stable codes (`gongjian load-reference`): running it again changes nothing, and a
changed data file updates the rows it names, never duplicating them. Items already adopted keep
their own wording: a template's new text applies to later adoptions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.kit import audit
from gongjian.kit.principal import SYSTEM
from gongjian.models import ServiceCategory, ServiceTemplate
from gongjian.models.enums import AuditAction, ServiceCategoryCode, TemplateDirection

DATA_FILE = Path(__file__).resolve().parents[1] / "reference" / "service_list.json"
TEMPLATE_FIELDS = ("title", "description", "category", "direction", "capacity", "sort_order")


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

    existing = {t.code: t for t in session.execute(select(ServiceTemplate)).scalars()}
    for n, entry in enumerate(data["templates"], start=1):
        values = {
            "title": entry["title"],
            "description": entry["description"],
            "category": ServiceCategoryCode(entry["category"]).value,
            "direction": TemplateDirection(entry["direction"]).value,
            "capacity": int(entry["capacity"]),
            "sort_order": n,
        }
        template = existing.get(entry["code"])
        if template is None:
            template = ServiceTemplate(code=entry["code"], **values)
            session.add(template)
            session.flush()
            audit.record(session, SYSTEM, AuditAction.create, "service_template", template.code, values)
            touched += 1
        else:
            before = audit.snapshot(template, TEMPLATE_FIELDS)
            if _apply(template, values):
                changes = audit.diff(before, audit.snapshot(template, TEMPLATE_FIELDS))
                audit.record(session, SYSTEM, AuditAction.update, "service_template", template.code, changes)
                touched += 1
    session.flush()
    return touched
