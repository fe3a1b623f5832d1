"""The audit trail, for platform admins: who changed what, when."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from gongjian.audit import service
from gongjian.audit.schemas import AuditEntityKind, AuditEventFilters, AuditEventListQuery, AuditEventRead
from gongjian.auth.dependencies import caller
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter
from gongjian.kit.spreadsheet import download, file_responses

router = DomainRouter(tags=["audit"])

Reader = Annotated[Principal, caller("audit:read")]


@router.get("/audit-events", summary="审计日志（平台管理员），按发生时间新的在前，含对象名称与逐字段变更")
async def list_audit_events(
    principal: Reader,
    query: Annotated[AuditEventListQuery, query_of(AuditEventListQuery)],
) -> Page[AuditEventRead]:
    return service.list_events(principal, query)


@router.get(
    "/audit-events/export",
    summary=f"导出审计日志（与列表相同的筛选，xlsx，每个变更字段一行；最多 {service.MAX_EXPORT_EVENTS} 条）",
    response_class=Response,
    responses=file_responses("审计日志 xlsx"),
)
async def export_audit_events(
    principal: Reader, query: Annotated[AuditEventFilters, query_of(AuditEventFilters)]
) -> Response:
    content = await run_in_threadpool(service.export_events, principal, query)
    return download(content, "审计日志.xlsx", "audit-events.xlsx")


@router.get("/audit-entities", summary="审计日志中的对象类型及其中文名称（筛选用）")
async def list_audit_entities(principal: Reader) -> list[AuditEntityKind]:
    return service.entity_kinds(principal)
