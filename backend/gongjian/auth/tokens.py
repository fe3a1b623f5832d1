"""Access and refresh tokens: HS256 JWTs with `exp` required and the algorithm list fixed.

A refresh token also names its login session (`sid`, a refresh-token family) and its own id
(`jti`); sessions.py decides whether that id may still be spent. Access tokens stay stateless:
they are checked against the user row only (active, `token_version`), so one issued before a logout
or a revoked family lives out its short lifetime (GONGJIAN_ACCESS_TOKEN_MINUTES) and no longer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal

import jwt

from gongjian.settings import get_settings

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]


@lru_cache(maxsize=1)
def signing_key() -> str:
    return get_settings().resolved_secret_key


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    token_version: int
    token_type: TokenType
    # Refresh tokens only: the login session (family) and this token's id.
    session_id: str | None = None
    jti: str | None = None


def issue_token(
    user_id: int, token_version: int, token_type: TokenType, session_id: str | None = None, jti: str | None = None
) -> tuple[str, int]:
    """Returns the token and its lifetime in seconds."""
    settings = get_settings()
    lifetime = (
        timedelta(minutes=settings.access_token_minutes)
        if token_type == "access"
        else timedelta(days=settings.refresh_token_days)
    )
    now = datetime.now(UTC)
    payload: dict[str, object] = {
        "sub": str(user_id),
        "ver": token_version,
        "typ": token_type,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    if session_id is not None:
        payload["sid"] = session_id
        payload["jti"] = jti
    return jwt.encode(payload, signing_key(), algorithm=ALGORITHM), int(lifetime.total_seconds())


def decode_token(token: str, expected_type: TokenType) -> TokenClaims | None:
    """None for anything not a valid, unexpired token of the expected type signed by us."""
    verified = _verify(token)
    if verified is None:
        return None
    claims, expires_at = verified
    if claims.token_type != expected_type or expires_at <= time.time():
        return None
    return claims


@lru_cache(maxsize=4096)
def _verify(token: str) -> tuple[TokenClaims, int] | None:
    """Signature and shape check, memoised: a client sends the same token for its whole life, and
    verifying it is a pure function of the token and our key. Expiry is checked on every use by
    `decode_token`, and revocation by the caller's user lookup, so the memo never grants more."""
    try:
        payload = jwt.decode(
            token,
            signing_key(),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "typ", "ver"]},
        )
        if payload["typ"] not in ("access", "refresh"):
            return None
        sid, jti = payload.get("sid"), payload.get("jti")
        if payload["typ"] == "refresh" and not (isinstance(sid, str) and isinstance(jti, str)):
            return None  # issued before refresh tokens rotated: sign in again
        claims = TokenClaims(int(payload["sub"]), int(payload["ver"]), payload["typ"], sid, jti)
        return claims, int(payload["exp"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
