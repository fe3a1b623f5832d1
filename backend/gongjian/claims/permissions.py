"""Who may see, publish, adopt and claim on the two-way claim list (双向认领清单), in one place.

Visibility — the claim board is the list between partners (共建关系, `organizations.permissions`):
an organisation sees its own items (drafts too, for its admins), the published and closed items of
the organisations it partners with (a unit: its communities' needs; a community: its units' and
social organisations' resources) and the items it has claimed itself (its history stays readable
once a partnership ends). Claims are seen with their item. A platform admin sees everything; a
caller of no organisation sees nothing. The catalogue's templates are read by every signed-in
caller.

Publishing: an organisation's admin publishes in its own name, a platform admin names the provider;
adopting templates (`claims.adoption`) is publishing from the catalogue, by the same rule. Only the
provider edits, publishes, closes, verifies and rejects (403 `not_item_provider`; an item kept
from the old reference list has no provider, and a platform admin acts for it); only the claimant
starts, completes or withdraws (403 `not_claimant`).

Claiming is done by an organisation's admin for its organisation (a platform admin names one), and
`claim_refusal` is the rule a claim must pass — the claim endpoint raises its answer, item reads
turn it into `caller_may_claim`, so the two can't disagree:
- only published items, up to their claim deadline (`item_not_published`, `claim_deadline_passed`);
- an organisation can't claim its own item (`own_item`) and holds at most one active claim per
  item (`already_claimed`);
- `need` items are claimed by unit or social organisations, `resource` items by a community
  (`claimant_kind_not_allowed`);
- only between partners: a live partnership must join the claimant and the provider (`not_partners`);
- active claims never exceed the item's capacity (`capacity_full`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, false, or_, select

from gongjian.kit.access import acting_org_id, acts_for
from gongjian.kit.errors import ProblemError, conflict, forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.models import Claim, Organization, ServiceItem, ServiceTemplate
from gongjian.models.enums import (
    CLAIM_MOVES,
    SERVICE_ITEM_MOVES,
    ActorType,
    ClaimStatus,
    OrganizationKind,
    ServiceDirection,
    ServiceItemStatus,
    TemplateDirection,
)
from gongjian.organizations.permissions import area_scope, partner_org_ids

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


# The templates an item of each direction may be adopted from.
TEMPLATE_DIRECTIONS = {
    ServiceDirection.need: {TemplateDirection.need, TemplateDirection.both},
    ServiceDirection.resource: {TemplateDirection.resource, TemplateDirection.both},
}


def item_visibility(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition on `service_items` (None: the caller sees every item)."""
    if principal.is_admin:
        return None
    org_id = principal.organization_id
    if org_id is None:
        return false()
    if principal.is_area_admin:
        # Reading only: the items of the organisations under it, and those they claimed.
        claimed_below = select(Claim.item_id).where(area_scope(principal, Claim.organization_id))
        return or_(area_scope(principal, ServiceItem.provider_org_id), ServiceItem.id.in_(claimed_below))
    public = ServiceItem.status != ServiceItemStatus.draft.value
    own = ServiceItem.provider_org_id == org_id
    claimed = select(Claim.item_id).where(Claim.organization_id == org_id)
    return or_(
        own if principal.is_org_admin else and_(own, public),
        and_(public, or_(ServiceItem.provider_org_id.in_(partner_org_ids(org_id)), ServiceItem.id.in_(claimed))),
    )


# --- providers ---------------------------------------------------------------------------------


def provider_org_id(principal: Principal, requested: int | None) -> int:
    """The organisation a new item is published for."""
    if not (principal.is_admin or (principal.is_org_admin and principal.organization_id is not None)):
        raise forbidden("只有组织管理员或平台管理员可以发布服务项目")
    return acting_org_id(
        principal,
        requested,
        "body.provider_org_id",
        "平台管理员须指定提供方党组织",
        not_own="只能以本组织名义发布服务项目",
    )


def item_direction_of(provider: Organization) -> ServiceDirection:
    """The side of the list an organisation's items are on (a community's needs, a unit's resources)."""
    return DIRECTION_OF_PROVIDER[OrganizationKind(provider.kind)]


def adoption_refusal(template: ServiceTemplate, provider: Organization) -> ProblemError | None:
    """Why `provider` may not adopt `template` (None: it may): the template must fit its side."""
    direction = item_direction_of(provider)
    if TemplateDirection(template.direction) in TEMPLATE_DIRECTIONS[direction]:
        return None
    side = TemplateDirection.label_of(template.direction)
    return unprocessable(
        "template_direction_mismatch",
        f"模板“{template.title}”只能作为{side}；{OrganizationKind.label_of(provider.kind)}的项目是"
        f"“{ServiceDirection.label_of(direction)}”",
        field="body.template_codes",
    )


def may_provide(principal: Principal, provider_org_id: int | None) -> bool:
    """The item's provider (its admin, or a platform admin): edits, publishes, closes, verifies, rejects."""
    return acts_for(principal, provider_org_id)


def may_act_as_claimant(principal: Principal, claimant_org_id: int) -> bool:
    """The claiming organisation (its admin, or a platform admin): starts, completes, withdraws."""
    return acts_for(principal, claimant_org_id)


