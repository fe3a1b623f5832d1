"""Login (the failed-attempt throttle is in throttle.py), token refresh and logout (the refresh-token
families are in sessions.py), and the caller's own account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from gongjian.activities.permissions import may_publish
from gongjian.auth import sessions, throttle
from gongjian.auth.passwords import hash_password, require_acceptable, verify_password
from gongjian.auth.schemas import CallerAction, MeRead, TokenResponse
from gongjian.auth.tokens import TokenClaims, decode_token
from gongjian.db import unit_of_work
from gongjian.honors.permissions import may_record_some
from gongjian.kit import audit
from gongjian.kit.errors import ProblemError, unprocessable
from gongjian.kit.principal import Principal
from gongjian.meetings.permissions import may_convene
from gongjian.models import Organization, User
from gongjian.models.base import utcnow
from gongjian.models.enums import ActorType, AuditAction, Role
from gongjian.volunteering.permissions import may_enter_records

INVALID_REFRESH = ProblemError(401, "invalid_refresh_token", "刷新令牌无效", "刷新令牌无效或已过期，请重新登录")


async def login(username: str, password: str, client: str) -> TokenResponse:
    """Password login: the throttled credential check, then tokens (and the login audited)."""
    username = username.strip()
    if "\x00" in username or len(username) > 64:  # can't be a user name; PostgreSQL refuses NUL
        raise throttle.BAD_LOGIN
    user_id = await throttle.verify_credentials(username, password, client)
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
    """Tokens for a user who just signed in: a new login session, written in the transaction
    that loaded `user` (the sign-in's)."""
    session = object_session(user)
    assert session is not None, "tokens_for needs a user loaded in the sign-in's session"
    return sessions.start(session, user)


def _refresh_claims(refresh_token: str) -> TokenClaims:
    claims = decode_token(refresh_token, "refresh")
    if claims is None:
        raise INVALID_REFRESH
    return claims


def refresh(refresh_token: str) -> TokenResponse:
    """Rotate: new tokens for a refresh token that may be spent. A refused one is 401; if it was
    spent before, its family's revocation is committed first."""
    claims = _refresh_claims(refresh_token)
    with unit_of_work(write_lock=True) as session:
        tokens = sessions.rotate(session, claims)
    if tokens is None:
        raise INVALID_REFRESH
    return tokens


def logout(refresh_token: str) -> None:
    """End the login session (refresh-token family) this token belongs to; ended already is fine."""
    claims = _refresh_claims(refresh_token)
    with unit_of_work(write_lock=True) as session:
        sessions.end(session, claims)


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
        allowed_actions=caller_actions(principal),
    )


def caller_actions(principal: Principal) -> list[CallerAction]:
    """What the caller's role may start (`MeRead.allowed_actions`), each by its domain's rule."""
    rules = {
        CallerAction.enter_volunteer_records: may_enter_records,
        CallerAction.publish_activity: may_publish,
        CallerAction.convene_meeting: may_convene,
        CallerAction.record_honor: may_record_some,
    }
    return [action for action, may in rules.items() if may(principal)]


def change_own_password(session: Session, principal: Principal, current: str, new: str) -> TokenResponse:
    if principal.actor_type is not ActorType.user:
        raise ProblemError(403, "forbidden", "无权操作", "API 密钥没有密码")
    user = session.get_one(User, principal.id)
    if not verify_password(user.password_hash, current):
        raise unprocessable("wrong_password", "当前密码不正确", field="body.current_password")
    require_acceptable(new, "body.new_password", user.username, user.display_name)
    user.password_hash = hash_password(new)
    user.token_version += 1
    user.version += 1
    audit.record(session, principal, AuditAction.change_password, "user", user.id)
    return tokens_for(user)
