"""Reading the audit trail (platform admins only): the events `kit.audit` writes beside every change,
newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from gongjian.audit.schemas import AuditEventListQuery, AuditEventRead
from gongjian.db import unit_of_work
from gongjian.kit.access import require_platform_admin
from gongjian.kit.pagination import Page, cached_select, read_page
from gongjian.kit.principal import Principal
from gongjian.models import AuditEvent


def list_events(principal: Principal, query: AuditEventListQuery) -> Page[AuditEventRead]:
    require_platform_admin(principal)
    with unit_of_work() as session:
        return read_page(_events(query), query, AuditEventRead, session=session)


@cached_select()
def _events(query: AuditEventListQuery) -> Select[Any]:
    stmt = select(AuditEvent)
    if query.entity:
        stmt = stmt.where(AuditEvent.entity == query.entity)
    if query.entity_id:
        stmt = stmt.where(AuditEvent.entity_id == query.entity_id)
    if query.actor_type is not None:
        stmt = stmt.where(AuditEvent.actor_type == query.actor_type.value)
    if query.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == query.actor_id)
    if query.action is not None:
        stmt = stmt.where(AuditEvent.action == query.action.value)
    if query.since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < query.until)
    return stmt.order_by(AuditEvent.id.desc())
