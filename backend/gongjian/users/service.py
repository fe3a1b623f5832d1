"""Accounts: creating them (with a generated password when none is given), changing, deactivating
and resetting passwords (which also ends a WeChat binding), every change audited. Who sees and
manages which account: `permissions.py`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from gongjian.auth.passwords import generate_password, hash_password, require_acceptable
from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.access import is_this_user
from gongjian.kit.errors import conflict, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, read_page
from gongjian.kit.principal import Principal
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.models import User
from gongjian.models.enums import AuditAction, OrganizationKind, Role
from gongjian.users.permissions import (
    account_organization,
    require_manages_account,
    require_may_change_fields,
    user_scope,
)
from gongjian.users.schemas import PasswordResetResult, UserCreate, UserCreated, UserListQuery, UserRead, UserUpdate
from gongjian.wechat import service as wechat_service

USER_FIELDS = ("username", "display_name", "role", "organization_id", "is_active")
LABEL = "账号"

# Which organisation kinds each role may belong to (None: no organisation).
ROLE_ORG_KINDS: dict[Role, set[OrganizationKind] | None] = {
    Role.admin: None,
    Role.district_admin: {OrganizationKind.district},
    Role.street_admin: {OrganizationKind.street},
    Role.community_admin: {OrganizationKind.community},
    Role.unit_admin: {OrganizationKind.unit, OrganizationKind.social},
    Role.member: {OrganizationKind.community, OrganizationKind.unit, OrganizationKind.social},
    Role.resident: {OrganizationKind.community},
}
RESIDENT_ROLE = unprocessable(
    "resident_account", "居民账号随居民信息一起建立（/residents），不能在账号管理中新建或改成居民", field="body.role"
)


def readable_users(principal: Principal) -> Select[User]:
    scope = user_scope(principal)
    return select(User) if scope is None else select(User).where(scope)


def list_users(principal: Principal, query: UserListQuery) -> Page[UserRead]:
    # Built per request: the scope is a where clause of the caller (users/permissions.py).
    stmt = readable_users(principal)
    if query.role is not None:
        stmt = stmt.where(User.role == query.role.value)
    if query.organization_id is not None:
        stmt = stmt.where(User.organization_id == query.organization_id)
    if query.is_active is not None:
        stmt = stmt.where(User.is_active.is_(query.is_active))
    if query.q:
        stmt = stmt.where(
            or_(User.username.contains(query.q, autoescape=True), User.display_name.contains(query.q, autoescape=True))
        )
    columns = {"username": User.username, "created_at": User.created_at}
    with unit_of_work() as session:
        return read_page(apply_sort(stmt, query.sort.value, columns, User.id), query, UserRead, session=session)


def _user(session: Session, principal: Principal, user_id: int) -> User:
    user: User = one_or_404(session, readable_users(principal).where(User.id == user_id), LABEL)
    return user


def get_user(session: Session, principal: Principal, user_id: int) -> UserRead:
    return UserRead.model_validate(_user(session, principal, user_id))


def _check_role_org(session: Session, role: Role, organization_id: int | None) -> None:
    kinds = ROLE_ORG_KINDS[role]
    if kinds is None:
        if organization_id is not None:
            raise unprocessable("admin_has_no_organization", "平台管理员不属于任何党组织", field="body.organization_id")
        return
    if organization_id is None:
        raise unprocessable("organization_required", "该角色必须指定所属党组织", field="body.organization_id")
    org = live_organization(session, organization_id, "body.organization_id")
    if OrganizationKind(org.kind) not in kinds:
        raise unprocessable(
            "wrong_organization_kind",
            f"{Role.label_of(role)}不能属于{OrganizationKind.label_of(org.kind)}",
            field="body.organization_id",
        )


def create_user(session: Session, principal: Principal, data: UserCreate) -> UserCreated:
    """Hashes a password: call from the thread pool."""
    organization_id = account_organization(session, principal, data.role, data.organization_id)
    if data.role is Role.resident:
        raise RESIDENT_ROLE
    _check_role_org(session, data.role, organization_id)
    require_username_free(session, data.username)
    if data.password is not None:
        require_acceptable(data.password, "body.password", data.username, data.display_name)
    generated = None if data.password else generate_password()
    user = add_account(
        session,
        principal,
        username=data.username,
        display_name=data.display_name,
        role=data.role,
        organization_id=organization_id,
        password_hash=hash_password(data.password or generated or ""),
    )
    return _created(user, generated)


def require_username_free(session: Session, username: str) -> None:
    if session.execute(select(User.id).where(User.username == username)).first():
        raise conflict("username_taken", f"登录名“{username}”已被使用", field="body.username")


def add_account(
    session: Session,
    principal: Principal,
    *,
    username: str,
    display_name: str,
    role: Role,
    organization_id: int | None,
    password_hash: str,
) -> User:
    """A new active account (its user name checked free first: `require_username_free`), audited.
    Also how a resident's login is made with its resident row (residents/service.py)."""
    user = User(
        username=username,
        display_name=display_name,
        role=role.value,
        organization_id=organization_id,
        password_hash=password_hash,
        is_active=True,
        token_version=1,
        version=1,
    )
    session.add(user)
    session.flush()
    audit.record(session, principal, AuditAction.create, "user", user.id, audit.snapshot(user, USER_FIELDS))
    return user


