"""Login with a failed-attempt throttle, token refresh, and the caller's own account."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.auth.passwords import burn_verification_time, hash_password, verify_password
from gongjian.auth.schemas import MeRead, TokenResponse
from gongjian.auth.tokens import decode_token, issue_token
from gongjian.kit import audit
from gongjian.kit.errors import ProblemError
from gongjian.kit.principal import Principal
from gongjian.models import LoginThrottle, Organization, User
from gongjian.models.base import utcnow
from gongjian.models.enums import ActorType, AuditAction, Role
from gongjian.settings import get_settings

BAD_LOGIN = ProblemError(401, "invalid_credentials", "登录失败", "用户名或密码错误")


@dataclass(frozen=True, slots=True)
class LoginCandidate:
    user_id: int | None
    password_hash: str | None


def _locked_problem(locked_until: datetime, now: datetime) -> ProblemError:
    seconds = max(1, math.ceil((locked_until - now).total_seconds()))
    return ProblemError(
        429,
        "login_locked",
        "登录尝试过多",
        f"该账号连续登录失败次数过多，请 {math.ceil(seconds / 60)} 分钟后再试",
        headers={"Retry-After": str(seconds)},
    )


def _throttle_row(session: Session, username: str) -> LoginThrottle | None:
    return session.execute(
        select(LoginThrottle).where(LoginThrottle.username == username).with_for_update()
    ).scalar_one_or_none()


def check_not_locked(session: Session, username: str) -> LoginCandidate:
    """Refuse a locked user name before any password work; return what verification needs."""
    now = utcnow()
    throttle = session.get(LoginThrottle, username)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        raise _locked_problem(throttle.locked_until, now)
    row = session.execute(
        select(User.id, User.password_hash).where(User.username == username, User.is_active.is_(True))
    ).first()
    return LoginCandidate(row.id, row.password_hash) if row else LoginCandidate(None, None)


def verify_candidate(candidate: LoginCandidate, password: str) -> bool:
    """CPU-heavy (argon2); callers run it in the thread pool."""
    if candidate.password_hash is None:
        burn_verification_time(password)
        return False
    return verify_password(candidate.password_hash, password)


def record_failure(session: Session, username: str) -> None:
    settings = get_settings()
    now = utcnow()
    throttle = _throttle_row(session, username)
    if throttle is None:
        throttle = LoginThrottle(username=username, failures=0, window_started_at=now)
        session.add(throttle)
    if now - throttle.window_started_at > timedelta(minutes=settings.login_window_minutes):
        throttle.failures = 0
        throttle.window_started_at = now
    throttle.failures += 1
    if throttle.failures >= settings.login_max_failures:
        throttle.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
        throttle.failures = 0
        throttle.window_started_at = now


def complete_login(session: Session, user_id: int) -> TokenResponse:
    user = session.get_one(User, user_id)
    username = user.username
    throttle = session.get(LoginThrottle, username)
    if throttle is not None:
        session.delete(throttle)
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
