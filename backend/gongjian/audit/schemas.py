from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import Field

from gongjian.kit.query import ListQuery, QueryModel
from gongjian.kit.schemas import OutputModel
from gongjian.kit.types import MAX_ID, IsoDateTime
from gongjian.models.enums import ActorType, AuditAction


class AuditFieldChange(OutputModel):
    field: str = Field(description="字段代码")
    label: str = Field(description="字段的中文名")
    old: str | None = Field(description="原值（供人阅读：枚举为中文、组织与党员为名称）；新建时为空")
    new: str | None = Field(description="新值；删除时为空")


class AuditEventRead(OutputModel):
    id: int
    occurred_at: datetime
    actor_type: ActorType
    actor_id: int | None
    actor_name: str
    action: AuditAction
    entity: str
    entity_id: str
    entity_label: str = Field(description="对象的中文名称，如 荣誉「社区服务先进集体」；已删除的对象取记录中的名称")
    changes: dict[str, Any] = Field(description="原始记录：{字段: [原值, 新值]}（新建时只有新值）")
    fields: list[AuditFieldChange] = Field(description="逐字段的 字段 / 原值 / 新值，供人阅读")


class AuditEventFilters(QueryModel):
    entity: Annotated[str | None, Query(max_length=50, description="如 organization、user")] = None
    entity_id: Annotated[str | None, Query(max_length=64)] = None
    actor_type: ActorType | None = None
    actor_id: Annotated[int | None, Query(ge=0, le=MAX_ID, description="操作者编号（与 actor_type 一起即某个人）")] = (
        None
    )
    action: AuditAction | None = None
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None


class AuditEventListQuery(ListQuery, AuditEventFilters):
    pass


class AuditEntityKind(OutputModel):
    code: str = Field(description="审计记录的 entity 取值")
    label: str = Field(description="中文名称")
