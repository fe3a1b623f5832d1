"""Finding 7: refresh tokens never rotated and there was no logout.

The attack: one refresh token, once stolen, gave fresh tokens any number of times for 14 days, and
signing out did not end it. The safe answer: every refresh answers a new refresh token and spends
the old one; presenting a spent one again (reuse: someone else holds a copy) revokes the whole
family — every refresh token descended from that login — with 401 `invalid_refresh_token`;
`POST /auth/logout` ends the family (204). The database keeps only token ids, never tokens.
Access tokens stay stateless: one already issued lives out its short lifetime (`expires_in`).
"""

from __future__ import annotations

import httpx
from sqlalchemy import select

from factories import PASSWORD, assert_problem, make_user, username_of
from gongjian.db import unit_of_work
from gongjian.models import Base
from gongjian.models.enums import Role


def _login(http: httpx.Client, username: str) -> dict[str, str]:
    response = http.post("auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _refresh(http: httpx.Client, token: str) -> httpx.Response:
    return http.post("auth/refresh", json={"refresh_token": token})


def test_refresh_rotates_and_reuse_revokes_the_family(http: httpx.Client) -> None:
    username = username_of(make_user(Role.admin))
    first = _login(http, username)
    other_device = _login(http, username)
    rotated = _refresh(http, first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert http.get("me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 200
    # The spent token comes back: a copy is in someone else's hands. Refused, and the family ends.
    assert_problem(_refresh(http, first["refresh_token"]), 401, "invalid_refresh_token")
    assert_problem(_refresh(http, second["refresh_token"]), 401, "invalid_refresh_token")
    # Another login (another device) is its own family and goes on.
    assert _refresh(http, other_device["refresh_token"]).status_code == 200
    # Access tokens are short-lived: what a thief got expires soon whatever happens.
    assert second["expires_in"] <= 30 * 60


def test_logout_ends_the_family(http: httpx.Client) -> None:
    username = username_of(make_user(Role.admin))
    tokens = _login(http, username)
    rotated = _refresh(http, tokens["refresh_token"]).json()
    out = http.post("auth/logout", json={"refresh_token": rotated["refresh_token"]})
    assert out.status_code == 204, out.text
    assert out.content == b""
    assert_problem(_refresh(http, rotated["refresh_token"]), 401, "invalid_refresh_token")
    # Logging out again is harmless; a token that isn't ours is refused.
    assert http.post("auth/logout", json={"refresh_token": rotated["refresh_token"]}).status_code == 204
    assert_problem(http.post("auth/logout", json={"refresh_token": "not-a-token"}), 401, "invalid_refresh_token")


def test_no_refresh_token_is_stored(http: httpx.Client) -> None:
    username = username_of(make_user(Role.admin))
    tokens = _login(http, username)
    issued = [tokens["refresh_token"], _refresh(http, tokens["refresh_token"]).json()["refresh_token"]]
    with unit_of_work() as session:
        for table in Base.metadata.sorted_tables:
            dump = str(session.execute(select(table)).all())
            for token in issued:
                assert token not in dump, table.name
