"""Who sees and manages residents (居民), and a resident's own row.

- A resident is seen and managed by who acts for its community: a platform admin, the community's
  admins (user, or an API key of the community). Nobody else sees one (404, filtered in the query):
  not a unit's admin, not a member, not another community, not another resident.
- A resident reads and edits its own row (`/me/resident`), and only that.
- The mobile and the room in full: the resident itself, platform admins and its community's admins
  — people, as members' phones (members/permissions.py). An API key gets the mobile masked and no
  room.
- A community's admin enters residents of its own community; a platform admin names the community.
- What a resident may do with wishes and concerns is the wishes and concerns domains' to say (their
  `permissions.py`), built on `own_resident_ids` and `named_resident` here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from gongjian.kit.access import acting_org_id, acts_for, is_this_user, this_user
from gongjian.kit.errors import ProblemError, forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.models import Resident
from gongjian.models.enums import ActorType, Role
from gongjian.organizations.permissions import area_scope

LABEL = "居民"


def visible_residents(principal: Principal) -> ColumnElement[bool]:
    """The WHERE clause of every read of residents by their managers."""
    if principal.is_admin:
        return true()
    if principal.is_area_admin:
        return area_scope(principal, Resident.community_org_id)
    if principal.role is Role.community_admin and principal.organization_id is not None:
        return Resident.community_org_id == principal.organization_id
    return false()


def manages(principal: Principal, resident: Resident) -> bool:
    return acts_for(principal, resident.community_org_id)


def community_for_new(principal: Principal, requested: int | None) -> int:
    """The community a new resident is entered in (its liveness and kind are checked by the caller)."""
    if not (principal.is_admin or principal.role is Role.community_admin):
        raise forbidden("居民由社区党组织登记")
    return acting_org_id(
        principal, requested, "body.community_org_id", "平台管理员须指定所在社区", not_own="只能登记本社区的居民"
    )


def sees_personal_data(principal: Principal, resident: Resident) -> bool:
    """The mobile and the room in full."""
    if principal.actor_type is not ActorType.user:
        return False
    return manages(principal, resident) or is_this_user(principal, resident.user_id)


# --- the caller's own resident row ------------------------------------------------------------


def own_resident_ids(principal: Principal) -> Select[Any]:
    """SQL: the id of the caller's own resident row (none for anyone but a resident's login)."""
    if not principal.is_resident:
        return select(Resident.id).where(false())
    return select(Resident.id).where(this_user(principal, Resident.user_id))


def own_resident_id(session: Session, principal: Principal) -> int | None:
    """The id of the caller's own resident row, read once per request where rows are compared to it
    (`wishes.permissions.is_author`); None for anyone but a resident's login."""
    if not principal.is_resident:
        return None
    found: int | None = session.execute(own_resident_ids(principal)).scalar_one_or_none()
    return found


def login_of(session: Session, resident_id: int | None) -> int | None:
    """The account of a resident (to tell it something in WeChat); None for no resident, or a
    resident entered by its community without a login."""
    if resident_id is None:
        return None
    user_id: int | None = session.execute(select(Resident.user_id).where(Resident.id == resident_id)).scalar()
    return user_id


def own_resident(session: Session, principal: Principal, *, active: bool = False) -> Resident | None:
    """The resident row of a resident's login; with `active`, only while the resident is active."""
    if not principal.is_resident:
        return None
    stmt = select(Resident).where(this_user(principal, Resident.user_id))
    if active:
        stmt = stmt.where(Resident.is_active.is_(True))
    return session.execute(stmt).scalar_one_or_none()


def require_own_resident(session: Session, principal: Principal) -> Resident:
    """The caller's active resident row, else 403 (`no_resident_profile`)."""
    resident = own_resident(session, principal, active=True)
    if resident is None:
        raise ProblemError(403, "no_resident_profile", "无权操作", "当前账号没有有效的居民信息，请联系社区")
    return resident


def named_resident(
    session: Session, principal: Principal, resident_id: int, field: str, community_org_id: int
) -> Resident:
    """The resident a request body names (a wish or concern entered on its behalf): one the caller
    manages, active, of `community_org_id`. Else 422 `resident_not_found`, whether it doesn't exist
    or the caller can't see it, so residents can't be probed through writes."""
    resident = session.execute(
        select(Resident).where(
            Resident.id == resident_id,
            visible_residents(principal),
            Resident.community_org_id == community_org_id,
            Resident.is_active.is_(True),
        )
    ).scalar_one_or_none()
    if resident is None:
        raise unprocessable("resident_not_found", "居民不存在、已停用或不属于该社区", field=field)
    return resident