def _created(user: User, generated: str | None) -> UserCreated:
    fields = {name: getattr(user, name) for name in UserCreated.model_fields if name != "generated_password"}
    return UserCreated(**fields, generated_password=generated)


def update_user(
    session: Session, principal: Principal, user_id: int, data: UserUpdate, if_match: str | None
) -> UserRead:
    user = _user(session, principal, user_id)
    require_manages_account(principal, user, "无权修改该账号")
    check_if_match(if_match, user.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    require_may_change_fields(principal, changes.keys())
    if is_this_user(principal, user.id) and "role" in changes and changes["role"] is not Role(user.role):
        raise conflict("cannot_change_own_role", "不能修改自己的角色")
    if "role" in changes and (changes["role"] is Role.resident) != (user.role == Role.resident.value):
        raise RESIDENT_ROLE
    if "role" in changes or "organization_id" in changes:
        role = changes.get("role") or Role(user.role)
        org_id = changes.get("organization_id", user.organization_id)
        if role is Role.admin and "organization_id" not in changes:
            org_id = None
        _check_role_org(session, role, org_id)
        changes["role"] = role.value
        changes["organization_id"] = org_id
        user.token_version += 1  # a new role or organisation must not ride on old tokens
    before = audit.snapshot(user, USER_FIELDS)
    for name, value in changes.items():
        setattr(user, name, value)
    audit.finish_update(session, principal, "user", user, before, USER_FIELDS)
    return UserRead.model_validate(user)


def set_active(session: Session, principal: Principal, user_id: int, active: bool) -> UserRead:
    user = _user(session, principal, user_id)
    require_manages_account(principal, user, "无权停用或启用该账号")
    if is_this_user(principal, user.id):
        raise conflict("cannot_deactivate_self", "不能停用自己的账号")
    if user.is_active == active:
        raise conflict("already_active" if active else "already_inactive", "账号已是该状态")
    change_active(session, principal, user, active)
    return UserRead.model_validate(user)


def change_active(session: Session, principal: Principal, user: User, active: bool) -> None:
    """Deactivate (ending every session of the account) or activate an account, audited; nothing
    when it is in that state already. Also a resident's login with its resident row."""
    if user.is_active == active:
        return
    before = audit.snapshot(user, USER_FIELDS)
    user.is_active = active
    user.token_version += 1
    audit.finish_update(
        session,
        principal,
        "user",
        user,
        before,
        USER_FIELDS,
        action=AuditAction.activate if active else AuditAction.deactivate,
    )


def reset_password(
    session: Session, principal: Principal, user_id: int, new_password: str | None
) -> PasswordResetResult:
    """Hashes a password: call from the thread pool."""
    user = _user(session, principal, user_id)
    require_manages_account(principal, user, "无权重置该账号的密码")
    if is_this_user(principal, user.id):
        raise conflict("cannot_reset_own_password", "请通过“修改本人密码”修改自己的密码")
    if new_password is not None:
        require_acceptable(new_password, "body.new_password", user.username, user.display_name)
    generated = None if new_password else generate_password()
    user.password_hash = hash_password(new_password or generated or "")
    user.token_version += 1
    user.version += 1
    audit.record(session, principal, AuditAction.reset_password, "user", user.id)
    # A reset is how an admin takes an account back: a WeChat bound to it would log straight in again.
    wechat_service.end_binding(session, principal, user, "reset_password")
    return PasswordResetResult(user_id=user.id, generated_password=generated)
