"""Which communities a caller looks at, shared by meetings, concerns, honours and statistics.

- platform admin: every community;
- a community's admin (or an API key of that community): its own community;
- a unit's or social organisation's admin: the communities it partners with (共建);
- a member: the community it reports to (报到社区).

Managing a community's meetings and concerns belongs to the platform admin and that community's
admin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, select

from gongjian.kit.principal import Principal
from gongjian.models import Member
from gongjian.models.enums import Role
from gongjian.organizations.permissions import partner_community_ids


def community_scope(principal: Principal, column: Any) -> ColumnElement[bool] | None:
    """SQL condition on a community id column; None when the caller sees every community."""
    if principal.is_admin:
        return None
    org = principal.organization_id
    if principal.role is Role.community_admin:
        return column == org  # type: ignore[no-any-return]
    if principal.role is Role.unit_admin:
        return column.in_(partner_community_ids(org))  # type: ignore[no-any-return]
    if principal.role is Role.member:
        return column.in_(select(Member.community_org_id).where(Member.user_id == principal.id))  # type: ignore[no-any-return]
    return false()


def manages_community(principal: Principal, community_org_id: int) -> bool:
    return principal.is_admin or (
        principal.role is Role.community_admin and principal.organization_id == community_org_id
    )
