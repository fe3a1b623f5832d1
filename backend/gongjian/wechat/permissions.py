"""Who may bind a WeChat to an account, and who may unbind it.

A binding hands whoever holds that WeChat the account's tokens, so issuing an invitation is the same
power as resetting the account's password, and belongs to the same people: who manages the login
(`users.permissions.manages_account`: a platform admin, or an admin of the organisation the login
belongs to). Looking after the member under dual management is not enough: a community's admin sees
an in-service member whose login is its unit's, and must not be able to take that login over.

A member without a login gets one when its invitation is redeemed, in its community
(`login_organization_id`), so its community's admin (or a platform admin) invites it.

A binding is undone by the account itself or by who manages the login.
"""

from __future__ import annotations

from gongjian.kit.access import acts_for
from gongjian.kit.principal import Principal
from gongjian.models import Member, User
from gongjian.models.enums import ActorType
from gongjian.users.permissions import manages_account


def login_organization_id(member: Member) -> int:
    """The organisation of the login created for a member that has none when it binds a WeChat."""
    return member.community_org_id


def may_invite(principal: Principal, member: Member, login: User | None) -> bool:
    """`login` is the member's account, None when it has none yet."""
    if login is None:
        return acts_for(principal, login_organization_id(member))
    return manages_account(principal, login)


def is_own_account(principal: Principal, user: User) -> bool:
    return principal.actor_type is ActorType.user and principal.id == user.id


def may_unbind(principal: Principal, user: User) -> bool:
    return is_own_account(principal, user) or manages_account(principal, user)
