"""Finding 8: weak passwords were accepted, and surrounding spaces were stripped when a password
was set but not at login.

The attack: an admin set `12345678` or `password` for an account (accepted), and a password set as
"  long passphrase  " could then never be used to sign in. The safe answer: one rule wherever a
password is set (account creation, reset, own change) — at least 10 characters, not common or
guessable (zxcvbn score, including the user name and display name as guessable words), answered
422 problem+json naming the field with a Chinese reason; and a password is kept exactly as typed,
so what was set is what signs in.
"""

from __future__ import annotations

import httpx
import pytest

from factories import PASSWORD, assert_problem, login, make_org, make_user, username_of
from gongjian.models.enums import Role


@pytest.fixture
def admin(http: httpx.Client) -> dict[str, str]:
    return login(http, username_of(make_user(Role.admin)))


@pytest.mark.parametrize("weak", ["12345678", "password", "1234567890", "password123", "qwertyuiop"])
def test_weak_password_is_refused_when_creating_an_account(
    http: httpx.Client, admin: dict[str, str], weak: str
) -> None:
    body = {"username": "weak-account", "display_name": "弱密码", "role": "admin", "password": weak}
    problem = assert_problem(http.post("users", json=body, headers=admin), 422, _code_for(weak))
    assert [e["field"] for e in problem["errors"]] == ["body.password"]
    assert all(_is_chinese(e["message"]) for e in problem["errors"])
    assert http.post("auth/token", data={"username": "weak-account", "password": weak}).status_code == 401


def _code_for(password: str) -> str:
    return "validation_error" if len(password) < 10 else "weak_password"


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_password_made_of_the_user_name_is_refused(http: httpx.Client, admin: dict[str, str]) -> None:
    body = {"username": "zhangweiming", "display_name": "张伟明", "role": "admin", "password": "zhangweiming1"}
    problem = assert_problem(http.post("users", json=body, headers=admin), 422, "weak_password")
    assert problem["errors"][0]["field"] == "body.password"


def test_weak_password_is_refused_on_reset_and_own_change(http: httpx.Client, admin: dict[str, str]) -> None:
    user_id = make_user(Role.member, make_org())
    reset = http.post(f"users/{user_id}/reset-password", json={"new_password": "password123"}, headers=admin)
    assert assert_problem(reset, 422, "weak_password")["errors"][0]["field"] == "body.new_password"
    member = login(http, username_of(user_id))
    change = http.post("me/password", json={"current_password": PASSWORD, "new_password": "abcdefghij"}, headers=member)
    assert assert_problem(change, 422, "weak_password")["errors"][0]["field"] == "body.new_password"
    # Nothing changed: the old password still signs in.
    login(http, username_of(user_id))


def test_the_password_set_is_the_password_that_signs_in(http: httpx.Client, admin: dict[str, str]) -> None:
    spaced = "  lantern harbour violet  "
    body = {"username": "spaced-pass", "display_name": "空格", "role": "admin", "password": spaced}
    assert http.post("users", json=body, headers=admin).status_code == 201
    # Exactly as typed signs in; the trimmed form is a different password.
    assert http.post("auth/token", data={"username": "spaced-pass", "password": spaced}).status_code == 200
    assert_problem(
        http.post("auth/token", data={"username": "spaced-pass", "password": spaced.strip()}),
        401,
        "invalid_credentials",
    )
    # The same holds for the current password of an own change.
    headers = login(http, "spaced-pass", spaced)
    changed = http.post(
        "me/password",
        json={"current_password": spaced, "new_password": " quiet meadow lantern "},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert (
        http.post("auth/token", data={"username": "spaced-pass", "password": " quiet meadow lantern "}).status_code
        == 200
    )
