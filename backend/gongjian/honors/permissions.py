"""Who records an honour: the admin of the community it counts for, a platform admin, or the admin
of the organisation that received it. Reading honours needs no rule: they are public recognition."""

from __future__ import annotations

from gongjian.kit.access import acts_for, has_admin_role
from gongjian.kit.errors import forbidden
from gongjian.kit.principal import Principal
from gongjian.meetings.permissions import manages_community


def may_record(principal: Principal, community_org_id: int, recipient_org_id: int | None) -> bool:
    """Records (and corrects, deletes) an honour counted for the community and received by the organisation."""
    return manages_community(principal, community_org_id) or acts_for(principal, recipient_org_id)


def may_record_some(principal: Principal) -> bool:
    """Some honour `may_record` allows: the platform admin or an organisation's admin (its own)."""
    return has_admin_role(principal)


def require_may_record(principal: Principal, community_org_id: int, recipient_org_id: int | None, detail: str) -> None:
    if not may_record(principal, community_org_id, recipient_org_id):
        raise forbidden(detail)


def honor_actions(principal: Principal, community_org_id: int, recipient_org_id: int | None) -> list[str]:
    """What the caller may do to an honour (the read schema's `allowed_actions`)."""
    return ["edit", "delete"] if may_record(principal, community_org_id, recipient_org_id) else []
