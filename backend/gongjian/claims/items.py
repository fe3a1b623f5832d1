"""The claim list's categories and service items: reading them with their places and what the caller
may do, and the provider's audited changes (create, edit, publish, close).

Every item read carries its active claims and free places, the caller's organisation's active claim
on it (`caller_claim`) and whether the caller could claim it now (`caller_may_claim`, by the same
`permissions.claim_refusal` the claim endpoint applies, partnership included), all read in the item
query itself.
Who may see and change what is in `claims.permissions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, null, select
from sqlalchemy.orm import Session, joinedload

from gongjian.claims.permissions import (
    claim_refusal,
    item_actions,
    item_direction_of,
    item_visibility,
    may_write_claims,
    own_claimant_id,
    provider_org_id,
    require_provider,
)
from gongjian.claims.schemas import (
    ServiceCategoryRead,
    ServiceItemCreate,
    ServiceItemListQuery,
    ServiceItemRead,
    ServiceItemUpdate,
)
from gongjian.kit import audit
from gongjian.kit.calendar import local_today
from gongjian.kit.errors import conflict, not_found, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, cached_select, page_of, read_page, read_rows
from gongjian.kit.principal import Principal
from gongjian.kit.query import ListQuery
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.kit.sorting import LIKE_ESCAPE, apply_sort, like_pattern
from gongjian.kit.transitions import check_move
from gongjian.models import Claim, Organization, ServiceCategory, ServiceItem
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    ACTIVE_CLAIM_STATUSES,
    SERVICE_ITEM_MOVES,
    AuditAction,
    ServiceCategoryCode,
    ServiceItemStatus,
)
from gongjian.organizations.permissions import partner_org_ids

ITEM_LABEL = "服务项目"
ITEM_FIELDS = (
    "template_code",
    "title",
    "description",
    "category",
    "provider_org_id",
    "direction",
    "capacity",
    "claim_deadline",
    "status",
)
ACTIVE_VALUES = tuple(s.value for s in ACTIVE_CLAIM_STATUSES)


# --- categories --------------------------------------------------------------------------------


CATEGORIES = select(ServiceCategory).order_by(ServiceCategory.sort_order, ServiceCategory.id)


def list_categories(session: Session, query: ListQuery) -> Page[ServiceCategoryRead]:
    return read_page(CATEGORIES, query, ServiceCategoryRead, session=session)


# --- reading items -----------------------------------------------------------------------------


def active_claims_of(item_id: Any) -> ColumnElement[int]:
    """Correlated count of the claims holding a place on the item."""
    return (
        select(func.count(Claim.id)).where(Claim.item_id == item_id, Claim.status.in_(ACTIVE_VALUES)).scalar_subquery()
    )


def readable_items(principal: Principal) -> Select[Any]:
    stmt = select(ServiceItem).options(joinedload(ServiceItem.provider_org))
    visible = item_visibility(principal)
    return stmt if visible is None else stmt.where(visible)


def get_item(session: Session, principal: Principal, item_id: int, *, lock: bool = False) -> ServiceItem:
    """The item as the caller may see it, or 404; `lock` before a change (claims count under it)."""
    stmt = readable_items(principal).where(ServiceItem.id == item_id)
    item: ServiceItem = one_or_404(session, stmt, ITEM_LABEL, lock=lock, of=ServiceItem)
    return item


def item_reads(session: Session, principal: Principal, stmt: Select[Any]) -> list[ServiceItemRead]:
    """Run a `readable_items` select with its claim columns (`_with_claims`)."""
    rows = session.execute(_with_claims(principal, stmt)).unique().all()
    return _reads_of(session, principal, [row._mapping for row in rows])


def _with_claims(principal: Principal, stmt: Select[Any]) -> Select[Any]:
    """A `readable_items` select with, per item, its active claims, the caller's organisation's
    active claim and whether a partnership joins it to the provider (correlated subqueries in the
    same query: no query per row)."""
    org_id = own_claimant_id(principal)
    held: list[ColumnElement[Any]] = [null(), null()]
    partnered: ColumnElement[bool] = false()
    if org_id is not None:
        partnered = ServiceItem.provider_org_id.in_(partner_org_ids(org_id))
        held = [
            select(column)
            .where(Claim.item_id == ServiceItem.id, Claim.organization_id == org_id, Claim.status.in_(ACTIVE_VALUES))
            .order_by(Claim.id.desc())
            .limit(1)
            .scalar_subquery()
            for column in (Claim.id, Claim.status)
        ]
    return stmt.add_columns(
        active_claims_of(ServiceItem.id).label("active"),
        held[0].label("held_id"),
        held[1].label("held_status"),
        partnered.label("partnered"),
    )


def _reads_of(session: Session, principal: Principal, rows: Sequence[Mapping[Any, Any]]) -> list[ServiceItemRead]:
    """Rows of a `_with_claims` select as the caller reads them."""
    if not rows:
        return []
    org_id = own_claimant_id(principal)
    # Whether the caller could claim depends on the organisation it claims for: read it once.
    claimant = session.get(Organization, org_id) if org_id is not None and may_write_claims(principal) else None
    if claimant is not None and claimant.archived_at is not None:
        claimant = None
    today = local_today()
    return [
        _item_read(
            principal,
            row["ServiceItem"],
            row["active"],
            row["held_id"],
            row["held_status"],
            bool(row["partnered"]),
            claimant,
            today,
        )
        for row in rows
    ]


def _item_read(
    principal: Principal,
    item: ServiceItem,
    active: int,
    held_id: int | None,
    held_status: str | None,
    partners: bool,
    claimant: Organization | None,
    today: date,
) -> ServiceItemRead:
    may_claim = claimant is not None and (
        claim_refusal(item, claimant, partners=partners, held=held_id is not None, active=active, today=today) is None
    )
    values = {name: getattr(item, name) for name in ServiceItemRead.model_fields if hasattr(item, name)}
    values.update(
        active_claims=active,
        free_capacity=max(item.capacity - active, 0),
        caller_claim=None if held_id is None else {"id": held_id, "status": held_status},
        caller_may_claim=may_claim,
        allowed_actions=item_actions(principal, item),
    )
    return ServiceItemRead.model_validate(values)


def list_items(session: Session, principal: Principal, query: ServiceItemListQuery) -> Page[ServiceItemRead]:
    rows, total = read_rows(_items_matching(query, principal), query, session=session)
    return page_of(ServiceItemRead, _reads_of(session, principal, rows), total, query)


@cached_select()
def _items_matching(query: ServiceItemListQuery, principal: Principal) -> Select[Any]:
    """Built once per caller and filters: the caller's scope and their organisation's claims are in
    the select."""
    stmt = readable_items(principal)
    if query.category is not None:
        stmt = stmt.where(ServiceItem.category == query.category.value)
    if query.direction is not None:
        stmt = stmt.where(ServiceItem.direction == query.direction.value)
    if query.template_code is not None:
        stmt = stmt.where(ServiceItem.template_code == query.template_code)
    if query.provider_kind is not None:
        kind_ids = select(Organization.id).where(Organization.kind == query.provider_kind.value)
        stmt = stmt.where(ServiceItem.provider_org_id.in_(kind_ids))
    if query.provider_org_id is not None:
        stmt = stmt.where(ServiceItem.provider_org_id == query.provider_org_id)
    if query.status is not None:
        stmt = stmt.where(ServiceItem.status == query.status.value)
    if query.has_free_capacity is not None:
        active = active_claims_of(ServiceItem.id)
        stmt = stmt.where(ServiceItem.capacity > active if query.has_free_capacity else ServiceItem.capacity <= active)
    if query.q:
        stmt = stmt.where(ServiceItem.title.like(like_pattern(query.q), escape=LIKE_ESCAPE))
    columns = {
        "id": ServiceItem.id,
        "title": ServiceItem.title,
        "claim_deadline": ServiceItem.claim_deadline,
        "created_at": ServiceItem.created_at,
    }
    return _with_claims(principal, apply_sort(stmt, query.sort.value, columns, ServiceItem.id))


def get_item_read(session: Session, principal: Principal, item_id: int) -> ServiceItemRead:
    reads = item_reads(session, principal, readable_items(principal).where(ServiceItem.id == item_id))
    if not reads:
        raise not_found(ITEM_LABEL)
    return reads[0]


# --- changing items ----------------------------------------------------------------------------


def _check_category(session: Session, category: ServiceCategoryCode) -> None:
    if session.execute(select(ServiceCategory.id).where(ServiceCategory.code == category.value)).first() is None:
        raise unprocessable(
            "category_not_loaded", "服务类别尚未载入，请先运行 gongjian load-reference", field="body.category"
        )


def create_item(session: Session, principal: Principal, data: ServiceItemCreate) -> ServiceItemRead:
    provider_id = provider_org_id(principal, data.provider_org_id)
    provider = live_organization(session, provider_id, "body.provider_org_id")
    _check_category(session, data.category)
    item = ServiceItem(
        title=data.title,
        description=data.description,
        category=data.category.value,
        provider_org_id=provider.id,
        direction=item_direction_of(provider).value,
        capacity=data.capacity,
        claim_deadline=data.claim_deadline,
        status=ServiceItemStatus.draft.value,
    )
    session.add(item)
    session.flush()
    audit.record(session, principal, AuditAction.create, "service_item", item.id, audit.snapshot(item, ITEM_FIELDS))
    return get_item_read(session, principal, item.id)


def require_no_open_adoption(
    session: Session, provider_org_id: int | None, template_codes: Sequence[str], field: str | None = None
) -> None:
    """409 `template_already_adopted` when the organisation holds an open (draft or published) item
    from one of these templates: one open item per template and organisation; a closed one may be
    adopted again (or reopened, when no other is open)."""
    open_items = session.execute(
        select(ServiceItem.title)
        .where(
            ServiceItem.provider_org_id == provider_org_id,
            ServiceItem.template_code.in_(template_codes),
            ServiceItem.status != ServiceItemStatus.closed.value,
        )
        .order_by(ServiceItem.id)
    ).scalars()
    titles = "、".join(f"“{title}”" for title in open_items)
    if titles:
        raise conflict(
            "template_already_adopted",
            f"本组织已从清单模板添加了 {titles}，且尚未关闭；关闭后才能再次添加",
            field=field,
        )


def _editable_item(session: Session, principal: Principal, item_id: int) -> ServiceItem:
    item = get_item(session, principal, item_id, lock=True)
    require_provider(principal, item, "只有项目提供方或平台管理员可以修改服务项目")
    return item


def _active_claims(session: Session, item_id: int) -> int:
    held = select(func.count(Claim.id)).where(Claim.item_id == item_id, Claim.status.in_(ACTIVE_VALUES))
    return int(session.execute(held).scalar_one())


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
        active = _active_claims(session, item.id)
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
    check_move(ServiceItemStatus(item.status), target, SERVICE_ITEM_MOVES, "item_invalid_transition", "服务项目")
    if item.status == ServiceItemStatus.closed.value and item.template_code is not None:
        require_no_open_adoption(session, item.provider_org_id, [item.template_code])  # reopening
    before = audit.snapshot(item, ITEM_FIELDS)
    item.status = target.value
    if target is ServiceItemStatus.published:
        item.published_at = utcnow()
        item.closed_at = None
    else:
        item.closed_at = utcnow()
    audit.finish_update(session, principal, "service_item", item, before, ITEM_FIELDS)
    return get_item_read(session, principal, item.id)
