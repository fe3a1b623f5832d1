"""The audit trail, for platform admins: who changed what, when."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from gongjian.audit import service
from gongjian.audit.schemas import AuditEventRead
from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.pagination import Page, PageQuery, page_of
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter
from gongjian.kit.types import MAX_ID, IsoDateTime
from gongjian.models.enums import ActorType, AuditAction

router = DomainRouter(tags=["audit"])


@router.get("/audit-events", summary="审计日志（平台管理员），新的在前")
async def list_audit_events(
    principal: Annotated[Principal, caller("audit:read")],
    page: PageQuery,
    entity: Annotated[str | None, Query(max_length=50, description="如 organization、user")] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_type: ActorType | None = None,
    actor_id: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    action: AuditAction | None = None,
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
) -> Page[AuditEventRead]:
    with unit_of_work() as session:
        rows, total = service.list_events(
            session,
            principal,
            page,
            entity=entity,
            entity_id=entity_id,
            actor_type=actor_type,
            actor_id=actor_id,
            action=action,
            since=since,
            until=until,
        )
    return page_of(AuditEventRead, rows, total, page)
