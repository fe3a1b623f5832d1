"""Password hashing with argon2id.

The default cost is argon2-cffi's (RFC 9106 low-memory profile: t=3, 64 MiB). The cost can be
lowered with GONGJIAN_ARGON2_TIME_COST / GONGJIAN_ARGON2_MEMORY_KIB — the test suite does, since it
creates hundreds of accounts; hashes made with any cost verify under any other.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gongjian.settings import get_settings

MIN_PASSWORD_LENGTH = 8


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    settings = get_settings()
    defaults = PasswordHasher()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost or defaults.time_cost,
        memory_cost=settings.argon2_memory_kib or defaults.memory_cost,
        parallelism=defaults.parallelism,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_verification_time(password: str) -> None:
    """Verify against a throwaway hash so "no such user" takes as long as "wrong password"."""
    verify_password(_dummy_hash(), password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)
