"""报到 over HTTP: a community's code, reports from a member account and from a WeChat identity with
a binding ticket, approval (exactly one member, linked by mobile, identity bound, a contact-card
entry the unit reads, the `member.reported` webhook), rejection with its reason, refused codes, and
each role's access."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import (
    api_key_headers,
    assert_problem,
    headers_for,
    login,
    make_member,
    make_org,
    make_partnership,
    make_user,
    username_of,
)
from factories.integration import private_webhooks_allowed, webhook_receiver
from factories.wechat import APPID, SECRET, FakeWechat, fake_wechat
from gongjian.db import unit_of_work
from gongjian.models import AuditEvent, Member, WechatIdentity
from gongjian.models.enums import OrganizationKind, Role
from gongjian.reports import codes
from gongjian.settings import get_settings
from gongjian.webhooks.delivery import deliver_due

MOBILE = "13900001111"


class World:
    def __init__(self, client: TestClient) -> None:
        self.community = make_org(OrganizationKind.community)
        self.unit = make_org(OrganizationKind.unit)
        self.other_community = make_org(OrganizationKind.community)
        self.stranger_unit = make_org(OrganizationKind.unit)
        make_partnership(self.unit, self.community)
        self.admin = headers_for(client, Role.admin)
        self.community_admin = headers_for(client, Role.community_admin, self.community)
        self.other_admin = headers_for(client, Role.community_admin, self.other_community)
        self.unit_admin = headers_for(client, Role.unit_admin, self.unit)
        self.reporter_id = make_user(Role.member, self.unit)
        self.reporter = login(client, username_of(self.reporter_id))
        body = client.get(f"organizations/{self.community}/report-code", headers=self.community_admin).json()
        self.code: str = body["code"]

    def form(self, **changes: Any) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": "李报到",
            "gender": "male",
            "mobile": MOBILE,
            "category": "in_service",
            "unit_org_id": self.unit,
            "joined_party_on": "2010-07-01",
            "skills": ["法律咨询", "摄影"],
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


def report(client: TestClient, w: World, headers: dict[str, str] | None = None, **changes: Any) -> dict[str, Any]:
    response = client.post("reports", json=w.form(**changes), headers=headers or w.reporter)
    assert response.status_code == 201, response.text
    return dict(response.json())


def members_with(mobile: str, community: int) -> int:
    from gongjian.kit.personal_data import phone_lookups

    with unit_of_work() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Member)
                .where(Member.community_org_id == community, Member.phone_lookup.in_(phone_lookups(mobile)))
            )
            or 0
        )


# --- the code ------------------------------------------------------------------------------------


def test_code_fits_a_qr_scene_and_rotation_refuses_the_old_one(client: TestClient, w: World) -> None:
    got = client.get(f"organizations/{w.community}/report-code", headers=w.community_admin)
    assert got.status_code == 200
    body = got.json()
    assert body["version"] == 1 and body["expires_at"] is None and body["community_org_id"] == w.community
    assert len(body["code"]) <= 32 and body["scene"] == body["code"]
    assert all(ch.isalnum() or ch in "._-" for ch in body["code"])
    assert body["path"] == f"{body['page']}?scene={body['code']}"

    rotated = client.post(f"organizations/{w.community}/report-code/rotate", json={}, headers=w.community_admin)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["version"] == 2 and rotated.json()["code"] != w.code
    assert_problem(client.post("reports", json=w.form(), headers=w.reporter), 422, "report_code_outdated")
    # The new code works.
    report(client, w, code=rotated.json()["code"])


def test_forged_and_expired_codes_are_refused(client: TestClient, w: World) -> None:
    # Another community's id with this code's signature; a signature changed by one character.
    community, version, signature = w.code.split(".")
    forged = [
        f"{codes._base36(w.other_community)}.{version}.{signature}",
        f"{community}.{version}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        "not-a-code",
        f"{community}.{version}.{signature}x",
    ]
    for code in forged:
        problem = assert_problem(
            client.post("reports", json=w.form(code=code), headers=w.reporter), 422, "report_code_invalid"
        )
        assert problem["errors"][0]["field"] == "body.code"

    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    rotated = client.post(
        f"organizations/{w.community}/report-code/rotate", json={"expires_at": soon}, headers=w.community_admin
    ).json()
    from gongjian.models import ReportCode

    with unit_of_work() as session:  # time passes: the expiry is stored server-side
        row = session.execute(select(ReportCode).where(ReportCode.community_org_id == w.community)).scalar_one()
        row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    assert_problem(
        client.post("reports", json=w.form(code=rotated["code"]), headers=w.reporter), 422, "report_code_expired"
    )
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert_problem(
        client.post(f"organizations/{w.community}/report-code/rotate", json={"expires_at": past}, headers=w.admin),
        422,
        "expiry_in_past",
    )


def test_the_code_names_its_community_and_partner_units_to_anyone_holding_it(client: TestClient, w: World) -> None:
    """The 报到 form, before any login, shows the community and the units an in-service member may
    name: the community's live partners only (not a stranger, not an archived partnership)."""
    second = make_org(OrganizationKind.unit, name="甲单位")
    ended = make_partnership(make_org(OrganizationKind.unit, name="乙单位"), w.community)
    make_partnership(second, w.community)
    make_partnership(w.stranger_unit, w.other_community)
    archived = client.post(f"partnerships/{ended}/archive", headers=w.admin)
    assert archived.status_code == 200, archived.text

    got = client.get(f"report-codes/{w.code}")
    assert got.status_code == 200, got.text
    body = got.json()
    names = {
        org["id"]: org["name"] for org in client.get("organizations?page_size=100", headers=w.admin).json()["items"]
    }
    assert body == {
        "community_org_id": w.community,
        "community_name": names[w.community],
        "units": sorted(
            [{"id": w.unit, "name": names[w.unit]}, {"id": second, "name": "甲单位"}],
            key=lambda u: (u["name"], u["id"]),
        ),
    }

    _community, version, signature = w.code.split(".")
    forged = f"{codes._base36(w.other_community)}.{version}.{signature}"
    for bad in (forged, "not-a-code"):
        assert_problem(client.get(f"report-codes/{bad}"), 422, "report_code_invalid")
    assert client.get(f"report-codes/{'x' * 33}").status_code == 422
    client.post(f"organizations/{w.community}/report-code/rotate", json={}, headers=w.community_admin)
    assert_problem(client.get(f"report-codes/{w.code}"), 422, "report_code_outdated")


