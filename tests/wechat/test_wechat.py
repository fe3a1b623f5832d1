"""WeChat mini-program login end to end, against a fake WeChat on a loopback port: the app's real
httpx code calls it, as it would call WeChat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from factories import (
    PASSWORD,
    api_key_headers,
    assert_problem,
    headers_for,
    link_user,
    login,
    make_member,
    make_org,
    make_user,
    username_of,
)
from factories.wechat import APPID, SECRET, FakeWechat, fake_wechat
from gongjian.db import unit_of_work
from gongjian.models import AuditEvent, Member, User, WechatBindingTicket
from gongjian.models.base import utcnow
from gongjian.models.enums import OrganizationKind, Role
from gongjian.settings import get_settings


@pytest.fixture
def wx(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWechat]:
    with fake_wechat() as fake:
        settings = get_settings()
        monkeypatch.setattr(settings, "wechat_appid", APPID)
        monkeypatch.setattr(settings, "wechat_secret", SECRET)
        monkeypatch.setattr(settings, "wechat_api_base", fake.base_url)
        monkeypatch.setattr(settings, "wechat_timeout_seconds", 1.0)
        yield fake


def wechat_login(client: TestClient, code: str) -> Any:
    return client.post("auth/wechat", json={"code": code})


def ticket_for(client: TestClient, wx: FakeWechat, code: str, openid: str) -> str:
    wx.user(code, openid)
    body = wechat_login(client, code).json()
    assert body["status"] == "binding_required", body
    return str(body["binding_ticket"])


def test_new_user_gets_a_ticket_binds_with_password_then_logs_in_directly(client: TestClient, wx: FakeWechat) -> None:
    org = make_org(OrganizationKind.unit)
    user_id = make_user(Role.member, org)
    wx.user("code-1", "openid-alice", unionid="union-alice")
    first = wechat_login(client, "code-1")
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "binding_required" and body["expires_in"] == 600
    assert set(body) == {"status", "binding_ticket", "expires_in"}
    # The server called jscode2session with our app id and secret and the code; nothing leaks back.
    assert wx.requests[-1] == {
        "path": "/sns/jscode2session",
        "appid": APPID,
        "secret": SECRET,
        "js_code": "code-1",
        "grant_type": "authorization_code",
    }
    assert "session_key" not in first.text and "openid-alice" not in first.text

    bound = client.post(
        "auth/wechat/bind",
        json={"binding_ticket": body["binding_ticket"], "username": username_of(user_id), "password": PASSWORD},
    )
    assert bound.status_code == 200, bound.text
    tokens = bound.json()
    me = client.get("me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert me["id"] == user_id and me["role"] == "member"
    # The ticket is spent.
    again = client.post(
        "auth/wechat/bind",
        json={"binding_ticket": body["binding_ticket"], "username": username_of(user_id), "password": PASSWORD},
    )
    assert_problem(again, 401, "wechat_ticket_invalid")

    # Next time the same WeChat user opens the mini-program: tokens straight away.
    wx.user("code-2", "openid-alice")
    direct = wechat_login(client, "code-2")
    assert direct.status_code == 200
    assert direct.json()["status"] == "bound" and direct.json()["token_type"] == "bearer"
    me = client.get("me", headers={"Authorization": f"Bearer {direct.json()['access_token']}"}).json()
    assert me["id"] == user_id
    refreshed = client.post("auth/refresh", json={"refresh_token": direct.json()["refresh_token"]})
    assert refreshed.status_code == 200
    with unit_of_work() as session:
        actions = session.execute(
            select(AuditEvent.action, AuditEvent.entity).where(AuditEvent.actor_id == user_id).order_by(AuditEvent.id)
        ).all()
    assert [tuple(a) for a in actions] == [("create", "wechat_identity"), ("login", "user"), ("login", "user")]


def test_bind_with_an_invitation_creates_the_members_login(client: TestClient, wx: FakeWechat) -> None:
    community, unit = make_org(OrganizationKind.community), make_org(OrganizationKind.unit)
    member_id = make_member(community, unit_org_id=unit, name="周党员")
    community_admin = headers_for(client, Role.community_admin, community)
    issued = client.post(f"members/{member_id}/wechat-invitations", headers=community_admin)
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]
    assert issued.json()["member_id"] == member_id and len(code) == 11 and code[5] == "-"

    ticket = ticket_for(client, wx, "code-m", "openid-zhou")
    # Typed in lower case and without the dash: still the code.
    bound = client.post(
        "auth/wechat/bind", json={"binding_ticket": ticket, "invitation_code": code.replace("-", "").lower()}
    )
    assert bound.status_code == 200, bound.text
    me = client.get("me", headers={"Authorization": f"Bearer {bound.json()['access_token']}"}).json()
    assert (me["role"], me["name"], me["organization_id"]) == ("member", "周党员", community)
    with unit_of_work() as session:
        assert session.get_one(Member, member_id).user_id == me["id"]
        user = session.get_one(User, me["id"])
        assert user.username.startswith("wx_")
    # That account has no password anyone could guess: password login always fails.
    assert_problem(
        client.post("auth/token", data={"username": me["username"], "password": "!wechat-only"}),
        401,
        "invalid_credentials",
    )
    # The invitation is spent; the member is now bound.
    other_ticket = ticket_for(client, wx, "code-n", "openid-someone-else")
    assert_problem(
        client.post("auth/wechat/bind", json={"binding_ticket": other_ticket, "invitation_code": code}),
        422,
        "invitation_invalid",
    )
    assert_problem(
        client.post(f"members/{member_id}/wechat-invitations", headers=community_admin), 409, "wechat_already_bound"
    )
    wx.user("code-again", "openid-zhou")
    assert wechat_login(client, "code-again").json()["status"] == "bound"


def test_invitation_to_a_member_with_a_login_binds_that_login(client: TestClient, wx: FakeWechat) -> None:
    community = make_org(OrganizationKind.community)
    user_id = make_user(Role.member, community)
    member_id = make_member(community, user_id=user_id)
    admin = headers_for(client, Role.admin)
    code = client.post(f"members/{member_id}/wechat-invitations", headers=admin).json()["code"]
    ticket = ticket_for(client, wx, "c1", "openid-linked")
    bound = client.post("auth/wechat/bind", json={"binding_ticket": ticket, "invitation_code": code})
    me = client.get("me", headers={"Authorization": f"Bearer {bound.json()['access_token']}"}).json()
    assert me["id"] == user_id


@pytest.mark.parametrize(
    ("errcode", "status", "problem"),
    [
        (40029, 401, "wechat_code_invalid"),
        (40163, 401, "wechat_code_invalid"),
        (45011, 429, "wechat_rate_limited"),
        (40226, 403, "wechat_user_blocked"),
        (-1, 502, "wechat_unavailable"),
        (40013, 502, "wechat_unavailable"),
    ],
)
def test_wechat_errors_map_to_problems(
    client: TestClient, wx: FakeWechat, errcode: int, status: int, problem: str
) -> None:
    wx.error("bad", errcode)
    response = wechat_login(client, "bad")
    body = assert_problem(response, status, problem)
    assert body["detail"]
    if status == 429:
        assert response.headers["Retry-After"] == "60"


def test_wechat_unreachable_slow_or_garbled_is_502(
    client: TestClient, wx: FakeWechat, monkeypatch: pytest.MonkeyPatch
) -> None:
    wx.answers["slow"] = ("sleep", 2.0)
    assert_problem(wechat_login(client, "slow"), 502, "wechat_unavailable")
    wx.answers["html"] = ("status", 502)
    assert_problem(wechat_login(client, "html"), 502, "wechat_unavailable")
    wx.answers["no-openid"] = {"session_key": "x"}
    assert_problem(wechat_login(client, "no-openid"), 502, "wechat_unavailable")
    monkeypatch.setattr(get_settings(), "wechat_secret", "wrong-secret")
    wx.user("good", "openid-x")
    assert_problem(wechat_login(client, "good"), 502, "wechat_unavailable")
    monkeypatch.setattr(get_settings(), "wechat_api_base", "http://127.0.0.1:9")
    assert_problem(wechat_login(client, "good"), 502, "wechat_unavailable")


def test_not_configured_is_503(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "wechat_appid", "")
    assert_problem(wechat_login(client, "anything"), 503, "wechat_not_configured")


def test_bind_refusals(client: TestClient, wx: FakeWechat) -> None:
    org = make_org(OrganizationKind.unit)
    alice, bob = make_user(Role.member, org), make_user(Role.member, org)
    ticket = ticket_for(client, wx, "a", "openid-a")
    creds = {"username": username_of(alice), "password": PASSWORD}
    # Neither or both ways of proving who you are.
    assert_problem(client.post("auth/wechat/bind", json={"binding_ticket": ticket}), 422, "validation_error")
    assert_problem(
        client.post("auth/wechat/bind", json={"binding_ticket": ticket, **creds, "invitation_code": "ABCDE-FGHJK"}),
        422,
        "validation_error",
    )
    assert_problem(
        client.post("auth/wechat/bind", json={"binding_ticket": ticket, "username": username_of(alice)}),
        422,
        "validation_error",
    )
    assert_problem(
        client.post("auth/wechat/bind", json={"binding_ticket": "forged", **creds}), 401, "wechat_ticket_invalid"
    )
    assert_problem(
        client.post("auth/wechat/bind", json={"binding_ticket": ticket, **creds, "password": "wrong-password"}),
        401,
        "invalid_credentials",
    )
    assert_problem(
        client.post("auth/wechat/bind", json={"binding_ticket": ticket, "invitation_code": "ABCDE-FGHJK"}),
        422,
        "invitation_invalid",
    )
    assert client.post("auth/wechat/bind", json={"binding_ticket": ticket, **creds}).status_code == 200
    # Alice's account already has a WeChat; another WeChat can't take it.
    second = ticket_for(client, wx, "b", "openid-b")
    assert_problem(
        client.post("auth/wechat/bind", json={"binding_ticket": second, **creds}), 409, "wechat_already_bound"
    )
    # A ticket that has expired is refused even with good credentials.
    late = ticket_for(client, wx, "c", "openid-c")
    with unit_of_work() as session:
        session.execute(update(WechatBindingTicket).values(expires_at=utcnow() - timedelta(seconds=1)))
    bob_creds = {"username": username_of(bob), "password": PASSWORD}
    assert_problem(
        client.post("auth/wechat/bind", json={"binding_ticket": late, **bob_creds}), 401, "wechat_ticket_invalid"
    )


def test_bound_but_deactivated_account_is_refused(client: TestClient, wx: FakeWechat) -> None:
    org = make_org(OrganizationKind.unit)
    user_id = make_user(Role.member, org)
    ticket = ticket_for(client, wx, "a", "openid-d")
    client.post(
        "auth/wechat/bind", json={"binding_ticket": ticket, "username": username_of(user_id), "password": PASSWORD}
    )
    admin = headers_for(client, Role.admin)
    assert client.post(f"users/{user_id}/deactivate", headers=admin).status_code == 200
    wx.user("again", "openid-d")
    assert_problem(wechat_login(client, "again"), 403, "account_inactive")


def test_who_may_issue_invitations(client: TestClient) -> None:
    """Who manages the login the invitation binds: its organisation's admin (the community's for a
    member without a login, who gets one there) or a platform admin; not the other side of dual
    management, which sees the member but doesn't own its login."""
    community, unit, other = (make_org(k) for k in ("community", "unit", "community"))
    member_id = make_member(community, unit_org_id=unit)
    unit_login = make_user(Role.member, unit)
    with_unit_login = make_member(community, unit_org_id=unit, user_id=unit_login)
    archived_id = make_member(community)
    headers = {
        "admin": headers_for(client, Role.admin),
        "community_admin": headers_for(client, Role.community_admin, community),
        "unit_admin": headers_for(client, Role.unit_admin, unit),
    }
    allowed = {
        (member_id, "admin"): 201,
        (member_id, "community_admin"): 201,
        (member_id, "unit_admin"): 403,
        (with_unit_login, "admin"): 201,
        (with_unit_login, "community_admin"): 403,
        (with_unit_login, "unit_admin"): 201,
    }
    for (member, who), status in allowed.items():
        response = client.post(f"members/{member}/wechat-invitations", headers=headers[who])
        assert response.status_code == status, (member, who, response.text)
    other_admin = headers_for(client, Role.community_admin, other)
    assert_problem(client.post(f"members/{member_id}/wechat-invitations", headers=other_admin), 404, "not_found")
    member_user = make_user(Role.member, community)
    linked = make_member(community, user_id=member_user)
    own = login(client, username_of(member_user))
    assert_problem(client.post(f"members/{linked}/wechat-invitations", headers=own), 403, "forbidden")
    client.post(f"members/{archived_id}/archive", headers=headers["admin"])
    assert_problem(
        client.post(f"members/{archived_id}/wechat-invitations", headers=headers["admin"]), 409, "member_archived"
    )
    assert_problem(client.post("members/999/wechat-invitations", headers=headers["admin"]), 404, "not_found")


