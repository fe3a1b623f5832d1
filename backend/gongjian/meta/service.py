"""The labelled enumerations, and whether the database answers."""

from __future__ import annotations

from sqlalchemy import text

from gongjian.db import get_engine
from gongjian.meta.schemas import EnumInfo, EnumsRead, EnumValue, Health
from gongjian.models.enums import ENUM_REGISTRY


def enums() -> EnumsRead:
    return EnumsRead(
        enums=[
            EnumInfo(name=name, values=[EnumValue(code=str(m), label=cls.label_of(str(m))) for m in cls])
            for name, cls in sorted(ENUM_REGISTRY.items())
        ]
    )


def health() -> Health:
    engine = get_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is "unavailable", by design
        return Health(status="degraded", database="unavailable", dialect=engine.dialect.name)
    return Health(status="ok", database="ok", dialect=engine.dialect.name)
