"""Who sees and who manages an account.

A platform admin sees and manages every account; a community's or unit's admin sees its own
account and the `member` and `resident` accounts of its organisation, and manages those accounts
(it creates member accounts for its own organisation only; residents' accounts are made with their
resident rows, residents/); anyone else sees only itself. "Its own
account" is a signed-in user's: an API key has none (`kit.access.this_user`). Roles and
organisations are changed by platform admins alone.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, or_

from gongjian.kit.access import acts_for, is_platform_admin, require_admin_role, this_user
from gongjian.kit.errors import forbidden
from gongjian.kit.principal import Principal
from gongjian.models import User
from gongjian.models.enums import Role

# Fields of an account only a platform admin changes.
PLATFORM_FIELDS = frozenset({"role", "organization_id"})
# The accounts an organisation's admin manages: its organisation's people, not its fellow admins.
MANAGED_ROLES = (Role.member.value, Role.resident.value)


def user_scope(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition on `User` for the accounts the caller sees; None when it sees all."""
    if is_platform_admin(principal):
        return None
    if principal.is_org_admin:
        own_people = (User.organization_id == principal.organization_id) & User.role.in_(MANAGED_ROLES)
        return or_(own_people, this_user(principal, User.id))
    return this_user(principal, User.id)


def manages_account(principal: Principal, user: User) -> bool:
    """Platform admins: any account. An organisation's admin: its members' and residents' accounts."""
    return is_platform_admin(principal) or (user.role in MANAGED_ROLES and acts_for(principal, user.organization_id))


def require_manages_account(principal: Principal, user: User, detail: str) -> None:
    if not manages_account(principal, user):
        raise forbidden(detail)


def account_organization(principal: Principal, role: Role, organization_id: int | None) -> int | None:
    """The organisation a new account of `role` belongs to, as the caller may create it: a platform
    admin creates any account; an organisation's admin member accounts of its own organisation
    (the default when none is named)."""
    if is_platform_admin(principal):
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
