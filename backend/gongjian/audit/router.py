"""The audit trail, for platform admins: who changed what, when."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from sqlalchemy import select

from gongjian.audit.schemas import AuditEventRead
from gongjian.auth.dependencies import caller, require_admin
from gongjian.db import unit_of_work
from gongjian.kit.pagination import Page, PageQuery, fetch_page, page_of
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter
from gongjian.kit.types import MAX_ID, IsoDateTime
from gongjian.models import AuditEvent
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
    require_admin(principal)
    stmt = select(AuditEvent)
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if actor_type is not None:
        stmt = stmt.where(AuditEvent.actor_type == actor_type.value)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action.value)
    if since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    with unit_of_work() as session:
        rows, total = fetch_page(session, stmt.order_by(AuditEvent.id.desc()), page)
        return page_of(AuditEventRead, rows, total, page)