def test_an_invitation_binds_only_the_login_it_was_issued_for(client: TestClient, wx: FakeWechat) -> None:
    community, unit = make_org(OrganizationKind.community), make_org(OrganizationKind.unit)
    member_id = make_member(community, unit_org_id=unit)
    community_admin = headers_for(client, Role.community_admin, community)
    code = client.post(f"members/{member_id}/wechat-invitations", headers=community_admin).json()["code"]
    # Meanwhile the unit gives the member its login: the community's code must not bind that one.
    link_user(member_id, make_user(Role.member, unit))
    ticket = ticket_for(client, wx, "late", "openid-late")
    assert_problem(
        client.post("auth/wechat/bind", json={"binding_ticket": ticket, "invitation_code": code}),
        422,
        "invitation_invalid",
    )


def test_a_reset_voids_unredeemed_invitations_and_audit_names_the_wechat(client: TestClient, wx: FakeWechat) -> None:
    community = make_org(OrganizationKind.community)
    user_id = make_user(Role.member, community)
    member_id = make_member(community, user_id=user_id)
    admin = headers_for(client, Role.community_admin, community)
    code = client.post(f"members/{member_id}/wechat-invitations", headers=admin).json()["code"]
    assert client.post(f"users/{user_id}/reset-password", json={}, headers=admin).status_code == 200
    ticket = ticket_for(client, wx, "after-reset", "openid-after-reset")
    assert_problem(
        client.post("auth/wechat/bind", json={"binding_ticket": ticket, "invitation_code": code}),
        422,
        "invitation_invalid",
    )
    # A new invitation works; the WeChat that redeemed it is the actor of the binding and of the
    # login it made, the account is only what was bound.
    code = client.post(f"members/{member_id}/wechat-invitations", headers=admin).json()["code"]
    assert client.post("auth/wechat/bind", json={"binding_ticket": ticket, "invitation_code": code}).status_code == 200
    with unit_of_work() as session:
        events = session.execute(
            select(AuditEvent.actor_type, AuditEvent.action, AuditEvent.entity, AuditEvent.actor_name)
            .where(AuditEvent.entity.in_(("wechat_identity", "user")), AuditEvent.entity_id == str(user_id))
            .order_by(AuditEvent.id)
        ).all()
        bound = session.execute(
            select(AuditEvent).where(AuditEvent.entity == "wechat_identity", AuditEvent.action == "create")
        ).scalar_one()
    assert [tuple(e[:3]) for e in events][-1] == ("wechat", "login", "user")
    assert bound.actor_type == "wechat" and bound.changes["via"] == "invitation"
    assert "测试用户" in bound.actor_name  # the admin who issued the code


def test_unbinding_needs_a_person_and_a_binding(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    key = api_key_headers(client, admin, ["users:write"])
    assert_problem(client.delete("me/wechat-binding", headers=key), 403, "forbidden")
    assert_problem(client.delete("me/wechat-binding", headers=admin), 404, "wechat_not_bound")
    user_id = make_user(Role.member, make_org(OrganizationKind.unit))
    assert_problem(client.delete(f"users/{user_id}/wechat-binding", headers=key), 404, "wechat_not_bound")
    assert_problem(client.delete("users/999/wechat-binding", headers=admin), 404, "not_found")
