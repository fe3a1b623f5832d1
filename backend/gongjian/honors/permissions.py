"""Who records an honour: the admin of the community it counts for, a platform admin, or the admin
of the organisation that received it. Reading honours needs no rule: they are public recognition."""

from __future__ import annotations

from gongjian.kit.access import acts_for
from gongjian.kit.errors import forbidden
from gongjian.kit.principal import Principal
from gongjian.meetings.permissions import manages_community


def require_may_record(principal: Principal, community_org_id: int, recipient_org_id: int | None, detail: str) -> None:
    if not (manages_community(principal, community_org_id) or acts_for(principal, recipient_org_id)):
        raise forbidden(detail)
