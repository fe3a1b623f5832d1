"""Who sees and who manages an account.

A platform admin sees and manages every account; a community's or unit's admin sees its own
account and the `member` and `resident` accounts of its organisation, and manages those accounts
(it creates member accounts for its own organisation only; residents' accounts are made with their
resident rows, residents/); a district's or street's admin sees and manages the accounts of the
organisations under its own — their admins (a district's also its streets' admins) and members —
and creates them there; anyone else sees only itself. "Its own
account" is a signed-in user's: an API key has none (`kit.access.this_user`). Roles and
organisations are changed by platform admins alone.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from gongjian.kit.access import acts_for, is_platform_admin, require_admin_role, this_user
from gongjian.kit.errors import forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.models import User
from gongjian.models.enums import Role
from gongjian.organizations.permissions import area_scope, is_under

# Fields of an account only a platform admin changes.
PLATFORM_FIELDS = frozenset({"role", "organization_id"})
# The accounts an organisation's admin manages: its organisation's people, not its fellow admins.
MANAGED_ROLES = (Role.member.value, Role.resident.value)
# The accounts a district's or street's admin manages under its organisation (residents' accounts
# stay with their resident rows). A street's admin never makes a street admin: no street is under it.
AREA_MANAGED_ROLES = frozenset({Role.street_admin, Role.community_admin, Role.unit_admin, Role.member})


def user_scope(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition on `User` for the accounts the caller sees; None when it sees all."""
    if is_platform_admin(principal):
        return None
    if principal.is_area_admin:
        below = area_scope(principal, User.organization_id) & (User.organization_id != principal.organization_id)
        return or_(below & (User.role != Role.admin.value), this_user(principal, User.id))
    if principal.is_org_admin:
        own_people = (User.organization_id == principal.organization_id) & User.role.in_(MANAGED_ROLES)
        return or_(own_people, this_user(principal, User.id))
    return this_user(principal, User.id)


def manages_account(principal: Principal, user: User) -> bool:
    """Platform admins: any account. An organisation's admin: its members' and residents' accounts.
    An area admin: the admins' and members' accounts under it (the user was read through
    `user_scope`, which keeps it to the organisations under the caller's)."""
    if principal.is_area_admin:
        return user.role in AREA_MANAGED_ROLES and user.organization_id not in (None, principal.organization_id)
    return is_platform_admin(principal) or (user.role in MANAGED_ROLES and acts_for(principal, user.organization_id))


def require_manages_account(principal: Principal, user: User, detail: str) -> None:
    if not manages_account(principal, user):
        raise forbidden(detail)


def account_organization(session: Session, principal: Principal, role: Role, organization_id: int | None) -> int | None:
    """The organisation a new account of `role` belongs to, as the caller may create it: a platform
    admin creates any account; an area admin the admins and members of the organisations under its
    own (422 `organization_not_found` for any other, as if it didn't exist); an organisation's admin
    member accounts of its own organisation (the default when none is named)."""
    if is_platform_admin(principal):
        return organization_id
    if principal.is_area_admin:
        if role not in AREA_MANAGED_ROLES:
            raise forbidden("街道、区的管理员只能新建下级组织的管理员和党员账号")
        if organization_id is None or not is_under(session, principal, organization_id, itself=False):
            raise unprocessable("organization_not_found", "所属党组织不存在或不在本辖区", field="body.organization_id")
        return organization_id
    require_admin_role(principal, "无权新建账号")
    if role is not Role.member:
        raise forbidden("组织管理员只能新建党员账号")
    organization_id = organization_id or principal.organization_id
    if organization_id != principal.organization_id:
        raise forbidden("只能为本组织新建账号")
    return organization_id


def require_may_change_fields(principal: Principal, fields: Collection[str]) -> None:
    if not is_platform_admin(principal) and PLATFORM_FIELDS.intersection(fields):
        raise forbidden("角色和所属组织只能由平台管理员修改")
