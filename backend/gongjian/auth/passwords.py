"""Passwords: argon2id hashing behind a bound on how many run at once, and the rule for new ones.

The default cost is argon2-cffi's (RFC 9106 low-memory profile: t=3, 64 MiB). The cost can be
lowered with GONGJIAN_ARGON2_TIME_COST / GONGJIAN_ARGON2_MEMORY_KIB — the test suite does, since it
creates hundreds of accounts; hashes made with any cost verify under any other.

Every hash and every check takes one of GONGJIAN_HASH_CONCURRENCY slots (per process): 80 logins at
once would otherwise hold 80 × 64 MiB and starve every other request of CPU. A caller that gets no
slot within GONGJIAN_HASH_WAIT_SECONDS is answered 429 `server_busy` with `Retry-After`. The slots
are a thread semaphore because hashing runs in worker threads (never on the event loop); the login
waits for its slot on the event loop (`verify_password_async`), so waiting logins hold no thread.

A password is used exactly as typed — never trimmed, neither when set nor when checked — and a new
one must pass `require_acceptable`: at least 10 characters and a zxcvbn score of
GONGJIAN_PASSWORD_MIN_SCORE, with the account's user name and display name counted as guessable.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import StringConstraints
from starlette.concurrency import run_in_threadpool
from zxcvbn import zxcvbn

from gongjian.kit.errors import ProblemError, unprocessable
from gongjian.settings import get_settings

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# zxcvbn refuses longer input; the strength of a prefix is a lower bound of the whole's.
_ZXCVBN_MAX_LENGTH = 72

# A password as typed: `InputModel` trims strings, passwords are the exception.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=MAX_PASSWORD_LENGTH)]
NewPassword = Annotated[
    str, StringConstraints(strip_whitespace=False, min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
]

# zxcvbn's warnings, in the Chinese users read; anything else gets the general reason.
_WARNINGS = {
    "This is a top-10 common password.": "这是最常见的密码之一",
    "This is a top-100 common password.": "这是非常常见的密码",
    "This is a very common password.": "这是常见密码",
    "This is similar to a commonly used password.": "与常见密码过于相似",
    "Straight rows of keys are easy to guess.": "键盘上连续的按键很容易被猜到",
    "Short keyboard patterns are easy to guess.": "键盘图案很容易被猜到",
    'Repeats like "aaa" are easy to guess.': "重复的字符很容易被猜到",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': "重复的片段很容易被猜到",
    "Sequences like abc or 6543 are easy to guess.": "abc、6543 这样的序列很容易被猜到",
    "Recent years are easy to guess.": "近年的年份很容易被猜到",
    "Dates are often easy to guess.": "日期很容易被猜到",
    "A word by itself is easy to guess.": "单个单词很容易被猜到",
    "Names and surnames by themselves are easy to guess.": "姓名很容易被猜到",
    "Common names and surnames are easy to guess.": "常见姓名很容易被猜到",
}


def require_acceptable(password: str, field: str, *guessable: str) -> None:
    """422 `weak_password` on `field` unless `password` may be set; `guessable` are the account's
    user name and display name (a password built from them is weak whatever zxcvbn's lists say)."""
    if len(password) < MIN_PASSWORD_LENGTH:  # schemas say so too; this is the rule for every caller
        raise unprocessable("weak_password", f"密码至少 {MIN_PASSWORD_LENGTH} 个字符", field=field)
    result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=[g for g in guessable if g])
    if result["score"] < get_settings().password_min_score:
        reason = _WARNINGS.get(result["feedback"]["warning"], "容易被猜到")
        raise unprocessable("weak_password", f"密码强度不足：{reason}。请使用更长、不常见的词语组合", field=field)


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    settings = get_settings()
    defaults = PasswordHasher()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost or defaults.time_cost,
        memory_cost=settings.argon2_memory_kib or defaults.memory_cost,
        parallelism=defaults.parallelism,
    )


@lru_cache(maxsize=1)
def _slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(get_settings().hash_concurrency)


def _busy() -> ProblemError:
    retry_after = max(1, math.ceil(get_settings().hash_wait_seconds))
    return ProblemError(
        429, "server_busy", "请求过于频繁", "服务器繁忙，请稍后再试", headers={"Retry-After": str(retry_after)}
    )


@contextmanager
def _slot() -> Iterator[None]:
    """A hashing slot for the calling thread, or 429 `server_busy` after the wait."""
    if not _slots().acquire(timeout=get_settings().hash_wait_seconds):
        raise _busy()
    try:
        yield
    finally:
        _slots().release()


def hash_password(password: str) -> str:
    """Blocking and slow: call from a worker thread."""
    with _slot():
        return _hasher().hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str, password: str) -> bool:
    """Blocking and slow: call from a worker thread."""
    with _slot():
        return _verify(password_hash, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """Check on a worker thread once a slot is free, waiting for it on the event loop. No hash
    (no such user) is checked against a throwaway one, so both take the same time and the same slot."""
    deadline = time.monotonic() + get_settings().hash_wait_seconds
    pause = 0.005
    while not _slots().acquire(blocking=False):
        if time.monotonic() >= deadline:
            raise _busy()
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)
    try:
        return await run_in_threadpool(_check, password_hash, password)
    finally:
        _slots().release()


def _check(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        _verify(_dummy_hash(), password)
        return False
    return _verify(password_hash, password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Made without a slot: it happens once per process (the caller already holds a slot).
    return _hasher().hash(secrets.token_urlsafe(16))


def generate_password() -> str:
    return secrets.token_urlsafe(12)
