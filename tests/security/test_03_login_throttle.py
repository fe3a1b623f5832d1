"""Finding 3: the login throttle locked out the real owner and let one client try any number of
user names.

The attack: five wrong passwords for `admin`, from anywhere, locked `admin` out for 300 s even with
the right password; 40 different user names from one client were never slowed down, and each left
a throttle row. The safe answer: failures are counted per client address and per account, each
with growing delays (429 `login_throttled` with `Retry-After`); the per-address delay grows, the
per-account one stays short, so the owner signing in from elsewhere waits seconds, not minutes;
throttle rows stay bounded; and a failed login to an existing account is an audit event
(`login_failed`) that never holds the attempted password.

Each client is a distinct loopback address (127.0.0.x), as distinct hosts would be.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import func, select

from factories import PASSWORD, assert_problem, login, make_user, username_of
from gongjian.db import unit_of_work
from gongjian.models import LoginThrottle
from gongjian.models.enums import Role

# The defaults (settings.py): per account, delays start after 5 failures and never exceed 30 s.
ACCOUNT_FREE_FAILURES = 5
ACCOUNT_MAX_DELAY = 30


@contextmanager
def client_at(server: str, address: str) -> Iterator[httpx.Client]:
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=f"{server}/api/v1/", timeout=60, transport=transport) as client:
        yield client


def _try(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("auth/token", data={"username": username, "password": password})


def test_one_client_trying_many_user_names_is_slowed_down(server: str) -> None:
    statuses = []
    with client_at(server, "127.0.0.2") as attacker:
        for _ in range(40):
            response = _try(attacker, f"guess-{secrets.token_hex(4)}", "Spring2024!")
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert_problem(response, 429, "login_throttled")
                assert int(response.headers["Retry-After"]) >= 1
    assert statuses[0] == 401
    assert statuses.count(401) <= 12, statuses
    assert statuses[-1] == 429, statuses
    # A throttled attempt leaves nothing behind: the rows are bounded by the failures that counted.
    with unit_of_work() as session:
        assert session.execute(select(func.count()).select_from(LoginThrottle)).scalar_one() <= 13
    # Another client is not slowed down by it.
    owner = username_of(make_user(Role.admin))
    with client_at(server, "127.0.0.3") as other:
        assert _try(other, owner, PASSWORD).status_code == 200


def test_the_owner_is_delayed_briefly_not_locked_out(server: str, http: httpx.Client) -> None:
    owner = username_of(make_user(Role.admin, username="owner-admin"))
    with client_at(server, "127.0.0.4") as attacker:
        for _ in range(ACCOUNT_FREE_FAILURES):
            assert_problem(_try(attacker, owner, "not-the-password"), 401, "invalid_credentials")
        refused = _try(attacker, owner, "not-the-password-either")
        assert_problem(refused, 429, "login_throttled")
    with client_at(server, "127.0.0.5") as owner_client:
        first = _try(owner_client, owner, PASSWORD)
        if first.status_code == 429:
            assert_problem(first, 429, "login_throttled")
            wait = int(first.headers["Retry-After"])
            assert 1 <= wait <= ACCOUNT_MAX_DELAY, wait
            time.sleep(wait)
            first = _try(owner_client, owner, PASSWORD)
        assert first.status_code == 200, first.text
    # The failures are audited against the account, without the password tried.
    admin = login(http, owner)
    events = http.get("audit-events", params={"action": "login_failed"}, headers=admin)
    assert events.status_code == 200, events.text
    items = events.json()["items"]
    assert len(items) == ACCOUNT_FREE_FAILURES
    for event in items:
        assert (event["entity"], event["entity_id"]) == ("user", str(_user_id(owner)))
        assert event["changes"]["client"] == "127.0.0.4"
        assert "not-the-password" not in str(event)


def test_failures_for_unknown_names_are_not_audited(server: str, http: httpx.Client) -> None:
    with client_at(server, "127.0.0.6") as attacker:
        for _ in range(3):
            assert_problem(_try(attacker, f"ghost-{secrets.token_hex(4)}", "whatever-pass"), 401, "invalid_credentials")
    admin = login(http, username_of(make_user(Role.admin)))
    events = http.get("audit-events", params={"action": "login_failed"}, headers=admin)
    assert events.status_code == 200, events.text
    assert events.json()["total"] == 0


def _user_id(username: str) -> int:
    from gongjian.models import User

    with unit_of_work() as session:
        return session.execute(select(User.id).where(User.username == username)).scalar_one()
