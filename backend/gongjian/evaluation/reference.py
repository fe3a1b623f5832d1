"""The default evaluation scheme, shipped as reference data (`reference/evaluation_scheme.json`).

Upserted by code (`gongjian load-reference`). A period created without explicit criteria copies the
`default` scheme from the database, or from the shipped file when reference data was never loaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.models import EvaluationScheme

DATA_FILE = Path(__file__).resolve().parents[1] / "reference" / "evaluation_scheme.json"
DEFAULT_CODE = "default"


def _shipped() -> list[dict[str, Any]]:
    schemes: list[dict[str, Any]] = json.loads(DATA_FILE.read_text(encoding="utf-8"))["schemes"]
    return schemes


def load_evaluation_schemes(session: Session, path: Path = DATA_FILE) -> int:
    """Returns how many schemes were added or changed."""
    touched = 0
    for entry in json.loads(path.read_text(encoding="utf-8"))["schemes"]:
        definition = {k: v for k, v in entry.items() if k not in ("code", "name")}
        row = session.execute(
            select(EvaluationScheme).where(EvaluationScheme.code == entry["code"])
        ).scalar_one_or_none()
        if row is None:
            session.add(EvaluationScheme(code=entry["code"], name=entry["name"], definition=definition))
            touched += 1
        elif row.name != entry["name"] or row.definition != definition:
            row.name, row.definition = entry["name"], definition
            touched += 1
    session.flush()
    return touched


def default_scheme(session: Session) -> dict[str, Any]:
    row = session.execute(select(EvaluationScheme).where(EvaluationScheme.code == DEFAULT_CODE)).scalar_one_or_none()
    if row is not None:
        return dict(row.definition)
    entry = next(s for s in _shipped() if s["code"] == DEFAULT_CODE)
    return {k: v for k, v in entry.items() if k not in ("code", "name")}
