"""Reading the audit trail (platform admins only): the events `kit.audit` writes beside every change,
newest first, each with its object's Chinese name and its fields as 字段 / 原值 / 新值 (`labels`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gongjian.audit.labels import ENTITIES, Describer, Event, FieldChange
from gongjian.audit.schemas import AuditEntityKind, AuditEventFilters, AuditEventListQuery, AuditEventRead
from gongjian.db import unit_of_work
from gongjian.kit.access import require_platform_admin
from gongjian.kit.calendar import answer_zone
from gongjian.kit.errors import unprocessable
from gongjian.kit.pagination import Page, cached_select, page_of, read_rows
from gongjian.kit.principal import Principal
from gongjian.kit.spreadsheet import Sheet, xlsx
from gongjian.models import AuditEvent
from gongjian.models.enums import ActorType, AuditAction

# An export is one sheet read in one request: past this many events, narrow the filters.
MAX_EXPORT_EVENTS = 20_000


def entity_kinds(principal: Principal) -> list[AuditEntityKind]:
    require_platform_admin(principal)
    return [AuditEntityKind(code=code, label=kind.label) for code, kind in ENTITIES.items()]


def list_events(principal: Principal, query: AuditEventListQuery) -> Page[AuditEventRead]:
    require_platform_admin(principal)
    with unit_of_work() as session:
        rows, total = read_rows(_events(query), query, session=session)
        return page_of(AuditEventRead, _described(session, rows), total, query)


def _described(session: Session, rows: Sequence[AuditEvent]) -> list[dict[str, Any]]:
    events = [Event(r.action, r.entity, r.entity_id, r.changes or {}) for r in rows]
    describer = Describer(session, events)
    return [
        {
            "id": row.id,
            "occurred_at": row.occurred_at,
            "actor_type": row.actor_type,
            "actor_id": row.actor_id,
            "actor_name": row.actor_name,
            "action": row.action,
            "entity": row.entity,
            "entity_id": row.entity_id,
            "entity_label": describer.entity_label(event),
            "changes": row.changes or {},
            "fields": [_plain(f) for f in describer.fields(event)],
        }
        for row, event in zip(rows, events, strict=True)
    ]


@cached_select()
def _events(query: AuditEventFilters) -> Select[Any]:
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
    # Newest first by when it happened: ids follow insertion, which concurrent transactions and
    # bulk writes don't keep in time order.
    return stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def export_events(principal: Principal, query: AuditEventFilters) -> bytes:
    """The events the list shows with these filters, newest first, one line per changed field."""
    require_platform_admin(principal)
    with unit_of_work() as session:
        rows = list(session.scalars(_events(query).limit(MAX_EXPORT_EVENTS + 1)))
        if len(rows) > MAX_EXPORT_EVENTS:
            raise unprocessable(
                "export_too_large", f"符合条件的记录超过 {MAX_EXPORT_EVENTS} 条，请缩小时间范围或增加筛选条件"
            )
        described = _described(session, rows)
    zone = answer_zone()
    sheet = Sheet("审计日志", widths={1: 20, 2: 16, 3: 10, 4: 30, 5: 16, 6: 30, 7: 30})
    sheet.header("时间", "操作者", "操作", "对象", "字段", "原值", "新值")
    lines: list[list[Any]] = []
    for event in described:
        head = [
            event["occurred_at"].astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            f"{event['actor_name']}（{ActorType.label_of(event['actor_type'])}）",
            AuditAction.label_of(event["action"]),
            event["entity_label"],
        ]
        if not event["fields"]:
            lines.append([*head, "", "", ""])
        for change in event["fields"]:
            lines.append([*head, change["label"], change["old"] or "", change["new"] or ""])
    sheet.rows(lines, wrap=True)
    return xlsx([sheet])


def _plain(change: FieldChange) -> dict[str, Any]:
    return {"field": change.field, "label": change.label, "old": change.old, "new": change.new}