def test_code_access_per_role(client: TestClient, w: World) -> None:
    path = f"organizations/{w.community}/report-code"
    assert client.get(path, headers=w.admin).status_code == 200
    for headers in (w.other_admin, w.unit_admin, w.reporter):
        assert_problem(client.get(path, headers=headers), 403, "forbidden")
        assert_problem(client.post(f"{path}/rotate", json={}, headers=headers), 403, "forbidden")
    assert_problem(client.get(path), 401, "unauthorized")
    reader = api_key_headers(client, w.admin, ["reports:read"], w.community)
    assert client.get(path, headers=reader).json()["code"] == w.code
    assert_problem(client.post(f"{path}/rotate", json={}, headers=reader), 403, "insufficient_scope")
    assert_problem(
        client.get(path, headers=api_key_headers(client, w.admin, ["members:read"])), 403, "insufficient_scope"
    )
    assert_problem(client.get(f"organizations/{w.unit}/report-code", headers=w.admin), 404, "not_found")


# --- submitting ----------------------------------------------------------------------------------


def test_a_member_account_reports_once_per_community(client: TestClient, w: World) -> None:
    body = report(client, w)
    assert body["status"] == "pending" and body["via"] == "account" and body["mobile"] == MOBILE
    assert body["mobile_masked"] is False and body["member_id"] is None and body["reason"] is None
    assert body["skills"] == ["法律咨询", "摄影"] and body["unit_org_id"] == w.unit
    assert_problem(client.post("reports", json=w.form(), headers=w.reporter), 409, "report_pending")
    mine = client.get("me/reports", headers=w.reporter).json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == body["id"]
    # Stored encrypted: the mobile is not in the row in clear.
    from gongjian.models import Report

    with unit_of_work() as session:
        row = session.get_one(Report, body["id"])
        assert MOBILE not in row.phone_ciphertext and MOBILE not in row.phone_lookup


def test_bad_forms_are_refused(client: TestClient, w: World) -> None:
    cases = [
        (w.form(unit_org_id=w.stranger_unit), "no_partnership"),
        (w.form(unit_org_id=None), "unit_required"),
        (w.form(unit_org_id=w.other_community), "wrong_organization_kind"),
        (w.form(mobile="12345"), "validation_error"),
        (w.form(joined_party_on="3001-01-01"), "validation_error"),
        (w.form(skills=["x"] * 21), "validation_error"),
        (w.form(code="a" * 33), "validation_error"),
    ]
    for form, code in cases:
        assert_problem(client.post("reports", json=form, headers=w.reporter), 422, code)
    # Only a person reports: an admin account, an API key.
    assert_problem(client.post("reports", json=w.form(), headers=w.community_admin), 403, "forbidden")
    key = api_key_headers(client, w.admin, ["reports:write"], w.community)
    assert_problem(client.post("reports", json=w.form(), headers=key), 403, "forbidden")
    assert_problem(client.post("reports", json=w.form()), 401, "unauthorized")


