"""Finding 2: password hashing was unbounded.

The attack: 80 concurrent `POST /auth/token` with random user names ran up to 40 argon2 checks at
once (64 MiB each): the process grew to 2.7 GiB and `/health` took 1.2 s. The safe answer: at most
`GONGJIAN_HASH_CONCURRENCY` checks run at once; a login that can't get a slot within a short wait
is refused with 429 `server_busy` and a `Retry-After`, and the rest of the API stays responsive.
A user name that doesn't exist costs one (constant) dummy check through the same slots.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from factories import assert_problem
from factories.live_server import live_server

ATTEMPTS = 24


def _login(base: str, username: str) -> httpx.Response:
    with httpx.Client(base_url=f"{base}/api/v1/", timeout=60) as client:
        return client.post("auth/token", data={"username": username, "password": secrets.token_urlsafe(12)})


def test_concurrent_logins_are_bounded_and_refused_with_retry_after(database_url: str) -> None:
    # A real-ish argon2 cost (each check takes a noticeable time) and one hashing slot; the
    # address throttle is out of the way so that what answers is the hashing bound.
    env = {
        "GONGJIAN_ARGON2_TIME_COST": "3",
        "GONGJIAN_ARGON2_MEMORY_KIB": str(32 * 1024),
        "GONGJIAN_HASH_CONCURRENCY": "1",
        "GONGJIAN_HASH_WAIT_SECONDS": "0.5",
        "GONGJIAN_LOGIN_ADDRESS_FREE_FAILURES": "1000",
    }
    with live_server(env) as base, ThreadPoolExecutor(ATTEMPTS + 1) as pool:
        assert _login(base, "warm-up").status_code == 401  # the dummy hash is made once, up front
        started = time.monotonic()
        futures = [pool.submit(_login, base, f"nobody-{secrets.token_hex(4)}") for _ in range(ATTEMPTS)]
        time.sleep(0.2)  # the logins are queued on the server now
        health = [_timed_health(base) for _ in range(5)]
        answers = [f.result() for f in futures]
        total = time.monotonic() - started
    statuses = sorted(r.status_code for r in answers)
    busy = [r for r in answers if r.status_code == 429]
    assert set(statuses) == {401, 429}, statuses
    assert len(busy) >= ATTEMPTS // 2, statuses
    for response in busy:
        assert_problem(response, 429, "server_busy")
        assert 1 <= int(response.headers["Retry-After"]) <= 5
    for response in answers:
        if response.status_code == 401:
            assert_problem(response, 401, "invalid_credentials")
    # Refused quickly rather than queued behind every other check.
    assert total < 20, total
    # The rest of the API answers meanwhile (the median of five probes: the machine may be shared).
    assert all(status == 200 for status, _ in health)
    assert sorted(seconds for _, seconds in health)[2] < 0.5, health


def _timed_health(base: str) -> tuple[int, float]:
    started = time.monotonic()
    status = httpx.get(f"{base}/api/v1/health", timeout=60).status_code
    return status, time.monotonic() - started
