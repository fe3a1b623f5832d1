"""Access and refresh tokens: HS256 JWTs with `exp` required and the algorithm list fixed."""

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


def issue_token(user_id: int, token_version: int, token_type: TokenType) -> tuple[str, int]:
    """Returns the token and its lifetime in seconds."""
    settings = get_settings()
    lifetime = (
        timedelta(minutes=settings.access_token_minutes)
        if token_type == "access"
        else timedelta(days=settings.refresh_token_days)
    )
    now = datetime.now(UTC)
    payload = {
        "sub": str(user_id),
        "ver": token_version,
        "typ": token_type,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
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
        return TokenClaims(int(payload["sub"]), int(payload["ver"]), payload["typ"]), int(payload["exp"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