# --- approving -----------------------------------------------------------------------------------


def test_approval_creates_one_member_links_the_account_notes_the_card_and_fires_the_webhook(
    client: TestClient, w: World
) -> None:
    with private_webhooks_allowed(), webhook_receiver() as receiver:
        hook = client.post("webhooks", json={"url": receiver.url, "events": ["member.reported"]}, headers=w.admin)
        assert hook.status_code == 201, hook.text
        pending = report(client, w)
        listed = client.get("reports", params={"status": "pending"}, headers=w.community_admin).json()
        assert [r["id"] for r in listed["items"]] == [pending["id"]] and listed["items"][0]["mobile"] == MOBILE

        approved = client.post(f"reports/{pending['id']}/approve", headers=w.community_admin)
        assert approved.status_code == 200, approved.text
        body = approved.json()
        assert body["status"] == "approved" and body["decided_by"] == "测试用户" and body["member_id"]
        assert approved.headers["etag"]
        member_id = body["member_id"]
        assert members_with(MOBILE, w.community) == 1

        # The member, as its unit's admin reads it; the account is linked (the reporter sees itself).
        member = client.get(f"members/{member_id}", headers=w.unit_admin).json()
        assert (member["name"], member["category"], member["unit_org"]["id"]) == ("李报到", "in_service", w.unit)
        assert member["user_id"] == w.reporter_id and member["skills"] == ["法律咨询", "摄影"]
        assert member["reported_on"] is not None
        assert client.get(f"members/{member_id}", headers=w.reporter).json()["id"] == member_id

        # The contact card (双向联系卡) carries the 报到, readable by the unit's admin.
        (card,) = client.get(f"members/{member_id}/cards", headers=w.unit_admin).json()["items"]
        assert card["card_type"] == "contact"
        entries = client.get(f"cards/{card['id']}/entries", headers=w.unit_admin).json()["items"]
        assert len(entries) == 1 and "报到" in entries[0]["content"] and str(pending["id"]) in entries[0]["content"]

        with unit_of_work() as session:
            actions = set(
                session.execute(
                    select(AuditEvent.entity, AuditEvent.action).where(
                        AuditEvent.entity.in_(["report", "member", "card_entry"])
                    )
                ).all()
            )
        assert {("report", "create"), ("report", "update"), ("member", "create"), ("card_entry", "create")} <= actions

        run = deliver_due()
        assert len(run.delivered) == 1
        (got,) = receiver.received
        document = json.loads(got.body)
        assert document["type"] == "member.reported"
        assert document["data"]["member_id"] == member_id and document["data"]["report_id"] == pending["id"]
        assert document["data"]["linked_existing_member"] is False and document["data"]["unit_org_id"] == w.unit
        assert MOBILE not in got.body.decode()

    # Decided once.
    assert_problem(client.post(f"reports/{pending['id']}/approve", headers=w.community_admin), 409, "report_decided")
    assert_problem(
        client.post(f"reports/{pending['id']}/reject", json={"reason": "x"}, headers=w.community_admin),
        409,
        "report_decided",
    )


def test_a_second_report_with_the_same_mobile_links_the_existing_member(client: TestClient, w: World) -> None:
    existing = make_member(w.community, unit_org_id=w.unit, name="李报到", phone="+86 139-0000-1111")
    first = report(client, w)
    body = client.post(f"reports/{first['id']}/approve", headers=w.community_admin).json()
    assert body["member_id"] == existing and members_with(MOBILE, w.community) == 1

    # Another account with the same mobile, reported again: still the same member, no duplicate.
    other = login(client, username_of(make_user(Role.member, w.unit)))
    second = report(client, w, headers=other)
    assert_problem(client.post(f"reports/{second['id']}/approve", headers=w.community_admin), 409, "member_has_login")
    rejected = client.post(f"reports/{second['id']}/reject", json={"reason": "重复报到"}, headers=w.community_admin)
    assert rejected.status_code == 200
    with unit_of_work() as session:
        count = session.scalar(select(func.count()).select_from(Member).where(Member.community_org_id == w.community))
    assert count == 1


