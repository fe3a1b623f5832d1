"""Checking a user name and password, behind the failed-login throttle.

Password login (`POST /auth/token`) and binding WeChat with the member's credentials
(`POST /auth/wechat/bind`) both go through `verify_credentials`, so both count failures against the
same user name, lock it the same way (429 `login_locked` with `Retry-After`) and take the same time
whether or not the user exists. A successful login clears the count (`clear`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from gongjian.auth.passwords import burn_verification_time, verify_password
from gongjian.db import unit_of_work
from gongjian.kit.errors import ProblemError
from gongjian.models import LoginThrottle, User
from gongjian.models.base import utcnow
from gongjian.settings import get_settings

BAD_LOGIN = ProblemError(401, "invalid_credentials", "登录失败", "用户名或密码错误")


@dataclass(frozen=True, slots=True)
class LoginCandidate:
    user_id: int | None
    password_hash: str | None


async def verify_credentials(username: str, password: str) -> int:
    """The id of the active user with this name and password; else 401 `invalid_credentials`
    (the failure counted) or, while the name is locked, 429 `login_locked`.

    argon2 is deliberately slow: it runs in the thread pool, outside any transaction.
    """
    with unit_of_work() as session:
        candidate = check_not_locked(session, username)
    if not await run_in_threadpool(verify_candidate, candidate, password):
        with unit_of_work(write_lock=True) as session:
            record_failure(session, username)
        raise BAD_LOGIN
    assert candidate.user_id is not None
    return candidate.user_id


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


def clear(session: Session, username: str) -> None:
    """After a successful login: the failures so far no longer count."""
    throttle = session.get(LoginThrottle, username)
    if throttle is not None:
        session.delete(throttle)
