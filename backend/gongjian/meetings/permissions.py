"""Which communities a caller looks at, shared by meetings, concerns, honours and statistics.

- platform admin: every community;
- a community's admin (or an API key of that community): its own community;
- a unit's or social organisation's admin: the communities it partners with (共建);
- a member: the community it reports to (报到社区);
- a district's or street's admin: the communities under its organisation (reading only).

Managing a community's meetings and concerns belongs to the platform admin and that community's
admin. A meeting's task is also seen, and its progress reported, by the admin of the organisation
that owns it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, select

from gongjian.kit.access import acts_for, is_platform_admin, this_user
from gongjian.kit.errors import forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.models import Meeting, MeetingTask, Member
from gongjian.models.enums import Role
from gongjian.organizations.permissions import area_scope, partner_community_ids


def community_scope(principal: Principal, column: Any) -> ColumnElement[bool] | None:
    """SQL condition on a community id column; None when the caller sees every community."""
    if principal.is_admin:
        return None
    org = principal.organization_id
    if principal.is_area_admin:
        return area_scope(principal, column)
    if principal.role is Role.community_admin:
        return column == org  # type: ignore[no-any-return]
    if principal.role is Role.unit_admin:
        return column.in_(partner_community_ids(org))  # type: ignore[no-any-return]
    if principal.role is Role.member:
        return column.in_(select(Member.community_org_id).where(this_user(principal, Member.user_id)))  # type: ignore[no-any-return]
    return false()


def manages_community(principal: Principal, community_org_id: int) -> bool:
    return principal.is_admin or (
        principal.role is Role.community_admin and principal.organization_id == community_org_id
    )


def require_meeting_manager(principal: Principal, community_org_id: int) -> None:
    if not manages_community(principal, community_org_id):
        raise forbidden("只有本社区党组织管理员或平台管理员可以管理例会")


def may_convene(principal: Principal) -> bool:
    """Convening meetings at all: a platform admin (for a community it names) or a community's admin."""
    return is_platform_admin(principal) or (
        principal.role is Role.community_admin and principal.organization_id is not None
    )


def convening_community(principal: Principal, requested: int | None) -> int:
    """The community whose meeting the caller convenes: a platform admin names it, a community's
    admin convenes its own (or names it); nobody else convenes meetings."""
    if not may_convene(principal):
        raise forbidden("例会由社区党组织召集")
    if is_platform_admin(principal):
        if requested is None:
            raise unprocessable("organization_required", "平台管理员须指定社区", field="body.community_org_id")
        community_id = requested
    else:
        community_id = requested or principal.organization_id or 0
    require_meeting_manager(principal, community_id)
    return community_id


def task_scope(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition on a task joined to its meeting: the meetings' communities the caller sees, and
    for an organisation's admin also the tasks its organisation owns. None: every task."""
    scope = community_scope(principal, Meeting.community_org_id)
    if scope is None:
        return None
    if principal.is_org_admin:
        return or_(scope, MeetingTask.owner_org_id == principal.organization_id)
    if principal.is_area_admin:
        return or_(scope, area_scope(principal, MeetingTask.owner_org_id))
    return scope


def require_may_progress(principal: Principal, task: MeetingTask, meeting: Meeting) -> None:
    """The community's managers, and the admin of the organisation that owns the task."""
    if not (manages_community(principal, meeting.community_org_id) or acts_for(principal, task.owner_org_id)):
        raise forbidden("只有社区管理员或任务责任组织的管理员可以更新任务进展")
