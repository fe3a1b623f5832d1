from __future__ import annotations

from datetime import datetime

from pydantic import Field, field_validator

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import Confidential, InputModel, OutputModel
from gongjian.kit.scopes import SCOPES
from gongjian.kit.types import ID_BOUNDS


class ApiKeyCreate(InputModel):
    name: str = Field(min_length=1, max_length=100, description="用途说明，如“区党建平台同步”")
    scopes: list[str] = Field(min_length=1, max_length=len(SCOPES), description="授予的作用域")
    organization_id: int | None = Field(
        default=None, **ID_BOUNDS, description="限定于某个党组织；为空则全平台（仍受作用域限制）"
    )

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - SCOPES.keys())
        if unknown:
            raise ValueError(f"未知的作用域：{', '.join(unknown)}")
        return sorted(set(value))


class ApiKeyRead(OutputModel):
    id: int
    name: str
    prefix: str = Field(description="密钥开头几位，便于辨认；不是密钥本身")
    scopes: list[str]
    organization_id: int | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="最近使用时间（精度约 5 分钟）")


class ApiKeyCreated(ApiKeyRead):
    key: Confidential[str] = Field(description="完整密钥，只在创建时返回这一次；请求时放在 X-API-Key 头里")


class ApiKeyListQuery(ListQuery):
    revoked: bool | None = None
