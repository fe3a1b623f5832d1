"""The claim list's figures: claims made in a period, by category and status (the board's totals,
the annual statistics)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Literal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from gongjian.claims.permissions import item_visibility
from gongjian.claims.schemas import CategoryClaimTotals, ClaimCount, ClaimSummary
from gongjian.kit.errors import unprocessable
from gongjian.kit.principal import Principal
from gongjian.models import Claim, ServiceItem
from gongjian.models.enums import ACTIVE_CLAIM_STATUSES, ClaimStatus, ServiceCategoryCode


def claims_summary(
    session: Session,
    principal: Principal,
    *,
    organization_id: int | None,
    provider_org_id: int | None,
    since: date | None,
    until: date | None,
) -> ClaimSummary:
    """Claims made in [since, until], by their business date (`claimed_on`), by category and status."""
    if since is not None and until is not None and until < since:
        raise unprocessable("invalid_date_range", "结束日期不能早于开始日期", field="query.until")
    stmt = select(ServiceItem.category, Claim.status, func.count(Claim.id)).join(
        ServiceItem, ServiceItem.id == Claim.item_id
    )
    conditions: list[ColumnElement[bool]] = []
    visible = item_visibility(principal)
    if visible is not None:
        conditions.append(visible)
    if organization_id is not None:
        conditions.append(Claim.organization_id == organization_id)
    if provider_org_id is not None:
        conditions.append(ServiceItem.provider_org_id == provider_org_id)
    conditions += _claimed_between(since, until)
    if conditions:
        stmt = stmt.where(and_(*conditions))
    rows = session.execute(stmt.group_by(ServiceItem.category, Claim.status)).all()
    counts = sorted(
        (ClaimCount(category=ServiceCategoryCode(c), status=ClaimStatus(s), count=n) for c, s, n in rows),
        key=lambda r: (list(ServiceCategoryCode).index(r.category), list(ClaimStatus).index(r.status)),
    )
    by_category = []
    for category in ServiceCategoryCode:
        of_category = {r.status: r.count for r in counts if r.category is category}
        by_category.append(
            CategoryClaimTotals(
                category=category,
                claims=sum(of_category.get(s, 0) for s in ACTIVE_CLAIM_STATUSES),
                completed=of_category.get(ClaimStatus.completed, 0) + of_category.get(ClaimStatus.verified, 0),
                verified=of_category.get(ClaimStatus.verified, 0),
            )
        )
    return ClaimSummary(
        organization_id=organization_id,
        provider_org_id=provider_org_id,
        since=since,
        until=until,
        total=sum(r.count for r in counts),
        by_category_and_status=counts,
        by_category=by_category,
    )


def _claimed_between(since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    """Claims made in [since, until], by their business date."""
    bounds: list[ColumnElement[bool]] = []
    if since is not None:
        bounds.append(Claim.claimed_on >= since)
    if until is not None:
        bounds.append(Claim.claimed_on <= until)
    return bounds


def claim_counts_by_org(
    session: Session, *, side: Literal["claimant", "provider"], org_ids: Sequence[int], since: date, until: date
) -> dict[int, dict[tuple[str, str], int]]:
    """`claims_summary`'s counts by category and status for many organisations in one grouped query
    (unscoped: the statistics' own reading): of the claims they made (`claimant`) or of the claims
    made on their items (`provider`). Organisations without claims are absent."""
    org = Claim.organization_id if side == "claimant" else ServiceItem.provider_org_id
    rows = session.execute(
        select(org, ServiceItem.category, Claim.status, func.count(Claim.id))
        .join(ServiceItem, ServiceItem.id == Claim.item_id)
        .where(org.in_(org_ids), *_claimed_between(since, until))
        .group_by(org, ServiceItem.category, Claim.status)
    ).all()
    counts: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    for org_id, category, status, n in rows:
        if org_id is not None:  # never: the statement asks for these organisations
            counts[org_id][(category, status)] = int(n)
    return counts
