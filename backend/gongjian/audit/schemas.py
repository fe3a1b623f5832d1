from __future__ import annotations

from datetime import datetime
from typing import Any

from gongjian.kit.schemas import OutputModel
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
