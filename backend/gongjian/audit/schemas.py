from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import OutputModel
from gongjian.kit.types import MAX_ID, IsoDateTime
from gongjian.models.enums import ActorType, AuditAction


class AuditEventRead(OutputModel):
    id: int
    occurred_at: datetime
    actor_type: ActorType
    actor_id: int | None
    actor_name: str
    action: AuditAction
    entity: str
    entity_id: str
    changes: dict[str, Any]


class AuditEventListQuery(ListQuery):
    entity: Annotated[str | None, Query(max_length=50, description="如 organization、user")] = None
    entity_id: Annotated[str | None, Query(max_length=64)] = None
    actor_type: ActorType | None = None
    actor_id: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None
    action: AuditAction | None = None
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None
