"""Login sessions: each login starts a family of refresh tokens that rotate on every refresh.

Only the id (`jti`) of the one refresh token that may be spent next is stored, never a token. A
refresh spends it and answers a new one. A refresh token of the family whose id is no longer the
current one has been spent before: a copy is in two hands, and we can't tell whose is the thief's,
so the whole family is revoked (every token descended from that login) and both must sign in again.
Logout revokes the family too. A password change, reset or deactivation bumps `token_version`,
which ends every family of the account at once (checked on each refresh).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gongjian.auth.schemas import TokenResponse
from gongjian.auth.tokens import TokenClaims, issue_token
from gongjian.kit import audit
from gongjian.kit.principal import SYSTEM, Principal
from gongjian.models import LoginSession, User
from gongjian.models.base import utcnow
from gongjian.models.enums import ActorType, AuditAction, Role
from gongjian.settings import get_settings


def _lifetime() -> timedelta:
    return timedelta(days=get_settings().refresh_token_days)


def _tokens(user: User, family: LoginSession) -> TokenResponse:
    access, expires_in = issue_token(user.id, user.token_version, "access")
    refresh, _ = issue_token(user.id, user.token_version, "refresh", family.id, family.current_jti)
    return TokenResponse(access_token=access, refresh_token=refresh, expires_in=expires_in)


def start(session: Session, user: User) -> TokenResponse:
    """A new family for a login; families past their expiry are purged on the way."""
    now = utcnow()
    session.execute(delete(LoginSession).where(LoginSession.expires_at < now))
    family = LoginSession(
        id=secrets.token_hex(16),
        user_id=user.id,
        current_jti=secrets.token_hex(16),
        created_at=now,
        expires_at=now + _lifetime(),
    )
    session.add(family)
    return _tokens(user, family)


def _family(session: Session, claims: TokenClaims) -> LoginSession | None:
    family = session.execute(
        select(LoginSession).where(LoginSession.id == claims.session_id).with_for_update()
    ).scalar_one_or_none()
    return family if family is not None and family.user_id == claims.user_id else None


def rotate(session: Session, claims: TokenClaims) -> TokenResponse | None:
    """New tokens for a refresh token that may be spent, else None; a spent one revokes its family
    (written in this transaction: the caller commits before refusing)."""
    family = _family(session, claims)
    if family is None or family.revoked_at is not None or family.expires_at <= utcnow():
        return None
    if family.current_jti != claims.jti:
        _revoke(session, family, "reuse", SYSTEM)
        return None
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active or user.token_version != claims.token_version:
        return None
    now = utcnow()
    family.current_jti = secrets.token_hex(16)
    family.refreshed_at = now
    family.expires_at = now + _lifetime()
    return _tokens(user, family)


def end(session: Session, claims: TokenClaims) -> None:
    """Logout: revoke the family of this refresh token (already ended: nothing to do)."""
    family = _family(session, claims)
    if family is None or family.revoked_at is not None:
        return
    user = session.get_one(User, family.user_id)
    actor = Principal(ActorType.user, user.id, user.display_name, Role(user.role), user.organization_id)
    _revoke(session, family, "logout", actor)


def _revoke(session: Session, family: LoginSession, reason: str, actor: Principal) -> None:
    family.revoked_at = utcnow()
    family.revoked_reason = reason
    action = AuditAction.logout if reason == "logout" else AuditAction.revoke
    audit.record(session, actor, action, "login_session", family.id, {"user_id": family.user_id, "reason": reason})
