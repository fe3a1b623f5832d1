"""Service metadata: health and the labelled enumerations clients show instead of hard-coding."""

from __future__ import annotations

from typing import Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from gongjian.db import get_engine
from gongjian.kit.routing import DomainRouter
from gongjian.models.enums import ENUM_REGISTRY

router = DomainRouter(tags=["meta"])


class EnumValue(BaseModel):
    code: str
    label: str


class EnumInfo(BaseModel):
    name: str
    values: list[EnumValue]


class EnumsRead(BaseModel):
    locale: Literal["zh-CN"] = "zh-CN"
    enums: list[EnumInfo]


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    dialect: str


@router.get("/meta/enums", summary="所有枚举及其中文名称")
async def list_enums() -> EnumsRead:
    return EnumsRead(
        enums=[
            EnumInfo(name=name, values=[EnumValue(code=str(m), label=cls.label_of(str(m))) for m in cls])
            for name, cls in sorted(ENUM_REGISTRY.items())
        ]
    )


@router.get(
    "/health",
    summary="健康检查（含数据库连通性）",
    response_model=Health,
    responses={503: {"model": Health, "description": "数据库不可用"}},
)
async def health() -> Health | JSONResponse:
    engine = get_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is "unavailable", by design
        body = Health(status="degraded", database="unavailable", dialect=engine.dialect.name)
        return JSONResponse(body.model_dump(), status_code=503)
    return Health(status="ok", database="ok", dialect=engine.dialect.name)
