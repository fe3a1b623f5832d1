"""Service items and claims: visibility, the published claim rules, and audited state changes.

Visibility: published and closed items (and their claims) are public to every signed-in caller —
the point of the list is that everyone sees who does what; drafts are seen only by the provider's
administrators and platform admins. Invisible rows answer 404.

The claim rules (each a 409 with its own code unless noted):
- only published items, up to their claim deadline (`item_not_published`, `claim_deadline_passed`);
- an organisation can't claim its own item (`own_item`) and holds at most one active claim per
  item (`already_claimed`);
- `need` items are claimed by unit or social organisations, `resource` items by a community
  (`claimant_kind_not_allowed`);
- active claims never exceed the item's capacity (`capacity_full`), also under concurrent requests:
  the item row is locked (SQLite `BEGIN IMMEDIATE`, PostgreSQL `SELECT … FOR UPDATE`) before the
  count, so claims on one item are decided one after another;
- only the provider verifies or rejects (403 `not_item_provider`), only the claimant starts,
  completes or withdraws (403 `not_claimant`); a withdrawn or rejected claim frees its place.

A claim holds its place from claiming until it is withdrawn or rejected; a completed and verified
claim keeps it (the item was served by that organisation), so capacity is how many organisations
can take the item on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from gongjian.claims.schemas import (
    CategoryClaimTotals,
    ClaimComplete,
    ClaimCount,
    ClaimCreate,
    ClaimReject,
    ClaimSort,
    ClaimSummary,
    ClaimVerify,
    ClaimWithdraw,
    ServiceItemCreate,
    ServiceItemRead,
    ServiceItemSort,
    ServiceItemUpdate,
)
from gongjian.kit import audit
from gongjian.kit.calendar import end_of, local_today, start_of
from gongjian.kit.errors import ProblemError, conflict, forbidden, not_found, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import PageParams, fetch_page
from gongjian.kit.principal import Principal
from gongjian.kit.sorting import LIKE_ESCAPE, apply_sort, like_pattern
from gongjian.models import Claim, Organization, ServiceCategory, ServiceItem
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    AuditAction,
    ClaimStatus,
    OrganizationKind,
    ServiceCategoryCode,
    ServiceDirection,
    ServiceItemStatus,
    WebhookEventType,
)
from gongjian.webhooks.outbox import emit

ITEM_LABEL = "服务项目"
CLAIM_LABEL = "认领记录"
ITEM_FIELDS = (
    "code",
    "title",
    "description",
    "category",
    "provider_org_id",
    "direction",
    "capacity",
    "claim_deadline",
    "status",
)
CLAIM_FIELDS = (
    "item_id",
    "organization_id",
    "status",
    "note",
    "completion_report",
    "rating",
    "verify_comment",
    "end_reason",
)
ACTIVE_STATUSES = (ClaimStatus.claimed, ClaimStatus.in_progress, ClaimStatus.completed, ClaimStatus.verified)
ACTIVE_VALUES = tuple(s.value for s in ACTIVE_STATUSES)
# Which side of the list each organisation kind provides, and which kinds may claim each side.
DIRECTION_OF_PROVIDER = {
    OrganizationKind.community: ServiceDirection.need,
    OrganizationKind.unit: ServiceDirection.resource,
    OrganizationKind.social: ServiceDirection.resource,
}
CLAIMANT_KINDS = {
    ServiceDirection.need: {OrganizationKind.unit, OrganizationKind.social},
    ServiceDirection.resource: {OrganizationKind.community},
}


def _forbidden(code: str, detail: str) -> ProblemError:
    return ProblemError(403, code, "无权操作", detail)


def acts_for(principal: Principal, org_id: int) -> bool:
    return principal.is_admin or (principal.is_org_admin and principal.organization_id == org_id)


# --- categories --------------------------------------------------------------------------------


def list_categories(session: Session, params: PageParams) -> tuple[list[ServiceCategory], int]:
    stmt = select(ServiceCategory).order_by(ServiceCategory.sort_order, ServiceCategory.id)
    return fetch_page(session, stmt, params)


# --- items -------------------------------------------------------------------------------------


def active_claims_of(item_id: Any) -> ColumnElement[int]:
    """Correlated count of the claims holding a place on the item."""
    return (
        select(func.count(Claim.id)).where(Claim.item_id == item_id, Claim.status.in_(ACTIVE_VALUES)).scalar_subquery()
    )


def _item_visibility(principal: Principal) -> ColumnElement[bool] | None:
    if principal.is_admin:
        return None
    public = ServiceItem.status != ServiceItemStatus.draft.value
    if principal.is_org_admin and principal.organization_id is not None:
        return or_(public, ServiceItem.provider_org_id == principal.organization_id)
    return public


def readable_items(principal: Principal) -> Select[ServiceItem]:
    stmt = select(ServiceItem).options(joinedload(ServiceItem.provider_org, innerjoin=True))
    visible = _item_visibility(principal)
    return stmt if visible is None else stmt.where(visible)


def _counts(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    if not item_ids:
        return {}
    rows = session.execute(
        select(Claim.item_id, func.count(Claim.id))
        .where(Claim.item_id.in_(item_ids), Claim.status.in_(ACTIVE_VALUES))
        .group_by(Claim.item_id)
    ).all()
    return {item_id: count for item_id, count in rows}


def item_read(item: ServiceItem, active: int) -> ServiceItemRead:
    values = {name: getattr(item, name) for name in ServiceItemRead.model_fields if hasattr(item, name)}
    values.update(active_claims=active, free_capacity=max(item.capacity - active, 0))
    return ServiceItemRead.model_validate(values)


def item_reads(session: Session, items: Sequence[ServiceItem]) -> list[ServiceItemRead]:
    counts = _counts(session, [item.id for item in items])
    return [item_read(item, counts.get(item.id, 0)) for item in items]


def list_items(
    session: Session,
    principal: Principal,
    params: PageParams,
    *,
    category: ServiceCategoryCode | None,
    direction: ServiceDirection | None,
    provider_kind: OrganizationKind | None,
    provider_org_id: int | None,
    status: ServiceItemStatus | None,
    has_free_capacity: bool | None,
    q: str | None,
    sort: ServiceItemSort,
) -> tuple[list[ServiceItemRead], int]:
    stmt = readable_items(principal)
    if category is not None:
        stmt = stmt.where(ServiceItem.category == category.value)
    if direction is not None:
        stmt = stmt.where(ServiceItem.direction == direction.value)
    if provider_kind is not None:
        kind_ids = select(Organization.id).where(Organization.kind == provider_kind.value)
        stmt = stmt.where(ServiceItem.provider_org_id.in_(kind_ids))
    if provider_org_id is not None:
        stmt = stmt.where(ServiceItem.provider_org_id == provider_org_id)
    if status is not None:
        stmt = stmt.where(ServiceItem.status == status.value)
    if has_free_capacity is not None:
        active = active_claims_of(ServiceItem.id)
        stmt = stmt.where(ServiceItem.capacity > active if has_free_capacity else ServiceItem.capacity <= active)
    if q:
        stmt = stmt.where(ServiceItem.title.like(like_pattern(q), escape=LIKE_ESCAPE))
    columns = {
        "id": ServiceItem.id,
        "title": ServiceItem.title,
        "claim_deadline": ServiceItem.claim_deadline,
        "created_at": ServiceItem.created_at,
    }
    items, total = fetch_page(session, apply_sort(stmt, sort.value, columns, ServiceItem.id), params)
    return item_reads(session, items), total


def get_item(session: Session, principal: Principal, item_id: int, *, lock: bool = False) -> ServiceItem:
    stmt = readable_items(principal).where(ServiceItem.id == item_id)
    if lock:
        stmt = stmt.with_for_update(of=ServiceItem)
    item = session.execute(stmt).scalar_one_or_none()
    if item is None:
        raise not_found(ITEM_LABEL)
    return item


def get_item_read(session: Session, principal: Principal, item_id: int) -> ServiceItemRead:
    return item_reads(session, [get_item(session, principal, item_id)])[0]


def _live_org(session: Session, org_id: int, field: str) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or org.archived_at is not None:
        raise unprocessable("organization_not_found", "党组织不存在或已归档", field=field)
    return org


def _check_category(session: Session, category: ServiceCategoryCode) -> None:
    if session.execute(select(ServiceCategory.id).where(ServiceCategory.code == category.value)).first() is None:
        raise unprocessable(
            "category_not_loaded", "服务类别尚未载入，请先运行 gongjian load-reference", field="body.category"
        )


def create_item(session: Session, principal: Principal, data: ServiceItemCreate) -> ServiceItemRead:
    if principal.is_admin:
        if data.provider_org_id is None:
            raise unprocessable("organization_required", "平台管理员须指定提供方党组织", field="body.provider_org_id")
        provider_id = data.provider_org_id
    elif principal.is_org_admin and principal.organization_id is not None:
        provider_id = data.provider_org_id or principal.organization_id
        if provider_id != principal.organization_id:
            raise _forbidden("not_own_organization", "只能以本组织名义发布服务项目")
    else:
        raise forbidden("只有组织管理员或平台管理员可以发布服务项目")
    provider = _live_org(session, provider_id, "body.provider_org_id")
    _check_category(session, data.category)
    item = ServiceItem(
        title=data.title,
        description=data.description,
        category=data.category.value,
        provider_org_id=provider.id,
        direction=DIRECTION_OF_PROVIDER[OrganizationKind(provider.kind)].value,
        capacity=data.capacity,
        claim_deadline=data.claim_deadline,
        status=ServiceItemStatus.draft.value,
    )
    session.add(item)
    session.flush()
    audit.record(session, principal, AuditAction.create, "service_item", item.id, audit.snapshot(item, ITEM_FIELDS))
    return get_item_read(session, principal, item.id)


def _editable_item(session: Session, principal: Principal, item_id: int) -> ServiceItem:
    item = get_item(session, principal, item_id, lock=True)
    if not acts_for(principal, item.provider_org_id):
        raise _forbidden("not_item_provider", "只有项目提供方或平台管理员可以修改服务项目")
    return item


def update_item(
    session: Session, principal: Principal, item_id: int, data: ServiceItemUpdate, if_match: str | None
) -> ServiceItemRead:
    item = _editable_item(session, principal, item_id)
    check_if_match(if_match, item.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "category" in changes:
        _check_category(session, changes["category"])
        changes["category"] = changes["category"].value
    if "capacity" in changes:
        active = _counts(session, [item.id]).get(item.id, 0)
        if changes["capacity"] < active:
            raise conflict("capacity_below_active_claims", f"该项目已有 {active} 个有效认领，名额不能少于此数")
    before = audit.snapshot(item, ITEM_FIELDS)
    for name, value in changes.items():
        setattr(item, name, value)
    audit.finish_update(session, principal, "service_item", item, before, ITEM_FIELDS)
    return get_item_read(session, principal, item.id)


def set_item_status(
    session: Session, principal: Principal, item_id: int, target: ServiceItemStatus, if_match: str | None
) -> ServiceItemRead:
    """publish: draft or closed → published; close: published → closed."""
    item = _editable_item(session, principal, item_id)
    check_if_match(if_match, item.version)
    allowed_from = {
        ServiceItemStatus.published: {ServiceItemStatus.draft, ServiceItemStatus.closed},
        ServiceItemStatus.closed: {ServiceItemStatus.published},
    }[target]
    current = ServiceItemStatus(item.status)
    if current not in allowed_from:
        raise conflict(
            "item_invalid_transition",
            f"服务项目当前为“{ServiceItemStatus.label_of(current)}”，不能改为“{ServiceItemStatus.label_of(target)}”",
        )
    before = audit.snapshot(item, ITEM_FIELDS)
    item.status = target.value
    if target is ServiceItemStatus.published:
        item.published_at = utcnow()
        item.closed_at = None
    else:
        item.closed_at = utcnow()
    audit.finish_update(session, principal, "service_item", item, before, ITEM_FIELDS)
    return get_item_read(session, principal, item.id)


# --- claims ------------------------------------------------------------------------------------


def readable_claims(principal: Principal) -> Select[Claim]:
    stmt = (
        select(Claim)
        .join(ServiceItem, ServiceItem.id == Claim.item_id)
        .options(
            joinedload(Claim.item, innerjoin=True).joinedload(ServiceItem.provider_org, innerjoin=True),
            joinedload(Claim.organization, innerjoin=True),
        )
    )
    visible = _item_visibility(principal)
    return stmt if visible is None else stmt.where(visible)


def list_claims(
    session: Session,
    principal: Principal,
    params: PageParams,
    *,
    item_id: int | None = None,
    organization_id: int | None = None,
    provider_org_id: int | None = None,
    category: ServiceCategoryCode | None = None,
    status: ClaimStatus | None = None,
    sort: ClaimSort = ClaimSort.created_at_desc,
) -> tuple[list[Claim], int]:
    stmt = readable_claims(principal)
    if item_id is not None:
        stmt = stmt.where(Claim.item_id == item_id)
    if organization_id is not None:
        stmt = stmt.where(Claim.organization_id == organization_id)
    if provider_org_id is not None:
        stmt = stmt.where(ServiceItem.provider_org_id == provider_org_id)
    if category is not None:
        stmt = stmt.where(ServiceItem.category == category.value)
    if status is not None:
        stmt = stmt.where(Claim.status == status.value)
    columns = {"created_at": Claim.created_at, "id": Claim.id}
    return fetch_page(session, apply_sort(stmt, sort.value, columns, Claim.id), params)


def get_claim(session: Session, principal: Principal, claim_id: int) -> Claim:
    claim = session.execute(readable_claims(principal).where(Claim.id == claim_id)).unique().scalar_one_or_none()
    if claim is None:
        raise not_found(CLAIM_LABEL)
    return claim


def _claimant_org(session: Session, principal: Principal, requested: int | None) -> Organization:
    if principal.is_admin:
        if requested is None:
            raise unprocessable(
                "organization_required", "平台管理员须指定以哪个组织的名义认领", field="body.organization_id"
            )
        return _live_org(session, requested, "body.organization_id")
    if not principal.is_org_admin or principal.organization_id is None:
        raise forbidden("服务项目由社区、单位或社会组织的管理员认领")
    if requested is not None and requested != principal.organization_id:
        raise _forbidden("not_own_organization", "只能以本组织名义认领")
    return _live_org(session, principal.organization_id, "body.organization_id")


def create_claim(session: Session, principal: Principal, item_id: int, data: ClaimCreate) -> Claim:
    """Run inside `unit_of_work(write_lock=True)`: the item row is locked before anything is checked."""
    item = get_item(session, principal, item_id, lock=True)
    claimant = _claimant_org(session, principal, data.organization_id)
    if item.status != ServiceItemStatus.published.value:
        raise conflict("item_not_published", "只有已发布的服务项目可以认领")
    if item.claim_deadline is not None and local_today() > item.claim_deadline:
        raise conflict("claim_deadline_passed", f"该项目的认领截止日期（{item.claim_deadline.isoformat()}）已过")
    if claimant.id == item.provider_org_id:
        raise conflict("own_item", "不能认领本组织发布的服务项目")
    direction = ServiceDirection(item.direction)
    if OrganizationKind(claimant.kind) not in CLAIMANT_KINDS[direction]:
        allowed = "、".join(OrganizationKind.label_of(k) for k in sorted(CLAIMANT_KINDS[direction]))
        raise conflict(
            "claimant_kind_not_allowed", f"“{ServiceDirection.label_of(direction)}”类项目只能由{allowed}认领"
        )
    held = select(func.count(Claim.id)).where(Claim.item_id == item.id, Claim.status.in_(ACTIVE_VALUES))
    if session.execute(held.where(Claim.organization_id == claimant.id)).scalar_one():
        raise conflict("already_claimed", "本组织已认领该项目，不能重复认领")
    if session.execute(held).scalar_one() >= item.capacity:
        raise conflict("capacity_full", f"该项目的 {item.capacity} 个认领名额已满")
    claim = Claim(
        item_id=item.id,
        organization_id=claimant.id,
        status=ClaimStatus.claimed.value,
        note=data.note,
        claimed_by=principal.name,
    )
    session.add(claim)
    session.flush()
    audit.record(session, principal, AuditAction.create, "claim", claim.id, audit.snapshot(claim, CLAIM_FIELDS))
    return get_claim(session, principal, claim.id)


def _transition(
    session: Session,
    principal: Principal,
    claim_id: int,
    if_match: str | None,
    *,
    by: str,
    allowed_from: set[ClaimStatus],
    target: ClaimStatus,
) -> tuple[Claim, dict[str, Any]]:
    claim = get_claim(session, principal, claim_id)
    if by == "provider" and not acts_for(principal, claim.item.provider_org_id):
        raise _forbidden("not_item_provider", "只有服务项目的提供方可以验收或驳回认领")
    if by == "claimant" and not acts_for(principal, claim.organization_id):
        raise _forbidden("not_claimant", "只有认领组织可以执行此操作")
    check_if_match(if_match, claim.version)
    current = ClaimStatus(claim.status)
    if current not in allowed_from:
        raise conflict(
            "claim_invalid_transition",
            f"认领当前为“{ClaimStatus.label_of(current)}”，不能改为“{ClaimStatus.label_of(target)}”",
        )
    before = audit.snapshot(claim, CLAIM_FIELDS)
    claim.status = target.value
    return claim, before


def _finish(session: Session, principal: Principal, claim: Claim, before: dict[str, Any]) -> Claim:
    audit.finish_update(session, principal, "claim", claim, before, CLAIM_FIELDS)
    return claim


def start_claim(session: Session, principal: Principal, claim_id: int, if_match: str | None) -> Claim:
    claim, before = _transition(
        session,
        principal,
        claim_id,
        if_match,
        by="claimant",
        allowed_from={ClaimStatus.claimed},
        target=ClaimStatus.in_progress,
    )
    claim.started_at = utcnow()
    return _finish(session, principal, claim, before)


def complete_claim(
    session: Session, principal: Principal, claim_id: int, data: ClaimComplete, if_match: str | None
) -> Claim:
    claim, before = _transition(
        session,
        principal,
        claim_id,
        if_match,
        by="claimant",
        allowed_from={ClaimStatus.in_progress},
        target=ClaimStatus.completed,
    )
    claim.completed_at = utcnow()
    claim.completion_report = data.report
    return _finish(session, principal, claim, before)


def verify_claim(
    session: Session, principal: Principal, claim_id: int, data: ClaimVerify, if_match: str | None
) -> Claim:
    claim, before = _transition(
        session,
        principal,
        claim_id,
        if_match,
        by="provider",
        allowed_from={ClaimStatus.completed},
        target=ClaimStatus.verified,
    )
    claim.verified_at = utcnow()
    claim.rating = data.rating
    claim.verify_comment = data.comment
    emit(
        session,
        WebhookEventType.claim_verified,
        {
            "claim_id": claim.id,
            "item_id": claim.item_id,
            "item_code": claim.item.code,
            "organization_id": claim.organization_id,
            "provider_org_id": claim.item.provider_org_id,
            "rating": claim.rating,
            "verified_at": claim.verified_at,
        },
    )
    return _finish(session, principal, claim, before)


def withdraw_claim(
    session: Session, principal: Principal, claim_id: int, data: ClaimWithdraw, if_match: str | None
) -> Claim:
    claim, before = _transition(
        session,
        principal,
        claim_id,
        if_match,
        by="claimant",
        allowed_from={ClaimStatus.claimed, ClaimStatus.in_progress},
        target=ClaimStatus.withdrawn,
    )
    claim.ended_at = utcnow()
    claim.end_reason = data.reason
    return _finish(session, principal, claim, before)


def reject_claim(
    session: Session, principal: Principal, claim_id: int, data: ClaimReject, if_match: str | None
) -> Claim:
    claim, before = _transition(
        session,
        principal,
        claim_id,
        if_match,
        by="provider",
        allowed_from={ClaimStatus.claimed, ClaimStatus.in_progress, ClaimStatus.completed},
        target=ClaimStatus.rejected,
    )
    claim.ended_at = utcnow()
    claim.end_reason = data.reason
    return _finish(session, principal, claim, before)


# --- summary -----------------------------------------------------------------------------------


def claims_summary(
    session: Session,
    principal: Principal,
    *,
    organization_id: int | None,
    provider_org_id: int | None,
    since: date | None,
    until: date | None,
) -> ClaimSummary:
    """Claims made in [since, until] (Beijing days), by category and status."""
    if since is not None and until is not None and until < since:
        raise unprocessable("invalid_date_range", "结束日期不能早于开始日期", field="query.until")
    stmt = select(ServiceItem.category, Claim.status, func.count(Claim.id)).join(
        ServiceItem, ServiceItem.id == Claim.item_id
    )
    conditions: list[ColumnElement[bool]] = []
    visible = _item_visibility(principal)
    if visible is not None:
        conditions.append(visible)
    if organization_id is not None:
        conditions.append(Claim.organization_id == organization_id)
    if provider_org_id is not None:
        conditions.append(ServiceItem.provider_org_id == provider_org_id)
    if since is not None:
        conditions.append(Claim.created_at >= start_of(since))
    if until is not None:
        conditions.append(Claim.created_at < end_of(until))
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
                claims=sum(of_category.get(s, 0) for s in ACTIVE_STATUSES),
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
