"""Who is who for activities and volunteering: the caller's own member row, and which members and
activities an organisation's admin looks after."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from gongjian.kit.errors import forbidden
from gongjian.kit.principal import Principal
from gongjian.models import Activity, Member, Partnership
from gongjian.models.enums import ActorType, Role


def own_member(session: Session, principal: Principal) -> Member | None:
    """The member row of a `member`-role user (linked by members.user_id), if any."""
    if principal.role is not Role.member or principal.actor_type is not ActorType.user:
        return None
    return session.execute(select(Member).where(Member.user_id == principal.id)).scalar_one_or_none()


def require_own_member(session: Session, principal: Principal) -> Member:
    member = own_member(session, principal)
    if member is None:
        raise forbidden("该账号未关联党员档案")
    return member


def own_member_id_subquery(principal: Principal) -> ColumnElement[bool]:
    """SQL: members.user_id = the caller (for row scoping without a round trip)."""
    return Member.user_id == principal.id


def looks_after_member(principal: Principal, member: Member) -> bool:
    """An org admin looks after the members of its organisation (unit or community side)."""
    org = principal.organization_id
    return principal.is_admin or (
        principal.is_org_admin and org is not None and org in (member.community_org_id, member.unit_org_id)
    )


def member_in_org(org_id: int | None) -> ColumnElement[bool]:
    return or_(Member.community_org_id == org_id, Member.unit_org_id == org_id)


def partner_communities(org_id: int | None) -> ColumnElement[bool]:
    """Activities in a community the organisation partners with (a unit's 共建 communities)."""
    partners = select(Partnership.community_org_id).where(
        Partnership.unit_org_id == org_id, Partnership.archived_at.is_(None)
    )
    return Activity.community_org_id.in_(partners)
