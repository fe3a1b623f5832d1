from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


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
