"""Login (the failed-attempt throttle is in throttle.py), token refresh, and the caller's own account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.auth import throttle
from gongjian.auth.passwords import hash_password, verify_password
from gongjian.auth.schemas import MeRead, TokenResponse
from gongjian.auth.tokens import decode_token, issue_token
from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.errors import ProblemError
from gongjian.kit.principal import Principal
from gongjian.models import Organization, User
from gongjian.models.base import utcnow
from gongjian.models.enums import ActorType, AuditAction, Role


async def login(username: str, password: str) -> TokenResponse:
    """Password login: the throttled credential check, then tokens (and the login audited)."""
    username = username.strip()
    if "\x00" in username or len(username) > 64:  # can't be a user name; PostgreSQL refuses NUL
        raise throttle.BAD_LOGIN
    user_id = await throttle.verify_credentials(username, password)
    with unit_of_work() as session:
        return complete_login(session, user_id)


def complete_login(session: Session, user_id: int) -> TokenResponse:
    user = session.get_one(User, user_id)
    throttle.clear(session, user.username)
    user.last_login_at = utcnow()
    actor = Principal(ActorType.user, user.id, user.display_name, Role(user.role), user.organization_id)
    audit.record(session, actor, AuditAction.login, "user", user.id)
    return tokens_for(user)


def tokens_for(user: User) -> TokenResponse:
    access, expires_in = issue_token(user.id, user.token_version, "access")
    refresh, _ = issue_token(user.id, user.token_version, "refresh")
    return TokenResponse(access_token=access, refresh_token=refresh, expires_in=expires_in)


def refresh(session: Session, refresh_token: str) -> TokenResponse:
    claims = decode_token(refresh_token, "refresh")
    user = session.get(User, claims.user_id) if claims else None
    if claims is None or user is None or not user.is_active or user.token_version != claims.token_version:
        raise ProblemError(401, "invalid_refresh_token", "刷新令牌无效", "刷新令牌无效或已过期，请重新登录")
    return tokens_for(user)


def me(session: Session, principal: Principal) -> MeRead:
    """Who the caller is, with its organisation's name and (for a person) its login name."""
    org_name = (
        session.execute(
            select(Organization.name).where(Organization.id == principal.organization_id)
        ).scalar_one_or_none()
        if principal.organization_id
        else None
    )
    username = (
        session.execute(select(User.username).where(User.id == principal.id)).scalar_one()
        if principal.actor_type is ActorType.user
        else None
    )
    return MeRead(
        actor_type="user" if principal.actor_type is ActorType.user else "api_key",
        id=principal.id,
        name=principal.name,
        role=principal.role,
        organization_id=principal.organization_id,
        organization_name=org_name,
        username=username,
        scopes=sorted(principal.scopes),
    )


def change_own_password(session: Session, principal: Principal, current: str, new: str) -> TokenResponse:
    if principal.actor_type is not ActorType.user:
        raise ProblemError(403, "forbidden", "无权操作", "API 密钥没有密码")
    user = session.get_one(User, principal.id)
    if not verify_password(user.password_hash, current):
        raise ProblemError(422, "wrong_password", "请求内容无效", "当前密码不正确")
    user.password_hash = hash_password(new)
    user.token_version += 1
    user.version += 1
    audit.record(session, principal, AuditAction.change_password, "user", user.id)
    return tokens_for(user)
