"""Every write leaves an audit event in the same transaction as the write itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from gongjian.kit.principal import Principal
from gongjian.models import AuditEvent
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction

# Never copied into an audit event, whatever the entity.
SECRET_FIELDS = frozenset({"password", "password_hash", "key_hash", "token", "secret", "key"})
# The Core table, for bulk inserts (plain executemany: the ORM's bulk paths cost more than the rows).
AUDIT_TABLE = cast(Table, AuditEvent.__table__)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(row: object, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for the fields whose value changed."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value and name not in SECRET_FIELDS
    }


def record(
    session: Session,
    actor: Principal,
    action: AuditAction,
    entity: str,
    entity_id: object,
    changes: Mapping[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            actor_type=actor.actor_type.value,
            actor_id=actor.id or None,
            actor_name=actor.name,
            action=action.value,
            entity=entity,
            entity_id=str(entity_id),
            changes=_without_secrets(changes),
        )
    )


def record_many(
    session: Session,
    actor: Principal,
    action: AuditAction,
    entity: str,
    items: Sequence[tuple[object, Mapping[str, Any]]],
) -> None:
    """`record` for many entities in one statement (bulk writes: the member import, card issuing).

    `items` are (entity id, changes) pairs; the same secret fields are left out.
    """
    if not items:
        return
    now = utcnow()
    session.execute(
        insert(AUDIT_TABLE),
        [
            {
                "occurred_at": now,
                "actor_type": actor.actor_type.value,
                "actor_id": actor.id or None,
                "actor_name": actor.name,
                "action": action.value,
                "entity": entity,
                "entity_id": str(entity_id),
                "changes": _without_secrets(changes),
            }
            for entity_id, changes in items
        ],
    )


def _without_secrets(changes: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (changes or {}).items() if k not in SECRET_FIELDS}


class Versioned(Protocol):
    id: Any
    version: int


def finish_update(
    session: Session,
    actor: Principal,
    entity: str,
    row: Versioned,
    before: Mapping[str, Any],
    fields: Iterable[str],
    action: AuditAction = AuditAction.update,
) -> None:
    """Close an update: if anything changed, bump the row version (its ETag), flush and audit it."""
    changes = diff(before, snapshot(row, fields))
    if not changes:
        return
    row.version += 1
    session.flush()
    record(session, actor, action, entity, row.id, changes)
