"""Reading the audit trail (platform admins only): the events `kit.audit` writes beside every change,
newest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.audit.schemas import AuditEventRead
from gongjian.kit.access import require_platform_admin
from gongjian.kit.pagination import PageParams, fetch_page
from gongjian.kit.principal import Principal
from gongjian.models import AuditEvent
from gongjian.models.enums import ActorType, AuditAction


def list_events(
    session: Session,
    principal: Principal,
    params: PageParams,
    *,
    entity: str | None,
    entity_id: str | None,
    actor_type: ActorType | None,
    actor_id: int | None,
    action: AuditAction | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[list[AuditEventRead], int]:
    require_platform_admin(principal)
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
    rows, total = fetch_page(session, stmt.order_by(AuditEvent.id.desc()), params)
    return [AuditEventRead.model_validate(row) for row in rows], total
