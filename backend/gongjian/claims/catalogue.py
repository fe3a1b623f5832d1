"""The catalogue (清单模板): the reference list's templates, which belong to no organisation, and
adopting them — a community takes templates into its own needs list, a unit or social organisation
offers resources from them (`POST /service-items/adopt`).

An adopted item is an ordinary service item of the adopter that remembers its template
(`template_code`): it copies the template's title, description, category and places, and the
adopter may edit it afterwards. Adopted items are **published** at once by default — the catalogue's
wording is the vetted reference text, and the point of adopting is that partners can claim — or
created as drafts with `"publish": false`, to be edited and published later.

One open (draft or published) item per template and organisation: adopting it again is 409
`template_already_adopted` until the existing one is closed. The request is all or nothing.
Who may adopt is who may publish (`permissions.provider_org_id`); a template must fit the adopter's
side of the list (`permissions.adoption_refusal`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, null, select
from sqlalchemy.orm import Session

from gongjian.claims.items import ITEM_FIELDS, item_reads, readable_items, require_no_open_adoption
from gongjian.claims.permissions import (
    TEMPLATE_DIRECTIONS,
    adoption_refusal,
    item_direction_of,
    may_write_claims,
    own_claimant_id,
    provider_org_id,
)
from gongjian.claims.schemas import (
    AdoptionCreate,
    AdoptionResult,
    ServiceTemplateCatalogue,
    ServiceTemplateRead,
    TemplateCategoryGroup,
)
from gongjian.kit import audit
from gongjian.kit.errors import unprocessable
from gongjian.kit.principal import Principal
from gongjian.kit.rows import live_organization
from gongjian.models import Organization, ServiceCategory, ServiceItem, ServiceTemplate
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    AuditAction,
    ServiceCategoryCode,
    ServiceDirection,
    ServiceItemStatus,
)

CATALOGUE_ORDER = (ServiceCategory.sort_order, ServiceTemplate.sort_order, ServiceTemplate.id)


# --- reading the catalogue ---------------------------------------------------------------------


def _adopter(session: Session, principal: Principal) -> Organization | None:
    """The organisation the caller adopts for without naming one (an organisation admin's own,
    live, with write access); None for a platform admin and everyone else."""
    org_id = own_claimant_id(principal)
    if org_id is None or not may_write_claims(principal):
        return None
    org = session.get(Organization, org_id)
    return org if org is not None and org.archived_at is None else None


def list_templates(
    session: Session,
    principal: Principal,
    *,
    category: ServiceCategoryCode | None,
    direction: ServiceDirection | None,
) -> ServiceTemplateCatalogue:
    """The templates grouped by category, each with the caller's organisation's open item from it."""
    adopter = _adopter(session, principal)
    held: list[ColumnElement[Any]] = [null(), null()]
    if adopter is not None:
        held = [
            select(column)
            .where(
                ServiceItem.provider_org_id == adopter.id,
                ServiceItem.template_code == ServiceTemplate.code,
                ServiceItem.status != ServiceItemStatus.closed.value,
            )
            .order_by(ServiceItem.id.desc())
            .limit(1)
            .scalar_subquery()
            for column in (ServiceItem.id, ServiceItem.status)
        ]
    stmt = (
        select(ServiceTemplate, held[0].label("item_id"), held[1].label("item_status"))
        .join(ServiceCategory, ServiceCategory.code == ServiceTemplate.category)
        .order_by(*CATALOGUE_ORDER)
    )
    if category is not None:
        stmt = stmt.where(ServiceTemplate.category == category.value)
    if direction is not None:
        stmt = stmt.where(ServiceTemplate.direction.in_([d.value for d in TEMPLATE_DIRECTIONS[direction]]))
    groups_stmt = select(ServiceCategory).order_by(ServiceCategory.sort_order, ServiceCategory.id)
    if category is not None:
        groups_stmt = groups_stmt.where(ServiceCategory.code == category.value)
    groups = {
        c.code: TemplateCategoryGroup(
            code=ServiceCategoryCode(c.code),
            name=c.name,
            description=c.description,
            sort_order=c.sort_order,
            templates=[],
        )
        for c in session.execute(groups_stmt).scalars()
    }
    fields = [name for name in ServiceTemplateRead.model_fields if name not in ("caller_item", "caller_may_adopt")]
    total = 0
    for template, item_id, item_status in session.execute(stmt):
        may_adopt = adopter is not None and item_id is None and adoption_refusal(template, adopter) is None
        read = ServiceTemplateRead.model_validate(
            {
                **{name: getattr(template, name) for name in fields},
                "caller_item": None if item_id is None else {"id": item_id, "status": item_status},
                "caller_may_adopt": may_adopt,
            }
        )
        groups[template.category].templates.append(read)
        total += 1
    return ServiceTemplateCatalogue(total=total, categories=list(groups.values()))


# --- adopting ----------------------------------------------------------------------------------


def adopt(session: Session, principal: Principal, data: AdoptionCreate) -> AdoptionResult:
    """Run inside `unit_of_work(write_lock=True)`: the adopter's row is locked before the check for
    open items, so two requests can't both adopt one template (SQLite serialises writers anyway)."""
    provider_id = provider_org_id(principal, data.provider_org_id)
    provider = live_organization(session, provider_id, "body.provider_org_id")
    session.execute(select(Organization.id).where(Organization.id == provider.id).with_for_update())

    found = {
        t.code: t
        for t in session.execute(select(ServiceTemplate).where(ServiceTemplate.code.in_(data.template_codes))).scalars()
    }
    missing = [code for code in data.template_codes if code not in found]
    if missing:
        raise unprocessable(
            "template_not_found", f"清单中没有这些模板：{'、'.join(missing)}", field="body.template_codes"
        )
    templates = [found[code] for code in data.template_codes]
    for template in templates:
        refusal = adoption_refusal(template, provider)
        if refusal is not None:
            raise refusal
    require_no_open_adoption(session, provider.id, data.template_codes, field="body.template_codes")

    published = data.publish
    now = utcnow()
    direction = item_direction_of(provider).value
    created: list[ServiceItem] = []
    for template in templates:
        item = ServiceItem(
            template_code=template.code,
            title=template.title,
            description=template.description,
            category=template.category,
            provider_org_id=provider.id,
            direction=direction,
            capacity=template.capacity,
            claim_deadline=data.claim_deadline,
            status=(ServiceItemStatus.published if published else ServiceItemStatus.draft).value,
            published_at=now if published else None,
        )
        session.add(item)
        created.append(item)
    session.flush()
    audit.record_many(
        session,
        principal,
        AuditAction.create,
        "service_item",
        [(item.id, audit.snapshot(item, ITEM_FIELDS)) for item in created],
    )
    order = {item.id: n for n, item in enumerate(created)}
    reads = item_reads(session, principal, readable_items(principal).where(ServiceItem.id.in_(order)))
    reads.sort(key=lambda read: order[read.id])
    return AdoptionResult(total=len(reads), items=reads)
