"""Residents over HTTP: registering from WeChat with the community's 报到 code and a binding ticket,
a community's admin entering residents (with a password login, or none), who sees a resident's
mobile and room (the resident and its community's admins only), changing and deactivating them,
their accounts in the users domain, and a resident refused by every operation not opened to it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import (
    PASSWORD,
    api_key_headers,
    assert_problem,
    headers_for,
    login,
    make_org,
    make_partnership,
    make_user,
    username_of,
)
from factories.residents import make_resident, resident_login
from factories.volunteering import member_login
from factories.wechat import APPID, SECRET, FakeWechat, fake_wechat
from gongjian.auth.dependencies import Authenticated
from gongjian.db import get_engine, unit_of_work
from gongjian.kit.openapi_docs import dependency_of
from gongjian.kit.personal_data import encrypt
from gongjian.kit.rekeying import reencrypt_all
from gongjian.models import AuditEvent, Resident, User, WechatIdentity
from gongjian.models.enums import OrganizationKind, Role
from gongjian.settings import get_settings

MOBILE = "13800002222"
NEW_PASSWORD = "lantern-orchard-57"


class World:
    def __init__(self, client: TestClient) -> None:
        self.community = make_org(OrganizationKind.community)
        self.other_community = make_org(OrganizationKind.community)
        self.unit = make_org(OrganizationKind.unit)
        make_partnership(self.unit, self.community)
        self.admin = headers_for(client, Role.admin)
        self.community_admin = headers_for(client, Role.community_admin, self.community)
        self.other_admin = headers_for(client, Role.community_admin, self.other_community)
        self.unit_admin = headers_for(client, Role.unit_admin, self.unit)
        self.member_id, self.member = member_login(client, self.community, unit_org_id=self.unit)
        self.code: str = client.get(f"organizations/{self.community}/report-code", headers=self.community_admin).json()[
            "code"
        ]

    def form(self, ticket: str, **changes: Any) -> dict[str, Any]:
        return {
            "binding_ticket": ticket,
            "code": self.code,
            "name": "赵居民",
            "mobile": "+86 138-0000-2222",
            "building": "5 栋 1 单元",
            "room": "1203",
            **changes,
        }


@pytest.fixture
def w(client: TestClient) -> World:
    return World(client)


@pytest.fixture
def wx(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWechat]:
    with fake_wechat() as fake:
        settings = get_settings()
        monkeypatch.setattr(settings, "wechat_appid", APPID)
        monkeypatch.setattr(settings, "wechat_secret", SECRET)
        monkeypatch.setattr(settings, "wechat_api_base", fake.base_url)
        yield fake


def ticket_for(client: TestClient, wx: FakeWechat, openid: str) -> str:
    code = f"code-{openid}-{len(wx.answers)}"
    wx.user(code, openid)
    answer = client.post("auth/wechat", json={"code": code}).json()
    assert answer["status"] == "binding_required", answer
    return str(answer["binding_ticket"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- registering from WeChat ---------------------------------------------------------------------


def test_a_wechat_user_registers_as_a_resident_with_the_community_code(
    client: TestClient, w: World, wx: FakeWechat
) -> None:
    form = w.form(ticket_for(client, wx, "openid-zhao"))
    made = client.post("residents/wechat", json=form)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["token_type"] == "bearer" and body["access_token"] and body["refresh_token"] and body["expires_in"]
    resident = body["resident"]
    assert resident["community_org"]["id"] == w.community and resident["name"] == "赵居民"
    assert (resident["mobile"], resident["mobile_masked"], resident["building"], resident["room"]) == (
        MOBILE,
        False,
        "5 栋 1 单元",
        "1203",
    )
    assert resident["is_active"] is True and resident["username"].startswith("wx_") and resident["user_id"]
    assert made.headers["location"].endswith("/me/resident")

    me = bearer(body["access_token"])
    who = client.get("me", headers=me).json()
    assert (who["role"], who["organization_id"], who["name"]) == ("resident", w.community, "赵居民")
    own = client.get("me/resident", headers=me)
    assert own.status_code == 200 and own.json()["id"] == resident["id"] and own.json()["room"] == "1203"

    # The ticket was spent; the WeChat now logs straight in as the resident.
    assert_problem(client.post("residents/wechat", json=form), 401, "wechat_ticket_invalid")
    wx.user("code-again", "openid-zhao")
    again = client.post("auth/wechat", json={"code": "code-again"}).json()
    assert again["status"] == "bound"
    assert client.get("me/resident", headers=bearer(again["access_token"])).json()["id"] == resident["id"]

    with unit_of_work() as session:
        row = session.get_one(Resident, resident["id"])
        stored = row.phone_ciphertext + row.phone_lookup + row.room_ciphertext
        assert MOBILE not in stored and "1203" not in stored
        identity = session.execute(select(WechatIdentity).where(WechatIdentity.openid == "openid-zhao")).scalar_one()
        assert identity.user_id == resident["user_id"]
        login_row = session.get_one(User, resident["user_id"])
        assert (login_row.role, login_row.organization_id) == ("resident", w.community)
        audited = set(session.execute(select(AuditEvent.entity, AuditEvent.action)).all())
    assert {("resident", "create"), ("user", "create"), ("wechat_identity", "create")} <= audited
    # A password login never opens a WeChat-only account.
    response = client.post("auth/token", data={"username": resident["username"], "password": "!wechat-only"})
    assert_problem(response, 401, "invalid_credentials")


def test_registration_is_refused_with_a_bad_code_a_taken_mobile_or_a_pending_report(
    client: TestClient, w: World, wx: FakeWechat
) -> None:
    ticket = ticket_for(client, wx, "openid-qian")
    forged = w.code[:-1] + ("A" if w.code[-1] != "A" else "B")
    for code in ("not-a-code", forged):
        assert_problem(client.post("residents/wechat", json=w.form(ticket, code=code)), 422, "report_code_invalid")
    make_resident(w.community, mobile=MOBILE)
    taken = assert_problem(client.post("residents/wechat", json=w.form(ticket)), 409, "resident_mobile_taken")
    assert taken["errors"][0]["field"] == "body.mobile"
    for bad in ({"room": "x" * 51}, {"building": ""}, {"mobile": "12345"}, {"name": None}):
        assert_problem(client.post("residents/wechat", json=w.form(ticket, **bad)), 422, "validation_error")
    # Nothing was spent by the refusals: the same ticket registers with another mobile.
    made = client.post("residents/wechat", json=w.form(ticket, mobile="13800009999"))
    assert made.status_code == 201, made.text
    # The same mobile in another community is another resident.
    other_code = client.get(f"organizations/{w.other_community}/report-code", headers=w.other_admin).json()["code"]
    elsewhere = w.form(ticket_for(client, wx, "openid-sun"), code=other_code)
    assert client.post("residents/wechat", json=elsewhere).status_code == 201

    # A WeChat whose 报到 waits for its community is on its way to a member's login.
    reporter = ticket_for(client, wx, "openid-li")
    report = {
        "binding_ticket": reporter,
        "code": w.code,
        "name": "李党员",
        "gender": "male",
        "mobile": "13900001111",
        "category": "retired",
    }
    assert client.post("reports/wechat", json=report).status_code == 201
    pending = client.post("residents/wechat", json=w.form(reporter, mobile="13800007777"))
    assert_problem(pending, 409, "report_pending")


# --- entered by the community --------------------------------------------------------------------


def test_a_community_admin_enters_a_resident_with_a_login_who_then_signs_in_with_its_password(
    client: TestClient, w: World
) -> None:
    body = {
        "name": "钱居民",
        "mobile": "13900003333",
        "building": "1 栋",
        "room": "101",
        "username": "qian-resident",
        "password": NEW_PASSWORD,
    }
    made = client.post("residents", json=body, headers=w.community_admin)
    assert made.status_code == 201, made.text
    resident = made.json()
    assert made.headers["location"].endswith(f"/residents/{resident['id']}") and made.headers["etag"] == '"v1"'
    assert resident["community_org"]["id"] == w.community and resident["username"] == "qian-resident"
    assert (resident["mobile"], resident["room"], resident["mobile_masked"]) == ("13900003333", "101", False)

    me = login(client, "qian-resident", NEW_PASSWORD)
    own = client.get("me/resident", headers=me)
    assert own.json()["id"] == resident["id"] and own.headers["etag"] == '"v1"'
    changed = client.patch("me/resident", json={"room": "102"}, headers={**me, "If-Match": own.headers["etag"]})
    assert changed.status_code == 200 and changed.json()["room"] == "102" and changed.json()["version"] == 2
    stale = client.patch("me/resident", json={"room": "103"}, headers={**me, "If-Match": '"v1"'})
    assert_problem(stale, 412, "precondition_failed")
    assert_problem(client.patch("me/resident", json={"mobile": None}, headers=me), 422, "validation_error")
    renewed = client.post("me/password", json={"current_password": NEW_PASSWORD, "new_password": "quiet-harbour-93"})
    assert renewed.status_code == 401  # no token sent
    renewed = client.post(
        "me/password", json={"current_password": NEW_PASSWORD, "new_password": "quiet-harbour-93"}, headers=me
    )
    assert renewed.status_code == 200, renewed.text
    login(client, "qian-resident", "quiet-harbour-93")

    # Without a login.
    plain = client.post(
        "residents",
        json={"name": "孙居民", "mobile": "13900004444", "building": "2 栋", "room": "201"},
        headers=w.community_admin,
    )
    assert plain.status_code == 201 and plain.json()["user_id"] is None and plain.json()["username"] is None


def test_entering_residents_checks_its_input_and_who_asks(client: TestClient, w: World) -> None:
    base = {"name": "周居民", "mobile": "13900005555", "building": "1 栋", "room": "101"}
    cases = [
        ({**base, "username": "zhou-resident"}, 422, "validation_error"),  # a login needs both
        ({**base, "password": NEW_PASSWORD}, 422, "validation_error"),
        ({**base, "username": "zhou-resident", "password": "password123"}, 422, "weak_password"),
        ({**base, "username": "x"}, 422, "validation_error"),
        ({**base, "room": ""}, 422, "validation_error"),
        ({**base, "extra": 1}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        assert_problem(client.post("residents", json=body, headers=w.community_admin), status, code)
    taken = username_of(make_user(Role.member, w.community))
    assert_problem(client.post("residents", json=base, headers=w.admin), 422, "organization_required")
    problem = client.post(
        "residents",
        json={**base, "username": taken, "password": NEW_PASSWORD, "community_org_id": w.community},
        headers=w.admin,
    )
    assert_problem(problem, 409, "username_taken")
    assert_problem(
        client.post("residents", json={**base, "community_org_id": w.unit}, headers=w.admin),
        422,
        "organization_not_found",
    )
    # Only the community's admin (or a platform admin) enters its residents.
    assert_problem(
        client.post("residents", json={**base, "community_org_id": w.community}, headers=w.other_admin),
        403,
        "not_own_organization",
    )
    for headers in (w.unit_admin, w.member):
        assert_problem(client.post("residents", json=base, headers=headers), 403, "forbidden")
    _, resident = resident_login(client, w.community)
    assert_problem(client.post("residents", json=base, headers=resident), 403, "forbidden")
    assert client.post("residents", json=base, headers=w.community_admin).status_code == 201
    duplicate = client.post("residents", json={**base, "name": "另一人"}, headers=w.community_admin)
    assert_problem(duplicate, 409, "resident_mobile_taken")


# --- who sees a resident -------------------------------------------------------------------------


def test_mobile_and_room_are_shown_only_to_the_resident_and_its_community_admins(client: TestClient, w: World) -> None:
    mine = make_resident(w.community, name="吴居民", mobile="13700001234", room="808", username="wu-resident")
    elsewhere = make_resident(w.other_community, name="郑居民", mobile="13700005678", room="909")

    for headers in (w.community_admin, w.admin):
        listed = client.get("residents", params={"community_org_id": w.community}, headers=headers).json()
        assert listed["total"] == 1
        (row,) = listed["items"]
        assert (row["id"], row["mobile"], row["room"], row["mobile_masked"]) == (mine, "13700001234", "808", False)
        single = client.get(f"residents/{mine}", headers=headers)
        assert single.json()["room"] == "808" and single.headers["etag"] == '"v1"'
    own = client.get("me/resident", headers=login(client, "wu-resident"))
    assert (own.json()["mobile"], own.json()["room"]) == ("13700001234", "808")

    # Another community's admin, a partner unit's admin, a member: nothing, and never the numbers.
    other = client.get("residents", headers=w.other_admin).json()
    assert [r["id"] for r in other["items"]] == [elsewhere]
    for headers in (w.other_admin, w.unit_admin, w.member):
        response = client.get(f"residents/{mine}", headers=headers)
        assert_problem(response, 404, "not_found")
        assert "13700001234" not in response.text and "808" not in response.text
        assert_problem(client.patch(f"residents/{mine}", json={"room": "1"}, headers=headers), 404, "not_found")
        assert_problem(client.post(f"residents/{mine}/deactivate", headers=headers), 404, "not_found")
    for headers in (w.unit_admin, w.member):
        listed = client.get("residents", headers=headers)
        assert listed.json()["total"] == 0 and "13700001234" not in listed.text
        assert_problem(client.get("me/resident", headers=headers), 404, "not_found")

    # An API key of the community reads the register, the mobile masked and no room.
    key = api_key_headers(client, w.admin, ["residents:read"], w.community)
    (row,) = client.get("residents", headers=key).json()["items"]
    assert (row["mobile"], row["mobile_masked"], row["room"]) == ("137****1234", True, None)
    assert_problem(client.get("me/resident", headers=key), 403, "forbidden")
    assert_problem(client.post(f"residents/{mine}/deactivate", headers=key), 403, "insufficient_scope")
    assert_problem(client.get("residents"), 401, "unauthorized")

    # Another resident sees only itself; the register is closed to residents.
    _, neighbour = resident_login(client, w.community)
    assert client.get("me/resident", headers=neighbour).json()["id"] != mine
    for path in ("residents", f"residents/{mine}"):
        refused = assert_problem(client.get(path, headers=neighbour), 403, "forbidden")
        assert "居民" in refused["detail"]


def test_the_register_pages_filters_and_searches(client: TestClient, w: World) -> None:
    ids = [
        make_resident(w.community, name=name, building=building)
        for name, building in (("张一", "A 栋"), ("张二", "B 栋"), ("李三", "A 栋"))
    ]
    make_resident(w.other_community, name="张四")

    def names(**params: Any) -> list[str]:
        response = client.get("residents", params=params, headers=w.community_admin)
        assert response.status_code == 200, response.text
        return [r["name"] for r in response.json()["items"]]

    assert sorted(names(sort="name")) == sorted(["张一", "张二", "李三"])
    assert names(q="张", sort="id") == ["张一", "张二"]
    assert names(building="A 栋", sort="-id") == ["李三", "张一"]
    page = client.get("residents", params={"page_size": 1, "page": 2, "sort": "id"}, headers=w.community_admin).json()
    assert (page["total"], [r["id"] for r in page["items"]]) == (3, [ids[1]])
    client.post(f"residents/{ids[0]}/deactivate", headers=w.community_admin)
    assert names(is_active="false") == ["张一"] and len(names(is_active="true")) == 2
    for bad in ({"sort": "mobile"}, {"page_size": 101}, {"q": "x" * 51}, {"community_org_id": 0}):
        assert_problem(client.get("residents", params=bad, headers=w.community_admin), 422, "validation_error")


# --- changing and deactivating -------------------------------------------------------------------


def test_the_community_changes_and_deactivates_a_resident_and_its_login(client: TestClient, w: World) -> None:
    resident_id, me = resident_login(client, w.community, name="冯居民")
    username = client.get("me", headers=me).json()["username"]
    neighbour = make_resident(w.community, mobile="13600001111")

    etag = client.get(f"residents/{resident_id}", headers=w.community_admin).headers["etag"]
    renamed = client.patch(
        f"residents/{resident_id}",
        json={"name": "冯大爷", "building": "9 栋"},
        headers=w.community_admin | {"If-Match": etag},
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["building"], renamed.json()["version"]) == ("冯大爷", "9 栋", 2)
    assert client.get("me", headers=me).json()["name"] == "冯大爷"  # the login shows the resident's name
    assert_problem(
        client.patch(f"residents/{resident_id}", json={"name": "x"}, headers=w.community_admin | {"If-Match": etag}),
        412,
        "precondition_failed",
    )
    assert_problem(
        client.patch(f"residents/{resident_id}", json={"mobile": "13600001111"}, headers=w.community_admin),
        409,
        "resident_mobile_taken",
    )

    off = client.post(f"residents/{resident_id}/deactivate", headers=w.community_admin)
    assert off.status_code == 200 and off.json()["is_active"] is False and off.json()["deactivated_at"]
    assert_problem(client.get("me/resident", headers=me), 401, "unauthorized")  # its sessions ended
    response = client.post("auth/token", data={"username": username, "password": PASSWORD})
    assert_problem(response, 401, "invalid_credentials")
    assert_problem(
        client.post(f"residents/{resident_id}/deactivate", headers=w.community_admin), 409, "already_inactive"
    )

    # An inactive resident's mobile is free again; reactivating it would duplicate the new one.
    mobile = client.get(f"residents/{resident_id}", headers=w.community_admin).json()["mobile"]
    successor = client.post(
        "residents", json={"name": "冯小", "mobile": mobile, "building": "9 栋", "room": "1"}, headers=w.community_admin
    )
    assert successor.status_code == 201, successor.text
    assert_problem(
        client.post(f"residents/{resident_id}/activate", headers=w.community_admin), 409, "resident_mobile_taken"
    )
    client.post(f"residents/{successor.json()['id']}/deactivate", headers=w.community_admin)
    on = client.post(f"residents/{resident_id}/activate", headers=w.community_admin)
    assert on.status_code == 200 and on.json()["is_active"] is True
    login(client, username)
    assert client.get(f"residents/{neighbour}", headers=w.community_admin).json()["is_active"] is True


def test_residents_accounts_in_the_users_domain(client: TestClient, w: World) -> None:
    resident_id, _ = resident_login(client, w.community)
    user_id = client.get(f"residents/{resident_id}", headers=w.community_admin).json()["user_id"]
    # The community's admin sees and manages the account (a password reset for a forgetful resident).
    listed = client.get("users", params={"role": "resident"}, headers=w.community_admin).json()
    assert [u["id"] for u in listed["items"]] == [user_id]
    reset = client.post(f"users/{user_id}/reset-password", json={}, headers=w.community_admin)
    assert reset.status_code == 200 and reset.json()["generated_password"]
    for headers in (w.unit_admin, w.other_admin):
        assert client.get("users", params={"role": "resident"}, headers=headers).json()["total"] == 0
        assert_problem(client.get(f"users/{user_id}", headers=headers), 404, "not_found")
    # A resident's account comes with its resident row, never from the users domain.
    body = {"username": "lone-resident", "display_name": "居民", "role": "resident", "organization_id": w.community}
    assert_problem(client.post("users", json=body, headers=w.admin), 422, "resident_account")
    member_user = make_user(Role.member, w.community)
    assert_problem(
        client.patch(f"users/{member_user}", json={"role": "resident"}, headers=w.admin), 422, "resident_account"
    )
    assert_problem(client.patch(f"users/{user_id}", json={"role": "member"}, headers=w.admin), 422, "resident_account")


def test_rotating_the_data_key_reencrypts_residents_mobile_and_room(client: TestClient, w: World) -> None:
    resident_id = make_resident(w.community, mobile="13500001111", room="707")
    with unit_of_work() as session:
        before = session.get_one(Resident, resident_id).room_ciphertext
    with get_engine().begin() as conn:
        tally = reencrypt_all(conn, encrypt_with=encrypt, done=lambda _: False)
    assert tally.rewritten >= 2 and tally.unreadable == 0
    with unit_of_work() as session:
        assert session.get_one(Resident, resident_id).room_ciphertext != before
    row = client.get(f"residents/{resident_id}", headers=w.community_admin).json()
    assert (row["mobile"], row["room"]) == ("13500001111", "707")


# --- a resident is refused everything else -------------------------------------------------------

PREFIX = "/api/v1/"
# The operations a resident's login may call; every other one answers it 403 before anything else.
OPEN_TO_RESIDENTS = {
    "GET /api/v1/me",
    "POST /api/v1/me/password",
    "GET /api/v1/me/overview",
    "DELETE /api/v1/me/wechat-binding",
    "GET /api/v1/me/resident",
    "PATCH /api/v1/me/resident",
    "GET /api/v1/me/notification-consents",
    "POST /api/v1/me/notification-consents",
    "GET /api/v1/wishes",
    "POST /api/v1/wishes",
    "GET /api/v1/wishes/{wish_id}",
    "POST /api/v1/wishes/{wish_id}/cancel",
    "POST /api/v1/wishes/{wish_id}/rate",
    "GET /api/v1/concerns",
    "POST /api/v1/concerns",
    "GET /api/v1/concerns/{concern_id}",
    "POST /api/v1/concerns/{concern_id}/cancel",
    "POST /api/v1/concerns/{concern_id}/rate",
    "POST /api/v1/uploads",
    "GET /api/v1/uploads/{upload_id}",
    "GET /api/v1/uploads/{upload_id}/content",
    "GET /api/v1/uploads/{upload_id}/thumbnail",
    "POST /api/v1/attachments",
    "GET /api/v1/attachments",
    "DELETE /api/v1/attachments/{attachment_id}",
}


def _authenticated_operations(app: Any) -> dict[str, bool]:
    """Every operation that authenticates → whether residents may call it."""
    from gongjian.app import api_routes

    found = {}
    for route in api_routes(app):
        auth = dependency_of(route, Authenticated)
        if auth is None:
            continue
        for method in route.methods or ():
            found[f"{method} {route.path_format}"] = auth.residents
    return found


def test_a_resident_is_refused_by_every_operation_not_opened_to_it(client: TestClient, w: World, app: Any) -> None:
    operations = _authenticated_operations(app)
    assert {op for op, open_ in operations.items() if open_} == OPEN_TO_RESIDENTS
    _, resident = resident_login(client, w.community)
    spec = app.openapi()["paths"]
    for op, open_ in sorted(operations.items()):
        method, path = op.split(" ", 1)
        url = re.sub(r"\{[^}]+\}", str(2**31 - 1), path).removeprefix(PREFIX)
        content = spec[path][method.lower()].get("requestBody", {}).get("content", {})
        response = client.request(method, url, headers=resident, json={} if "application/json" in content else None)
        assert response.status_code < 500, (op, response.text)
        if open_:
            assert response.status_code != 403, (op, response.text)
        else:
            body = assert_problem(response, 403, "forbidden")
            assert "居民" in body["detail"], op
    # The member's reach in particular: members, sign-ups, hours, evaluations, cards, the claim list.
    for path in (
        "members",
        f"members/{w.member_id}",
        f"members/{w.member_id}/cards",
        "activities",
        "volunteer-records",
        "evaluation-periods",
        "service-items",
        "honors",
        "organizations",
        "me/reports",
        "wishes/summary",
        "concerns/summary",
    ):
        response = client.get(path, headers=resident)
        assert_problem(response, 403, "forbidden")
        assert "items" not in response.json()
