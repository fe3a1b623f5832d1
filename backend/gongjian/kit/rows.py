"""Reading one row by id: the caller's view of it or 404, and the organisation a body refers to.

A row the caller may not see answers exactly like a row that doesn't exist (404 `not_found`), so
ids can't be probed. Reads that precede a change take `lock=True` (SELECT … FOR UPDATE on
PostgreSQL; SQLite serialises writers anyway).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from gongjian.kit.errors import not_found, unprocessable
from gongjian.models import Organization
from gongjian.models.enums import OrganizationKind


def one_or_404(session: Session, stmt: Select[Any], label: str, *, lock: bool = False, of: Any = None) -> Any:
    """Run a scoped select for one entity; 404 naming `label` when it finds nothing.

    `of` limits the row lock to one table when the statement joins others (PostgreSQL refuses
    FOR UPDATE on the nullable side of an outer join).
    """
    if lock:
        stmt = stmt.with_for_update(of=of) if of is not None else stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise not_found(label)
    return row


def live_organization(
    session: Session,
    org_id: int,
    field: str,
    *,
    detail: str = "党组织不存在或已归档",
    kind: OrganizationKind | None = None,
) -> Organization:
    """The organisation a request body names; 422 `organization_not_found` on `field` when it
    doesn't exist or is archived (a body's reference is the client's input, not a missing page)."""
    org = session.get(Organization, org_id)
    if org is None or org.archived_at is not None or (kind is not None and org.kind != kind.value):
        raise unprocessable("organization_not_found", detail, field=field)
    return org
