"""Who may see, publish and claim on the two-way claim list (双向认领清单), in one place.

Visibility: published and closed items (and their claims) are public to every signed-in caller —
the point of the list is that everyone sees who does what; drafts are seen only by the provider's
administrators and platform admins.

Publishing: an organisation's admin publishes in its own name, a platform admin names the provider.
Only the provider edits, publishes, closes, verifies and rejects (403 `not_item_provider`); only the
claimant starts, completes or withdraws (403 `not_claimant`).

Claiming is done by an organisation's admin for its organisation (a platform admin names one), and
`claim_refusal` is the rule a claim must pass — the claim endpoint raises its answer, item reads
turn it into `caller_may_claim`, so the two can't disagree:
- only published items, up to their claim deadline (`item_not_published`, `claim_deadline_passed`);
- an organisation can't claim its own item (`own_item`) and holds at most one active claim per
  item (`already_claimed`);
- `need` items are claimed by unit or social organisations, `resource` items by a community
  (`claimant_kind_not_allowed`);
- active claims never exceed the item's capacity (`capacity_full`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, or_

from gongjian.kit.access import acting_org_id, acts_for
from gongjian.kit.errors import ProblemError, conflict, forbidden
from gongjian.kit.principal import Principal
from gongjian.models import Organization, ServiceItem
from gongjian.models.enums import ActorType, OrganizationKind, ServiceDirection, ServiceItemStatus

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


def item_visibility(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition on `service_items` (None: the caller sees every item)."""
    if principal.is_admin:
        return None
    public = ServiceItem.status != ServiceItemStatus.draft.value
    if principal.is_org_admin and principal.organization_id is not None:
        return or_(public, ServiceItem.provider_org_id == principal.organization_id)
    return public


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


def require_provider(principal: Principal, item: ServiceItem, detail: str) -> None:
    if not acts_for(principal, item.provider_org_id):
        raise _forbidden("not_item_provider", detail)


def require_claimant(principal: Principal, claimant_org_id: int) -> None:
    if not acts_for(principal, claimant_org_id):
        raise _forbidden("not_claimant", "只有认领组织可以执行此操作")


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


def claim_refusal(
    item: ServiceItem, claimant: Organization, *, held: bool, active: int, today: date
) -> ProblemError | None:
    """Why `claimant` may not claim `item` now (None: it may). `held`: it already has an active
    claim on the item; `active`: the item's active claims; `today`: the local date."""
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
    if held:
        return conflict("already_claimed", "本组织已认领该项目，不能重复认领")
    if active >= item.capacity:
        return conflict("capacity_full", f"该项目的 {item.capacity} 个认领名额已满")
    return None
