"""Finding 6: taking over a member's account through a WeChat invitation.

The attack: a community's admin issued `POST /members/{id}/wechat-invitations` for an in-service
member whose login belongs to the member's unit, redeemed the code with its own WeChat and got the
member's tokens. The real member then got 409 on binding, nobody could unbind, a password reset
left the attacker's WeChat bound (its next WeChat login got fresh tokens), and the audit log named
the victim as the one who bound it.

The safe answer: only an admin of the organisation that owns the login (or a platform admin) may
invite (403 for anyone else); the member and that admin may unbind (`DELETE /me/wechat-binding`,
`DELETE /users/{id}/wechat-binding`), which ends every session of the account; an admin's password
reset removes the binding and a deactivation ends the sessions obtained through it; and the audit
log names who bound (the WeChat identity redeeming the invitation) and who unbound.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from factories import assert_problem, login, make_member, make_org, make_user, username_of
from factories.live_server import live_server
from factories.wechat import FakeWechat, fake_wechat, wechat_env
from gongjian.models.enums import Role

_codes = itertools.count(1)


@dataclass
class Site:
    http: httpx.Client
    wx: FakeWechat


@pytest.fixture(scope="module")
def wechat_site(database_url: str) -> Iterator[tuple[str, FakeWechat]]:
    with fake_wechat() as wx, live_server(wechat_env(wx)) as base:
        yield base, wx


@pytest.fixture
def site(wechat_site: tuple[str, FakeWechat]) -> Iterator[Site]:
    base, wx = wechat_site
    with httpx.Client(base_url=f"{base}/api/v1/", timeout=60) as client:
        yield Site(client, wx)


@dataclass
class Victim:
    community: int
    unit: int
    member: int
    user: int


def _victim() -> Victim:
    """An in-service member of a unit, reporting to a community; its login belongs to the unit."""
    community, unit = make_org("community"), make_org("unit")
    user = make_user(Role.member, unit)
    member = make_member(community, unit_org_id=unit, user_id=user, name="李党员")
    return Victim(community, unit, member, user)


def _wechat_login(site: Site, openid: str) -> dict[str, Any]:
    code = f"code-{next(_codes)}"
    site.wx.user(code, openid)
    response = site.http.post("auth/wechat", json={"code": code})
    assert response.status_code in (200, 403), response.text
    body: dict[str, Any] = response.json()
    return body


def _redeem(site: Site, openid: str, invitation_code: str) -> httpx.Response:
    ticket = _wechat_login(site, openid)["binding_ticket"]
    return site.http.post("auth/wechat/bind", json={"binding_ticket": ticket, "invitation_code": invitation_code})


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _admin_of(http: httpx.Client, role: Role, org: int | None = None) -> dict[str, str]:
    return login(http, username_of(make_user(role, org)))


def test_only_an_admin_of_the_logins_organisation_may_invite(site: Site) -> None:
    victim = _victim()
    community_admin = _admin_of(site.http, Role.community_admin, victim.community)
    # The community sees the member (dual management) but the login is the unit's: no invitation.
    refused = site.http.post(f"members/{victim.member}/wechat-invitations", headers=community_admin)
    assert_problem(refused, 403, "forbidden")
    # So the real member can still bind its own WeChat with its password.
    ticket = _wechat_login(site, "openid-real-member-1")["binding_ticket"]
    own = site.http.post(
        "auth/wechat/bind",
        json={"binding_ticket": ticket, "username": username_of(victim.user), "password": "correct-horse-42"},
    )
    assert own.status_code == 200, own.text

    # The unit owns the login: its admin may invite (and a platform admin may).
    other = _victim()
    unit_admin = _admin_of(site.http, Role.unit_admin, other.unit)
    issued = site.http.post(f"members/{other.member}/wechat-invitations", headers=unit_admin)
    assert issued.status_code == 201, issued.text
    platform = _admin_of(site.http, Role.admin)
    assert site.http.post(f"members/{other.member}/wechat-invitations", headers=platform).status_code == 201


def test_the_audit_log_names_who_bound_and_who_unbound(site: Site) -> None:
    victim = _victim()
    unit_admin = _admin_of(site.http, Role.unit_admin, victim.unit)
    code = site.http.post(f"members/{victim.member}/wechat-invitations", headers=unit_admin).json()["code"]
    bound = _redeem(site, "openid-audited", code)
    assert bound.status_code == 200, bound.text
    platform = _admin_of(site.http, Role.admin)
    events = site.http.get("audit-events", params={"entity": "wechat_identity"}, headers=platform).json()["items"]
    created = [e for e in events if e["action"] == "create" and e["changes"].get("user_id") == victim.user]
    assert len(created) == 1
    # The one who bound is the WeChat identity that redeemed the invitation, not the victim.
    assert created[0]["actor_type"] == "wechat"
    assert (created[0]["actor_type"], created[0]["actor_id"]) != ("user", victim.user)
    assert created[0]["changes"]["via"] == "invitation"

    assert site.http.delete(f"users/{victim.user}/wechat-binding", headers=unit_admin).status_code == 204
    events = site.http.get("audit-events", params={"entity": "wechat_identity"}, headers=platform).json()["items"]
    deleted = [e for e in events if e["action"] == "delete" and e["changes"].get("user_id") == victim.user]
    assert len(deleted) == 1
    me = site.http.get("me", headers=unit_admin).json()
    assert (deleted[0]["actor_type"], deleted[0]["actor_id"]) == ("user", me["id"])


def test_the_member_unbinds_its_own_wechat_and_its_sessions_end(site: Site) -> None:
    victim = _victim()
    unit_admin = _admin_of(site.http, Role.unit_admin, victim.unit)
    code = site.http.post(f"members/{victim.member}/wechat-invitations", headers=unit_admin).json()["code"]
    tokens = _redeem(site, "openid-intruder-2", code).json()
    assert site.http.get("me", headers=_bearer(tokens)).json()["id"] == victim.user

    member = login(site.http, username_of(victim.user))
    assert site.http.delete("me/wechat-binding", headers=member).status_code == 204
    # Every session of the account ended, the WeChat one included; the WeChat no longer logs in.
    assert_problem(site.http.get("me", headers=_bearer(tokens)), 401, "unauthorized")
    assert_problem(site.http.get("me", headers=member), 401, "unauthorized")
    assert site.http.post("auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert _wechat_login(site, "openid-intruder-2")["status"] == "binding_required"
    # Nothing left to unbind.
    member = login(site.http, username_of(victim.user))
    assert_problem(site.http.delete("me/wechat-binding", headers=member), 404, "wechat_not_bound")


def test_only_the_logins_admin_unbinds_another_account(site: Site) -> None:
    victim = _victim()
    unit_admin = _admin_of(site.http, Role.unit_admin, victim.unit)
    code = site.http.post(f"members/{victim.member}/wechat-invitations", headers=unit_admin).json()["code"]
    assert _redeem(site, "openid-admin-unbind", code).status_code == 200
    community_admin = _admin_of(site.http, Role.community_admin, victim.community)
    # The community doesn't see the unit's account at all.
    assert_problem(site.http.delete(f"users/{victim.user}/wechat-binding", headers=community_admin), 404, "not_found")
    outsider = login(site.http, username_of(make_user(Role.member, victim.unit)))
    assert_problem(site.http.delete(f"users/{victim.user}/wechat-binding", headers=outsider), 404, "not_found")
    assert site.http.delete(f"users/{victim.user}/wechat-binding", headers=unit_admin).status_code == 204
    assert _wechat_login(site, "openid-admin-unbind")["status"] == "binding_required"


def test_a_password_reset_removes_the_binding_and_its_sessions(site: Site) -> None:
    victim = _victim()
    unit_admin = _admin_of(site.http, Role.unit_admin, victim.unit)
    code = site.http.post(f"members/{victim.member}/wechat-invitations", headers=unit_admin).json()["code"]
    tokens = _redeem(site, "openid-intruder-3", code).json()

    reset = site.http.post(f"users/{victim.user}/reset-password", json={}, headers=unit_admin)
    assert reset.status_code == 200, reset.text
    assert_problem(site.http.get("me", headers=_bearer(tokens)), 401, "unauthorized")
    assert site.http.post("auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    # The intruder's WeChat is no longer bound: no fresh tokens from a new WeChat login.
    again = _wechat_login(site, "openid-intruder-3")
    assert again["status"] == "binding_required"
    assert "access_token" not in again
    # The invitation was spent; and the member may bind its own WeChat again.
    ticket = _wechat_login(site, "openid-real-member-3")["binding_ticket"]
    own = site.http.post(
        "auth/wechat/bind",
        json={
            "binding_ticket": ticket,
            "username": username_of(victim.user),
            "password": reset.json()["generated_password"],
        },
    )
    assert own.status_code == 200, own.text


def test_a_deactivation_ends_the_wechat_sessions(site: Site) -> None:
    victim = _victim()
    unit_admin = _admin_of(site.http, Role.unit_admin, victim.unit)
    code = site.http.post(f"members/{victim.member}/wechat-invitations", headers=unit_admin).json()["code"]
    tokens = _redeem(site, "openid-deactivated", code).json()
    assert site.http.post(f"users/{victim.user}/deactivate", headers=unit_admin).status_code == 200
    assert_problem(site.http.get("me", headers=_bearer(tokens)), 401, "unauthorized")
    assert site.http.post("auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    code_again = f"code-{next(_codes)}"
    site.wx.user(code_again, "openid-deactivated")
    assert_problem(site.http.post("auth/wechat", json={"code": code_again}), 403, "account_inactive")
