"""Checking a user name and password, behind the failed-login throttle.

Password login (`POST /auth/token`) and binding WeChat with the member's credentials
(`POST /auth/wechat/bind`) both go through `verify_credentials`, so both count failures the same
way and take the same time whether or not the user exists.

Every failure counts twice: against the client address and against the user name. Each count is
free up to a number of failures; from there every failure doubles a delay (1 s, 2 s, 4 s, ...) during
which that address or user name is answered 429 `login_throttled` with `Retry-After`, before any
password work:
- per address (default 10 free, capped at 15 min): one client can't try many names or passwords;
- per account (default 5 free, capped at 30 s): many clients together are slowed on one account,
  yet the owner, signing in from elsewhere, waits seconds, never minutes.
A count is forgotten a window (15 min) after its last failure or the end of its delay, and its row
purged then, so rows are bounded by what the address throttle lets through. Unknown user names get
rows too: otherwise a 429 would tell an attacker that an account exists. A success clears the
account's count, not the address's (else a client with an account of its own could reset its
address between guesses).

A failure on an existing account is an audit event `login_failed` with the client address (never the
password); failures the throttle refuses are not, so the log grows at most as fast as the account's
delays allow. Unknown user names are not audited (anyone could fill the log with them).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gongjian.auth.passwords import verify_password_async
from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.errors import ProblemError
from gongjian.kit.principal import Principal
from gongjian.models import LoginThrottle, User
from gongjian.models.base import utcnow
from gongjian.models.enums import ActorType, AuditAction, Role
from gongjian.settings import get_settings

BAD_LOGIN = ProblemError(401, "invalid_credentials", "登录失败", "用户名或密码错误")
# Who a failed login is recorded as: not the account's owner, whoever it was.
VISITOR = Principal(ActorType.system, 0, "未登录的访客", Role.member, None)
ADDRESS, ACCOUNT = "address", "account"


def client_address(request: Request) -> str:
    """The caller's address as the throttle counts it: the TCP peer (a reverse proxy's forwarded
    address only when GONGJIAN_TRUSTED_PROXIES says so; `gongjian serve` passes it to uvicorn).
    IPv6 counts per /64, the block one host usually has; an IPv4 client seen by a dual-stack socket
    (::ffff:a.b.c.d) is its IPv4 address, not one /64 shared by every IPv4 client."""
    host = request.client.host if request.client else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True, slots=True)
class Candidate:
    user_id: int | None
    password_hash: str | None


async def verify_credentials(username: str, password: str, client: str, via: str = "password") -> int:
    """The id of the active user with this name and password; else 401 `invalid_credentials`
    (the failure counted), 429 `login_throttled` while the address or the name must wait, or
    429 `server_busy` when no hashing slot is free (passwords.py).

    argon2 is deliberately slow: it runs in the thread pool, outside any transaction.
    """
    with unit_of_work() as session:
        candidate = check_not_throttled(session, username, client)
    if not await verify_password_async(candidate.password_hash, password):
        with unit_of_work(write_lock=True) as session:
            record_failure(session, username, client, candidate.user_id, via)
        raise BAD_LOGIN
    assert candidate.user_id is not None
    return candidate.user_id


def _throttled(blocked_until: datetime, now: datetime) -> ProblemError:
    seconds = max(1, math.ceil((blocked_until - now).total_seconds()))
    return ProblemError(
        429,
        "login_throttled",
        "登录尝试过多",
        f"登录失败次数过多，请 {seconds} 秒后再试",
        headers={"Retry-After": str(seconds)},
    )


def check_not_throttled(session: Session, username: str, client: str) -> Candidate:
    """Refuse a waiting address or user name before any password work; return what verification needs."""
    now = utcnow()
    rows = session.execute(
        select(LoginThrottle.blocked_until).where(
            ((LoginThrottle.scope == ADDRESS) & (LoginThrottle.key == client))
            | ((LoginThrottle.scope == ACCOUNT) & (LoginThrottle.key == username))
        )
    ).scalars()
    waits = [until for until in rows if until is not None and until > now]
    if waits:
        raise _throttled(max(waits), now)
    row = session.execute(
        select(User.id, User.password_hash).where(User.username == username, User.is_active.is_(True))
    ).first()
    return Candidate(row.id, row.password_hash) if row else Candidate(None, None)


def record_failure(session: Session, username: str, client: str, user_id: int | None, via: str) -> None:
    settings = get_settings()
    now = utcnow()
    _count(
        session, ADDRESS, client, now, settings.login_address_free_failures, settings.login_address_max_delay_seconds
    )
    _count(
        session, ACCOUNT, username, now, settings.login_account_free_failures, settings.login_account_max_delay_seconds
    )
    if user_id is not None:
        audit.record(session, VISITOR, AuditAction.login_failed, "user", user_id, {"via": via, "client": client})
    session.execute(delete(LoginThrottle).where(LoginThrottle.forget_after < now))


def _count(session: Session, scope: str, key: str, now: datetime, free: int, max_delay: int) -> None:
    """One more failure for (scope, key); past `free` failures, a doubled delay up to `max_delay`."""
    window = timedelta(minutes=get_settings().login_window_minutes)
    # Insert-if-missing then lock: two first failures at once must not both insert (PostgreSQL).
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(LoginThrottle) if dialect == "postgresql" else sqlite.insert(LoginThrottle)
    session.execute(insert.values(scope=scope, key=key, failures=0, forget_after=now).on_conflict_do_nothing())
    row = session.execute(
        select(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key).with_for_update()
    ).scalar_one()
    if row.forget_after < now:
        row.failures = 0
        row.blocked_until = None
    row.failures += 1
    beyond = row.failures - free
    if beyond >= 0:
        row.blocked_until = now + timedelta(seconds=min(max_delay, 2 ** min(beyond, 30)))
    row.forget_after = max(now, row.blocked_until or now) + window


def clear(session: Session, username: str) -> None:
    """After a successful login: the account's failures so far no longer count."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.scope == ACCOUNT, LoginThrottle.key == username))
