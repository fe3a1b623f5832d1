"""Who may see and change a member under dual management (党员双管制).

- Visibility: a platform admin sees every member; a district's or street's admin the members whose
  unit or community is under its organisation (phone numbers masked, as for API keys); an
  organisation admin (user or org-limited API key) sees the members whose unit *or* community is
  its organisation; a `member` user sees the member linked to its login. Nobody else sees a member
  (404, filtered in the query).
- The managing organisation is the member's unit when it has one, else its community. Its admin
  edits the whole profile; the community admin of a unit-managed member edits the community-side
  fields only. A non-admin may not move a member out of its own organisation's reach.
- Placing a member (creating, moving, importing): an organisation's admin places a member only
  between its unit and a community joined by a live partnership (共建), as it publishes activities
  only in partner communities — otherwise it could hand a member (and its records, and a place in
  the unit's evaluation quota) to an organisation it has no tie to. A platform admin, who belongs to
  no tenant, places anywhere (and handles transfers, 组织关系转接).
- A member a write names (a sign-up, a volunteer record, a claim, an honour) must be one the caller
  sees: one it can't see is answered like one that doesn't exist (422 `member_not_found`).
- Phone numbers in full: the member itself, platform admins and the admins of the member's two
  organisations — people. API keys (third-party systems, scripts) get them masked.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import Session

from gongjian.kit.access import acts_for, is_this_user, this_user
from gongjian.kit.errors import forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.kit.rows import one_or_404
from gongjian.models import Member
from gongjian.models.enums import ActorType, Role
from gongjian.organizations.permissions import area_scope

LABEL = "党员"
# What the community side of dual management keeps up to date for a unit-managed member.
COMMUNITY_SIDE_FIELDS = frozenset({"reported_on", "skills", "volunteer_number", "user_id"})


class Placed(Protocol):
    @property
    def unit_org_id(self) -> int | None: ...
    @property
    def community_org_id(self) -> int: ...


def visible_members(principal: Principal) -> ColumnElement[bool]:
    """The WHERE clause of every member read, and of everything hung on a member."""
    if principal.is_admin:
        return true()
    if principal.is_area_admin:
        return area_scope(principal, Member.unit_org_id, Member.community_org_id)
    if principal.is_org_admin and principal.organization_id is not None:
        org = principal.organization_id
        return or_(Member.unit_org_id == org, Member.community_org_id == org)
    if principal.role is Role.member:
        return this_user(principal, Member.user_id)
    return false()


def managing_org_id(member: Placed) -> int:
    return member.unit_org_id if member.unit_org_id is not None else member.community_org_id


def is_org_admin_of(principal: Principal, member: Placed) -> bool:
    return principal.is_org_admin and principal.organization_id in (member.unit_org_id, member.community_org_id)


def manages(principal: Principal, member: Placed) -> bool:
    """Edits the whole profile, archives and restores."""
    return acts_for(principal, managing_org_id(member))


def may_write_community_records(principal: Principal, member: Placed) -> bool:
    return acts_for(principal, member.community_org_id)


def sees_full_phone(principal: Principal, member: Member) -> bool:
    return sees_full_phone_at(principal, member.unit_org_id, member.community_org_id, member.user_id)


def sees_full_phone_at(
    principal: Principal, unit_org_id: int | None, community_org_id: int, user_id: int | None
) -> bool:
    """`sees_full_phone` for a member row read as columns (the list)."""
    if principal.actor_type is not ActorType.user:
        return False
    if looks_after(principal, unit_org_id, community_org_id):
        return True
    return is_this_user(principal, user_id)


# --- the caller's own member row, and the members an organisation's admin looks after ---------


def visible_member(session: Session, principal: Principal, member_id: int) -> Member:
    """The member row, if the caller may see it; else 404, as if it didn't exist."""
    return one_or_404(session, select(Member).where(Member.id == member_id, visible_members(principal)), LABEL)  # type: ignore[no-any-return]


def named_member(
    session: Session,
    principal: Principal,
    member_id: int,
    field: str,
    *,
    or_where: ColumnElement[bool] | None = None,
    archived_ok: bool = False,
) -> Member:
    """The member a request body names (on `field`), if the caller may see it — or it matches
    `or_where`, e.g. "signed up for this activity" — and (unless `archived_ok`) it is not archived.
    Else 422 `member_not_found`, the same answer whether it doesn't exist or the caller can't see
    it, so member ids can't be probed through writes (as `visible_member`'s 404 for paths)."""
    seen = visible_members(principal) if or_where is None else or_(visible_members(principal), or_where)
    member = session.execute(select(Member).where(Member.id == member_id, seen)).scalar_one_or_none()
    if member is None or (member.archived_at is not None and not archived_ok):
        raise unprocessable("member_not_found", "党员不存在" if archived_ok else "党员不存在或已归档", field=field)
    return member


def own_member(session: Session, principal: Principal) -> Member | None:
    """The member row of a `member`-role user (linked by members.user_id), if any."""
    if principal.role is not Role.member:
        return None
    return session.execute(select(Member).where(this_user(principal, Member.user_id))).scalar_one_or_none()


def require_own_member(session: Session, principal: Principal) -> Member:
    member = own_member(session, principal)
    if member is None:
        raise forbidden("该账号未关联党员档案")
    return member


def own_member_ids(principal: Principal) -> Select[Any]:
    """SQL: the id of the caller's own member row (none for an API key), for row scoping."""
    return select(Member.id).where(this_user(principal, Member.user_id))


def looks_after(principal: Principal, unit_org_id: int | None, community_org_id: int) -> bool:
    """A platform admin, or an admin of either organisation of a member placed there: who may keep
    the member's cards and create or move a member to that place (with a partnership between the two:
    `placement_needs_partnership`). WeChat invitations follow the member's login instead
    (`wechat/permissions.py`)."""
    org = principal.organization_id
    return principal.is_admin or (principal.is_org_admin and org is not None and org in (community_org_id, unit_org_id))


def placement_needs_partnership(principal: Principal, unit_org_id: int | None, community_org_id: int) -> bool:
    """Whether the caller may place a member at (unit, community) only if the two are partners: an
    organisation's admin of either side naming a unit. (An admin of neither is refused by
    `looks_after` anyway, without learning whether the two are partners.)"""
    return (
        unit_org_id is not None
        and not principal.is_admin
        and principal.is_org_admin
        and principal.organization_id in (unit_org_id, community_org_id)
    )


def looks_after_member(principal: Principal, member: Placed) -> bool:
    """An org admin looks after the members of its organisation (unit or community side)."""
    return looks_after(principal, member.unit_org_id, member.community_org_id)


def member_in_org(org_id: int | None) -> ColumnElement[bool]:
    return or_(Member.community_org_id == org_id, Member.unit_org_id == org_id)