def test_a_wechat_identity_reports_with_its_ticket_and_is_bound_on_approval(
    client: TestClient, w: World, wx: FakeWechat
) -> None:
    wx.user("code-r", "openid-reporter")
    ticket = client.post("auth/wechat", json={"code": "code-r"}).json()["binding_ticket"]
    form = {**w.form(), "binding_ticket": ticket}
    created = client.post("reports/wechat", json=form)
    assert created.status_code == 201, created.text
    assert created.json()["via"] == "wechat" and created.json()["status"] == "pending"
    assert_problem(client.post("reports/wechat", json=form), 409, "report_pending")
    assert_problem(
        client.post("reports/wechat", json={**form, "binding_ticket": "forged"}), 401, "wechat_ticket_invalid"
    )

    approved = client.post(f"reports/{created.json()['id']}/approve", headers=w.community_admin)
    assert approved.status_code == 200, approved.text
    member_id = approved.json()["member_id"]
    with unit_of_work() as session:
        member = session.get_one(Member, member_id)
        identity = session.execute(
            select(WechatIdentity).where(WechatIdentity.openid == "openid-reporter")
        ).scalar_one()
        assert member.user_id is not None and identity.user_id == member.user_id
    # The WeChat now logs straight in, as the member's login.
    wx.user("code-r2", "openid-reporter")
    bound = client.post("auth/wechat", json={"code": "code-r2"}).json()
    assert bound["status"] == "bound"
    me = {"Authorization": f"Bearer {bound['access_token']}"}
    assert client.get(f"members/{member_id}", headers=me).json()["id"] == member_id
    assert client.get("me/reports", headers=me).json()["total"] == 0  # reported before it had an account


# --- rejecting and access ------------------------------------------------------------------------


