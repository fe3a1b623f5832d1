"""The two questions almost every permission check starts from, answered once.

- "A platform admin, or an admin of organisation X": who may act in the name of an organisation
  (manage its items, approve its records, run its meetings).
- "A platform admin only": platform-wide settings (evaluation periods, the audit log, API keys).
- "Is the caller this user?" (its own account, its own member row): only a signed-in person is
  ever a user. API keys and users are numbered separately, so API key 3 must never pass for user 3.
- "Which organisation an admin acts for" when a body may name one (the provider of a service item,
  the claimant of a claim, a wish's community): its own for an organisation's admin, the named one
  for a platform admin, who belongs to none.

Domain-specific rules (dual management of members, a community's partners) live in the owning
domain's `permissions.py` and build on these.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import QueryableAttribute

from gongjian.kit.errors import ProblemError, forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.models.enums import ActorType

PLATFORM_ADMIN_ONLY = "仅平台管理员可执行此操作"


def acts_for(principal: Principal, org_id: int | None) -> bool:
    """A platform admin, or an admin (user or org-limited API key) of organisation `org_id`."""
    return principal.is_admin or (principal.is_org_admin and org_id is not None and principal.organization_id == org_id)


def is_this_user(principal: Principal, user_id: int | None) -> bool:
    """Whether the caller is the signed-in user `user_id` (never an API key or the system)."""
    return principal.actor_type is ActorType.user and user_id is not None and principal.id == user_id


def this_user(principal: Principal, column: QueryableAttribute[Any]) -> ColumnElement[bool]:
    """SQL: the user id in `column` is the caller's; false for an API key or the system."""
    if principal.actor_type is not ActorType.user:
        return false()
    return column == principal.id


def is_platform_admin(principal: Principal, *, person: bool = False) -> bool:
    """`person=True` excludes API keys: some acts belong to a person signed in as admin."""
    return principal.is_admin and (not person or principal.actor_type is ActorType.user)


def require_platform_admin(principal: Principal, detail: str = PLATFORM_ADMIN_ONLY, *, person: bool = False) -> None:
    """403 unless the caller is a platform admin (a signed-in person, when `person`)."""
    if not is_platform_admin(principal, person=person):
        raise forbidden(detail)


def has_admin_role(principal: Principal) -> bool:
    """A platform admin or some organisation's admin (user or organisation-limited API key)."""
    return principal.is_admin or principal.is_org_admin


def require_admin_role(principal: Principal, detail: str = "当前身份无权执行此操作") -> None:
    """403 unless the caller is a platform admin or some organisation's admin."""
    if not has_admin_role(principal):
        raise forbidden(detail)


def acting_org_id(
    principal: Principal,
    requested: int | None,
    field: str,
    detail: str,
    *,
    not_own: str = "只能以本组织名义办理",
) -> int:
    """The organisation a request acts for, given the `organization_id`-like value it sent.

    A platform admin must name one (422 `organization_required` on `field`, message `detail`); an
    organisation's admin acts for its own, may repeat its id, and gets 403 `not_own_organization`
    (message `not_own`) for any other. Whether the caller may act at all, and whether the named
    organisation is live and of the right kind, is the domain's to check.
    """
    if principal.is_admin:
        if requested is None:
            raise unprocessable("organization_required", detail, field=field)
        return requested
    if principal.organization_id is None:
        raise forbidden()
    if requested is not None and requested != principal.organization_id:
        raise ProblemError(403, "not_own_organization", "无权操作", not_own)
    return principal.organization_id