def require_provider(principal: Principal, item: ServiceItem, detail: str) -> None:
    if not may_provide(principal, item.provider_org_id):
        raise _forbidden("not_item_provider", detail)


def require_claimant(principal: Principal, claimant_org_id: int) -> None:
    if not may_act_as_claimant(principal, claimant_org_id):
        raise _forbidden("not_claimant", "只有认领组织可以执行此操作")


# The provider's steps on an item, each the move it makes (`set_item_status`); editing is any time.
ITEM_STEPS = (("publish", ServiceItemStatus.published), ("close", ServiceItemStatus.closed))


def item_actions(principal: Principal, item: ServiceItem) -> list[str]:
    """What the caller may do to the item as its provider now (the read schema's `allowed_actions`;
    claiming it is `caller_may_claim`, by `claim_refusal`)."""
    if not may_provide(principal, item.provider_org_id):
        return []
    status = ServiceItemStatus(item.status)
    return ["edit"] + [a for a, target in ITEM_STEPS if status in SERVICE_ITEM_MOVES[target]]


# The steps of a claim: who takes each (the item's provider, or the claimant) and the move it makes.
CLAIM_STEPS: dict[str, tuple[str, ClaimStatus]] = {
    "start": ("claimant", ClaimStatus.in_progress),
    "complete": ("claimant", ClaimStatus.completed),
    "withdraw": ("claimant", ClaimStatus.withdrawn),
    "verify": ("provider", ClaimStatus.verified),
    "reject": ("provider", ClaimStatus.rejected),
}


def takes_step(principal: Principal, by: str, claim: Claim) -> bool:
    if by == "provider":
        return may_provide(principal, claim.item.provider_org_id)
    return may_act_as_claimant(principal, claim.organization_id)


def claim_actions(principal: Principal, claim: Claim) -> list[str]:
    """What the caller may do to the claim now (the read schema's `allowed_actions`): the steps
    `CLAIM_STEPS` gives it, where the claim's status allows the move (`CLAIM_MOVES`)."""
    status = ClaimStatus(claim.status)
    return [
        step
        for step, (by, target) in CLAIM_STEPS.items()
        if status in CLAIM_MOVES[target] and takes_step(principal, by, claim)
    ]


# --- claiming ----------------------------------------------------------------------------------


def claimant_org_id(principal: Principal, requested: int | None) -> int:
    """The organisation a claim is made for (its liveness is checked by the caller)."""
    if not (principal.is_admin or (principal.is_org_admin and principal.organization_id is not None)):
        raise forbidden("服务项目由社区、单位或社会组织的管理员认领")
    return acting_org_id(
        principal,
        requested,
        "body.organization_id",
        "平台管理员须指定以哪个组织的名义认领",
        not_own="只能以本组织名义认领",
    )


def own_claimant_id(principal: Principal) -> int | None:
    """The organisation a claim sent without `organization_id` is made for: an organisation admin's
    own; None for a platform admin (who acts for no organisation until it names one) and for
    everyone else."""
    if not principal.is_org_admin or principal.organization_id is None:
        return None
    return principal.organization_id


def may_write_claims(principal: Principal) -> bool:
    """An API key claims only with the `claims:write` scope (people are governed by role alone)."""
    return principal.actor_type is not ActorType.api_key or "claims:write" in principal.scopes


def partner_pair(item: ServiceItem, claimant: Organization) -> tuple[int | None, int | None]:
    """(unit, community) of a claim: the partnership a claim needs joins these two."""
    if ServiceDirection(item.direction) is ServiceDirection.need:
        return claimant.id, item.provider_org_id
    return item.provider_org_id, claimant.id


def claim_refusal(
    item: ServiceItem, claimant: Organization, *, partners: bool, held: bool, active: int, today: date
) -> ProblemError | None:
    """Why `claimant` may not claim `item` now (None: it may). `partners`: a live partnership joins
    the claimant and the item's provider (`partner_pair`); `held`: it already has an active claim
    on the item; `active`: the item's active claims; `today`: the local date."""
    if item.status != ServiceItemStatus.published.value:
        return conflict("item_not_published", "只有已发布的服务项目可以认领")
    if item.claim_deadline is not None and today > item.claim_deadline:
        return conflict("claim_deadline_passed", f"该项目的认领截止日期（{item.claim_deadline.isoformat()}）已过")
    if claimant.id == item.provider_org_id:
        return conflict("own_item", "不能认领本组织发布的服务项目")
    direction = ServiceDirection(item.direction)
    if OrganizationKind(claimant.kind) not in CLAIMANT_KINDS[direction]:
        allowed = "、".join(OrganizationKind.label_of(k) for k in sorted(CLAIMANT_KINDS[direction]))
        return conflict(
            "claimant_kind_not_allowed", f"“{ServiceDirection.label_of(direction)}”类项目只能由{allowed}认领"
        )
    if not partners:
        provider = "该项目的提供方" if item.provider_org_id is None else "项目提供方"
        return conflict("not_partners", f"本组织与{provider}没有共建关系，只能认领共建伙伴的项目")
    if held:
        return conflict("already_claimed", "本组织已认领该项目，不能重复认领")
    if active >= item.capacity:
        return conflict("capacity_full", f"该项目的 {item.capacity} 个认领名额已满")
    return None
