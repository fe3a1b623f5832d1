"""The audit trail, for platform admins: who changed what, when."""

from __future__ import annotations

from typing import Annotated

from gongjian.audit import service
from gongjian.audit.schemas import AuditEventListQuery, AuditEventRead
from gongjian.auth.dependencies import caller
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter

router = DomainRouter(tags=["audit"])


@router.get("/audit-events", summary="审计日志（平台管理员），新的在前")
async def list_audit_events(
    principal: Annotated[Principal, caller("audit:read")],
    query: Annotated[AuditEventListQuery, query_of(AuditEventListQuery)],
) -> Page[AuditEventRead]:
    return service.list_events(principal, query)
