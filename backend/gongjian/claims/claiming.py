"""Claims on service items: reading them, claiming, and the audited steps of a claim.

    claimed → in_progress → completed → verified
    claimed / in_progress → withdrawn (by the claimant);  claimed … completed → rejected (by the provider)

A claim holds its place from claiming until it is withdrawn or rejected; a completed and verified
claim keeps it (the item was served by that organisation), so capacity is how many organisations
can take the item on. Active claims never exceed it, also under concurrent requests: the item row
is locked (SQLite `BEGIN IMMEDIATE`, PostgreSQL `SELECT … FOR UPDATE`) before the count, so claims
on one item are decided one after another. The rules a claim must pass and who may take each step
are in `claims.permissions`; the allowed moves are `CLAIM_MOVES` in `models/enums.py`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from gongjian.claims.items import ACTIVE_VALUES, get_item
from gongjian.claims.permissions import (
    CLAIM_STEPS,
    claim_actions,
    claim_refusal,
    claimant_org_id,
    item_visibility,
    partner_pair,
    require_claimant,
    require_provider,
)
from gongjian.claims.schemas import (
    ClaimComplete,
    ClaimCreate,
    ClaimListQuery,
    ClaimRead,
    ClaimReject,
    ClaimSort,
    ClaimVerify,
    ClaimWithdraw,
    ItemClaimListQuery,
)
from gongjian.kit import audit
from gongjian.kit.calendar import business_date
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, Paging, cached_select, page_of, read_rows
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.kit.transitions import check_move
from gongjian.models import Claim, ServiceItem
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    CLAIM_MOVES,
    AuditAction,
    ClaimStatus,
    ServiceCategoryCode,
    WebhookEventType,
)
from gongjian.organizations.permissions import is_partner
from gongjian.webhooks.outbox import emit

CLAIM_LABEL = "认领记录"
CLAIM_FIELDS = (
    "item_id",
    "organization_id",
    "status",
    "note",
    "completion_report",
    "rating",
    "verify_comment",
    "end_reason",
    "claimed_on",
    "completed_on",
)


# --- reading claims ----------------------------------------------------------------------------


def readable_claims(principal: Principal) -> Select[Any]:
    stmt = (
        select(Claim)
        .join(ServiceItem, ServiceItem.id == Claim.item_id)
        .options(
            joinedload(Claim.item, innerjoin=True).joinedload(ServiceItem.provider_org),
            joinedload(Claim.organization, innerjoin=True),
        )
    )
    visible = item_visibility(principal)
    return stmt if visible is None else stmt.where(visible)


def list_claims(session: Session, principal: Principal, query: ClaimListQuery) -> Page[ClaimRead]:
    stmt = _claims_matching(
        principal,
        item_id=query.item_id,
        organization_id=query.organization_id,
        provider_org_id=query.provider_org_id,
        category=query.category,
        template_code=query.template_code,
        status=query.status,
        sort=query.sort,
    )
    return _claims_page(session, principal, stmt, query)


def list_item_claims(
    session: Session, principal: Principal, item_id: int, query: ItemClaimListQuery
) -> Page[ClaimRead]:
    """One item's claims; 404 when the caller can't see the item."""
    get_item(session, principal, item_id)
    stmt = _claims_matching(principal, item_id=item_id, status=query.status, sort=query.sort)
    return _claims_page(session, principal, stmt, query)


@cached_select()
def _claims_matching(
    principal: Principal,
    *,
    item_id: int | None = None,
    organization_id: int | None = None,
    provider_org_id: int | None = None,
    category: ServiceCategoryCode | None = None,
    template_code: str | None = None,
    status: ClaimStatus | None = None,
    sort: ClaimSort,
) -> Select[Any]:
    """Built once per caller and filters (`cached_select`): what the caller may read comes from
    its role and organisation."""
    stmt = readable_claims(principal)
    if item_id is not None:
        stmt = stmt.where(Claim.item_id == item_id)
    if organization_id is not None:
        stmt = stmt.where(Claim.organization_id == organization_id)
    if provider_org_id is not None:
        stmt = stmt.where(ServiceItem.provider_org_id == provider_org_id)
    if category is not None:
        stmt = stmt.where(ServiceItem.category == category.value)
    if template_code is not None:
        stmt = stmt.where(ServiceItem.template_code == template_code)
    if status is not None:
        stmt = stmt.where(Claim.status == status.value)
    columns = {"created_at": Claim.created_at, "id": Claim.id}
    return apply_sort(stmt, sort.value, columns, Claim.id)


def _get_claim(session: Session, principal: Principal, claim_id: int) -> Claim:
    claim: Claim = one_or_404(session, readable_claims(principal).where(Claim.id == claim_id), CLAIM_LABEL)
    return claim


def get_claim(session: Session, principal: Principal, claim_id: int) -> ClaimRead:
    return claim_read(principal, _get_claim(session, principal, claim_id))


class _WithActions:
    """A claim row read by attribute, with what the caller may do to it."""

    def __init__(self, claim: Claim, actions: list[str]) -> None:
        self._claim = claim
        self.allowed_actions = actions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._claim, name)


def claim_read(principal: Principal, claim: Claim) -> ClaimRead:
    return ClaimRead.model_validate(_WithActions(claim, claim_actions(principal, claim)))


def _claims_page(session: Session, principal: Principal, stmt: Select[Any], query: Paging) -> Page[ClaimRead]:
    rows, total = read_rows(stmt, query, session=session)
    return page_of(ClaimRead, [_WithActions(c, claim_actions(principal, c)) for c in rows], total, query)


# --- claiming ----------------------------------------------------------------------------------


def create_claim(session: Session, principal: Principal, item_id: int, data: ClaimCreate) -> ClaimRead:
    """Run inside `unit_of_work(write_lock=True)`: the item row is locked before anything is checked."""
    item = get_item(session, principal, item_id, lock=True)
    claimant = live_organization(session, claimant_org_id(principal, data.organization_id), "body.organization_id")
    active = select(func.count(Claim.id)).where(Claim.item_id == item.id, Claim.status.in_(ACTIVE_VALUES))
    held = session.execute(active.where(Claim.organization_id == claimant.id)).scalar_one() > 0
    partners = is_partner(session, *partner_pair(item, claimant))
    now = utcnow()
    claimed_on = business_date(principal, data.claimed_on, at=now, field="body.claimed_on")
    # The item's claim deadline is checked against the day the claim counts on.
    refusal = claim_refusal(
        item, claimant, partners=partners, held=held, active=session.execute(active).scalar_one(), today=claimed_on
    )
    if refusal is not None:
        raise refusal
    claim = Claim(
        item_id=item.id,
        organization_id=claimant.id,
        status=ClaimStatus.claimed.value,
        note=data.note,
        **stamp(principal, "claimed"),
        created_at=now,
        claimed_on=claimed_on,
    )
    session.add(claim)
    session.flush()
    audit.record(session, principal, AuditAction.create, "claim", claim.id, audit.snapshot(claim, CLAIM_FIELDS))
    return get_claim(session, principal, claim.id)


# --- the steps of a claim ----------------------------------------------------------------------


def _step(
    session: Session, principal: Principal, claim_id: int, if_match: str | None, step: str
) -> tuple[Claim, dict[str, Any]]:
    """Check who takes the step (`CLAIM_STEPS`: the provider or the claimant), the version and the move."""
    by, target = CLAIM_STEPS[step]
    claim = _get_claim(session, principal, claim_id)
    if by == "provider":
        require_provider(principal, claim.item, "只有服务项目的提供方可以验收或驳回认领")
    else:
        require_claimant(principal, claim.organization_id)
    check_if_match(if_match, claim.version)
    check_move(ClaimStatus(claim.status), target, CLAIM_MOVES, "claim_invalid_transition", "认领")
    before = audit.snapshot(claim, CLAIM_FIELDS)
    claim.status = target.value
    return claim, before


def _finish(session: Session, principal: Principal, claim: Claim, before: dict[str, Any]) -> ClaimRead:
    audit.finish_update(session, principal, "claim", claim, before, CLAIM_FIELDS)
    return claim_read(principal, claim)


def start_claim(session: Session, principal: Principal, claim_id: int, if_match: str | None) -> ClaimRead:
    claim, before = _step(session, principal, claim_id, if_match, "start")
    claim.started_at = utcnow()
    return _finish(session, principal, claim, before)


def complete_claim(
    session: Session, principal: Principal, claim_id: int, data: ClaimComplete, if_match: str | None
) -> ClaimRead:
    claim, before = _step(session, principal, claim_id, if_match, "complete")
    claim.completed_at = utcnow()
    claim.completed_on = business_date(
        principal,
        data.completed_on,
        at=claim.completed_at,
        field="body.completed_on",
        not_before=claim.claimed_on,
        not_before_label="认领日期",
    )
    claim.completion_report = data.report
    return _finish(session, principal, claim, before)


def verify_claim(
    session: Session, principal: Principal, claim_id: int, data: ClaimVerify, if_match: str | None
) -> ClaimRead:
    claim, before = _step(session, principal, claim_id, if_match, "verify")
    claim.verified_at = utcnow()
    claim.rating = data.rating
    claim.verify_comment = data.comment
    emit(
        session,
        WebhookEventType.claim_verified,
        {
            "claim_id": claim.id,
            "item_id": claim.item_id,
            "template_code": claim.item.template_code,
            # the name subscribers knew it by: the same reference code as before the catalogue
            "item_code": claim.item.template_code,
            "organization_id": claim.organization_id,
            "provider_org_id": claim.item.provider_org_id,
            "rating": claim.rating,
            "verified_at": claim.verified_at,
        },
    )
    return _finish(session, principal, claim, before)


def withdraw_claim(
    session: Session, principal: Principal, claim_id: int, data: ClaimWithdraw, if_match: str | None
) -> ClaimRead:
    claim, before = _step(session, principal, claim_id, if_match, "withdraw")
    claim.ended_at = utcnow()
    claim.end_reason = data.reason
    return _finish(session, principal, claim, before)


def reject_claim(
    session: Session, principal: Principal, claim_id: int, data: ClaimReject, if_match: str | None
) -> ClaimRead:
    claim, before = _step(session, principal, claim_id, if_match, "reject")
    claim.ended_at = utcnow()
    claim.end_reason = data.reason
    return _finish(session, principal, claim, before)
