"""The two questions almost every permission check starts from, answered once.

- "A platform admin, or an admin of organisation X": who may act in the name of an organisation
  (manage its items, approve its records, run its meetings).
- "A platform admin only": platform-wide settings (evaluation periods, the audit log, API keys).

Domain-specific rules (dual management of members, a community's partners) live in the owning
domain's `permissions.py` and build on these.
"""

from __future__ import annotations

from gongjian.kit.errors import forbidden
from gongjian.kit.principal import Principal
from gongjian.models.enums import ActorType

PLATFORM_ADMIN_ONLY = "仅平台管理员可执行此操作"


def acts_for(principal: Principal, org_id: int | None) -> bool:
    """A platform admin, or an admin (user or org-limited API key) of organisation `org_id`."""
    return principal.is_admin or (principal.is_org_admin and org_id is not None and principal.organization_id == org_id)


def is_platform_admin(principal: Principal, *, person: bool = False) -> bool:
    """`person=True` excludes API keys: some acts belong to a person signed in as admin."""
    return principal.is_admin and (not person or principal.actor_type is ActorType.user)


def require_platform_admin(principal: Principal, detail: str = PLATFORM_ADMIN_ONLY, *, person: bool = False) -> None:
    """403 unless the caller is a platform admin (a signed-in person, when `person`)."""
    if not is_platform_admin(principal, person=person):
        raise forbidden(detail)


def require_admin_role(principal: Principal, detail: str = "当前身份无权执行此操作") -> None:
    """403 unless the caller is a platform admin or some organisation's admin."""
    if not (principal.is_admin or principal.is_org_admin):
        raise forbidden(detail)