def test_rejection_says_why_to_the_reporter(client: TestClient, w: World) -> None:
    pending = report(client, w)
    assert_problem(
        client.post(f"reports/{pending['id']}/reject", json={}, headers=w.community_admin), 422, "validation_error"
    )
    assert_problem(
        client.post(f"reports/{pending['id']}/reject", json={"reason": "x" * 501}, headers=w.community_admin),
        422,
        "validation_error",
    )
    rejected = client.post(
        f"reports/{pending['id']}/reject", json={"reason": "单位信息有误，请核对后重新报到"}, headers=w.community_admin
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    (mine,) = client.get("me/reports", headers=w.reporter).json()["items"]
    assert (mine["status"], mine["reason"], mine["member_id"]) == ("rejected", "单位信息有误，请核对后重新报到", None)
    assert members_with(MOBILE, w.community) == 0
    # Rejected is not pending: the reporter may report again.
    report(client, w)


def test_access_per_role(client: TestClient, w: World) -> None:
    pending = report(client, w)
    rid = pending["id"]
    # Another community's admin sees nothing.
    assert client.get("reports", headers=w.other_admin).json()["total"] == 0
    assert_problem(client.get(f"reports/{rid}", headers=w.other_admin), 404, "not_found")
    assert_problem(client.post(f"reports/{rid}/approve", headers=w.other_admin), 404, "not_found")
    # The unit's admin reads its member's report, mobile masked, and can't decide it.
    seen = client.get(f"reports/{rid}", headers=w.unit_admin).json()
    assert seen["mobile"] == "139****1111" and seen["mobile_masked"] is True
    assert_problem(client.post(f"reports/{rid}/approve", headers=w.unit_admin), 403, "forbidden")
    assert_problem(client.post(f"reports/{rid}/reject", json={"reason": "x"}, headers=w.unit_admin), 403, "forbidden")
    # A member sees only its own.
    other_member = login(client, username_of(make_user(Role.member, w.unit)))
    assert_problem(client.get(f"reports/{rid}", headers=other_member), 404, "not_found")
    assert client.get("reports", headers=other_member).json()["total"] == 0
    assert client.get("me/reports", headers=other_member).json()["total"] == 0
    assert client.get(f"reports/{rid}", headers=w.reporter).json()["mobile"] == MOBILE
    assert_problem(client.post(f"reports/{rid}/approve", headers=w.reporter), 403, "forbidden")
    # API keys: the community's key with the scopes reads (masked) and decides; without them, 403.
    reader = api_key_headers(client, w.admin, ["reports:read"], w.community)
    listed = client.get("reports", headers=reader).json()
    assert listed["total"] == 1 and listed["items"][0]["mobile"] == "139****1111"
    assert_problem(client.post(f"reports/{rid}/approve", headers=reader), 403, "insufficient_scope")
    assert_problem(
        client.get("reports", headers=api_key_headers(client, w.admin, ["members:read"])), 403, "insufficient_scope"
    )
    writer = api_key_headers(client, w.admin, ["reports:read", "reports:write"], w.community)
    rejected = client.post(f"reports/{rid}/reject", json={"reason": "请本人到社区核对"}, headers=writer)
    assert rejected.status_code == 200 and rejected.json()["decided_by"] == "测试密钥"
    assert_problem(client.get("reports"), 401, "unauthorized")
    # The platform admin sees everything, in full.
    assert client.get(f"reports/{rid}", headers=w.admin).json()["mobile"] == MOBILE


def test_allowed_actions_say_who_may_decide_now(client: TestClient, w: World) -> None:
    rid = report(client, w)["id"]

    def actions(headers: dict[str, str]) -> list[str]:
        response = client.get(f"reports/{rid}", headers=headers)
        assert response.status_code == 200, response.text
        return list(response.json()["allowed_actions"])

    # The community's admin and the platform admin decide; the unit's admin and the reporter read.
    assert actions(w.community_admin) == ["approve", "reject"]
    assert actions(w.admin) == ["approve", "reject"]
    assert actions(w.unit_admin) == []
    assert actions(w.reporter) == []
    listed = client.get("reports", params={"status": "pending"}, headers=w.community_admin).json()
    assert [(r["id"], r["allowed_actions"]) for r in listed["items"]] == [(rid, ["approve", "reject"])]
    # Once decided, nothing is left to do, for anyone.
    approved = client.post(f"reports/{rid}/approve", headers=w.community_admin)
    assert approved.status_code == 200 and approved.json()["allowed_actions"] == []
    assert actions(w.admin) == []


def test_moving_house_is_a_new_report_and_the_old_community_keeps_its_history(client: TestClient, w: World) -> None:
    first = report(client, w)
    old_member = client.post(f"reports/{first['id']}/approve", headers=w.community_admin).json()["member_id"]
    make_partnership(w.unit, w.other_community)
    new_code = client.get(f"organizations/{w.other_community}/report-code", headers=w.other_admin).json()["code"]
    moved = report(client, w, code=new_code)
    new_member = client.post(f"reports/{moved['id']}/approve", headers=w.other_admin).json()["member_id"]
    assert new_member != old_member
    assert client.get(f"members/{old_member}", headers=w.community_admin).json()["user_id"] is None
    assert client.get(f"members/{new_member}", headers=w.other_admin).json()["user_id"] == w.reporter_id
    assert client.get(f"reports/{first['id']}", headers=w.community_admin).json()["status"] == "approved"
    assert client.get("me/reports", headers=w.reporter).json()["total"] == 2


def test_batch_approval_answers_each_report_by_the_single_rule(client: TestClient, w: World) -> None:
    first = report(client, w)
    second_reporter = login(client, username_of(make_user(Role.member, w.unit)))
    second = report(client, w, headers=second_reporter, name="王报到", mobile="13900002222")
    decided = report(
        client, w, headers=login(client, username_of(make_user(Role.member, w.unit))), mobile="13900003333"
    )
    assert (
        client.post(f"reports/{decided['id']}/reject", json={"reason": "请核对"}, headers=w.community_admin).status_code
        == 200
    )
    ids = [first["id"], decided["id"], second["id"], 999_999]
    # The unit's admin may read these reports but not decide them: each is refused, nothing changes.
    refused = client.post("reports/batch-approve", json={"ids": ids}, headers=w.unit_admin).json()
    assert refused["succeeded"] == 0 and {i["problem"]["code"] for i in refused["items"]} <= {"forbidden", "not_found"}
    assert client.get(f"reports/{first['id']}", headers=w.admin).json()["status"] == "pending"
    response = client.post("reports/batch-approve", json={"ids": ids}, headers=w.community_admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(i["id"], i["ok"]) for i in body["items"]] == [
        (ids[0], True),
        (ids[1], False),
        (ids[2], True),
        (ids[3], False),
    ]
    assert body["items"][1]["problem"]["code"] == "report_decided"
    assert body["items"][3]["problem"]["code"] == "not_found"
    assert (body["succeeded"], body["failed"]) == (2, 2)
    # Each approval did what the single one does: a member per mobile, the reports approved.
    assert members_with(MOBILE, w.community) == 1 and members_with("13900002222", w.community) == 1
    assert client.get(f"reports/{second['id']}", headers=w.admin).json()["status"] == "approved"
    assert_problem(
        client.post("reports/batch-approve", json={"ids": []}, headers=w.community_admin), 422, "validation_error"
    )
    member_try = client.post("reports/batch-approve", json={"ids": [first["id"]]}, headers=w.reporter).json()
    assert member_try["items"][0]["problem"]["code"] in ("forbidden", "not_found") and member_try["succeeded"] == 0
