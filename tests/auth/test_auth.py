"""Login, refresh, /me, the failed-login throttle, and token validation."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from factories import PASSWORD, assert_problem, headers_for, login, make_org, make_user, username_of
from gongjian.auth.tokens import ALGORITHM, signing_key
from gongjian.db import unit_of_work
from gongjian.models import LoginThrottle
from gongjian.models.enums import Role


def test_login_returns_bearer_tokens_and_me_describes_the_user(client: TestClient) -> None:
    org = make_org("unit", name="黄石市中级人民法院机关党委")
    user_id = make_user(Role.unit_admin, org, username="court-admin")
    response = client.post("auth/token", data={"username": "court-admin", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60
    assert body["access_token"] and body["refresh_token"]
    me = client.get("me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {
        "actor_type": "user",
        "id": user_id,
        "name": "测试用户",
        "role": "unit_admin",
        "organization_id": org,
        "organization_name": "黄石市中级人民法院机关党委",
        "username": "court-admin",
        "scopes": [],
        "allowed_actions": ["enter_volunteer_records", "publish_activity", "record_honor"],
    }


def test_me_says_what_each_role_may_start(client: TestClient) -> None:
    """The SPA shows 录入记录, 发布活动, 召集例会 and 登记荣誉 from this answer, never from the role itself."""
    community, unit, street = make_org("community"), make_org("unit"), make_org("street")
    everything = ["enter_volunteer_records", "publish_activity", "convene_meeting", "record_honor"]
    expected = {
        (Role.admin, None): everything,
        (Role.community_admin, community): everything,
        (Role.unit_admin, unit): ["enter_volunteer_records", "publish_activity", "record_honor"],
        (Role.street_admin, street): [],
        (Role.member, unit): [],
    }
    for (role, org), actions in expected.items():
        me = client.get("me", headers=headers_for(client, role, org))
        assert me.status_code == 200, me.text
        assert (me.json()["role"], me.json()["allowed_actions"]) == (role.value, actions)


def test_bad_password_and_unknown_user_are_the_same_401(client: TestClient) -> None:
    make_user(Role.admin, username="boss")
    wrong = client.post("auth/token", data={"username": "boss", "password": "nope-nope"})
    unknown = client.post("auth/token", data={"username": "ghost", "password": "nope-nope"})
    assert assert_problem(wrong, 401, "invalid_credentials") == assert_problem(unknown, 401, "invalid_credentials")


def test_missing_form_fields_is_422_listing_them(client: TestClient) -> None:
    body = assert_problem(client.post("auth/token", data={"username": "x"}), 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["body.password"]


def _expire_delays() -> None:
    """As if every delay so far had passed (the counts stay)."""
    with unit_of_work() as session:
        session.execute(update(LoginThrottle).values(blocked_until=None))


def test_repeated_failures_delay_the_username_with_growing_bounded_waits(client: TestClient) -> None:
    make_user(Role.admin, username="target")
    for _ in range(5):
        assert_problem(
            client.post("auth/token", data={"username": "target", "password": "bad-pass"}),
            401,
            "invalid_credentials",
        )
    # The fifth failure starts a delay: meanwhile even the right password waits (no password work).
    waiting = client.post("auth/token", data={"username": "target", "password": PASSWORD})
    assert_problem(waiting, 429, "login_throttled")
    assert waiting.headers["Retry-After"] == "1"
    # Each further failure doubles the account's delay.
    waits = []
    for _ in range(4):
        _expire_delays()
        client.post("auth/token", data={"username": "target", "password": "bad-pass"})
        retry = client.post("auth/token", data={"username": "target", "password": PASSWORD})
        waits.append(int(retry.headers["Retry-After"]))
    assert waits == [2, 4, 8, 16]
    # Another user name is not affected (this client has 9 failures: its address is not delayed yet).
    make_user(Role.admin, username="bystander")
    assert client.post("auth/token", data={"username": "bystander", "password": PASSWORD}).status_code == 200
    # The account's delay never exceeds 30 s, however many failures.
    with unit_of_work() as session:
        session.execute(update(LoginThrottle).where(LoginThrottle.key == "target").values(failures=40))
    _expire_delays()
    client.post("auth/token", data={"username": "target", "password": "bad-pass"})
    capped = client.post("auth/token", data={"username": "target", "password": PASSWORD})
    assert_problem(capped, 429, "login_throttled")
    assert capped.headers["Retry-After"] == "30"


def test_success_resets_the_failure_count(client: TestClient) -> None:
    make_user(Role.admin, username="forgetful")
    for _ in range(4):
        client.post("auth/token", data={"username": "forgetful", "password": "bad-pass"})
    assert client.post("auth/token", data={"username": "forgetful", "password": PASSWORD}).status_code == 200
    for _ in range(4):
        client.post("auth/token", data={"username": "forgetful", "password": "bad-pass"})
    assert client.post("auth/token", data={"username": "forgetful", "password": PASSWORD}).status_code == 200


def test_refresh_gives_new_tokens_and_rejects_access_tokens(client: TestClient) -> None:
    make_user(Role.admin, username="refresher")
    tokens = client.post("auth/token", data={"username": "refresher", "password": PASSWORD}).json()
    refreshed = client.post("auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert client.get("me", headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"}).status_code == 200
    assert_problem(
        client.post("auth/refresh", json={"refresh_token": tokens["access_token"]}),
        401,
        "invalid_refresh_token",
    )
    # A refresh token is not an access token either.
    assert_problem(
        client.get("me", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}), 401, "unauthorized"
    )


def _forge(payload: dict[str, object], key: str, algorithm: str) -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


def _claims(user_id: int, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {"sub": str(user_id), "ver": 1, "typ": "access", "iat": now, "exp": now + 600}
    claims.update(overrides)
    return claims


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda uid: _forge(_claims(uid), "", "none"), id="alg-none"),
        pytest.param(lambda uid: _forge(_claims(uid), signing_key(), "HS512"), id="other-algorithm"),
        pytest.param(lambda uid: _forge(_claims(uid), "not-our-key-" * 4, ALGORITHM), id="bad-signature"),
        pytest.param(
            lambda uid: _forge(_claims(uid, exp=int(time.time()) - 5), signing_key(), ALGORITHM), id="expired"
        ),
        pytest.param(
            lambda uid: _forge({k: v for k, v in _claims(uid).items() if k != "exp"}, signing_key(), ALGORITHM),
            id="no-exp",
        ),
        pytest.param(lambda uid: "not.a.jwt", id="garbage"),
    ],
)
def test_invalid_tokens_are_401(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    user_id = make_user(Role.admin)
    # Sanity: a well-formed token signed by us is accepted, so the 401s below are about the flaw.
    good = _forge(_claims(user_id), signing_key(), ALGORITHM)
    assert client.get("me", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    response = client.get("me", headers={"Authorization": f"Bearer {make_token(user_id)}"})
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_no_credentials_is_401(client: TestClient) -> None:
    assert_problem(client.get("organizations"), 401, "unauthorized")


def test_deactivation_and_password_change_invalidate_tokens(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    org = make_org()
    user_id = make_user(Role.member, org)
    member = login(client, username_of(user_id))
    assert client.get("me", headers=member).status_code == 200
    # The member changes its password: the old token stops working, the returned one works.
    changed = client.post(
        "me/password", json={"current_password": PASSWORD, "new_password": "brand-new-pass-1"}, headers=member
    )
    assert changed.status_code == 200
    assert_problem(client.get("me", headers=member), 401, "unauthorized")
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert client.get("me", headers=fresh).status_code == 200
    # Deactivated by the admin: refused at once.
    assert client.post(f"users/{user_id}/deactivate", headers=admin).status_code == 200
    assert_problem(client.get("me", headers=fresh), 401, "unauthorized")
    assert_problem(
        client.post("auth/token", data={"username": username_of(user_id), "password": "brand-new-pass-1"}),
        401,
        "invalid_credentials",
    )


def test_change_password_needs_the_current_one(client: TestClient) -> None:
    member = headers_for(client, Role.member, make_org())
    wrong = client.post(
        "me/password",
        json={"current_password": "not-it-at-all", "new_password": "brand-new-pass-1"},
        headers=member,
    )
    problem = assert_problem(wrong, 422, "wrong_password")
    # On the field it concerns, so a form shows it there.
    assert problem["errors"] == [{"field": "body.current_password", "message": "当前密码不正确"}]
    short = client.post("me/password", json={"current_password": PASSWORD, "new_password": "short"}, headers=member)
    assert_problem(short, 422, "validation_error")


@pytest.mark.parametrize(
    ("peer", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # one host's /64 is one client
        ("::ffff:203.0.113.7", "203.0.113.7"),  # IPv4 through a dual-stack socket stays per address
        ("testclient", "testclient"),
    ],
)
def test_the_throttle_counts_a_client_by_its_address(peer: str, counted_as: str) -> None:
    from starlette.requests import Request

    from gongjian.auth.throttle import client_address

    assert client_address(Request({"type": "http", "client": (peer, 5000), "headers": []})) == counted_as
