"""Consents to subscription messages over HTTP: the templates offered, what the mini-program reports
from wx.requestSubscribeMessage (by a bound account, or by an unbound WeChat user with its binding
ticket), the cap, validation, and who may call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from factories import api_key_headers, assert_problem, headers_for, login, make_org, make_user, username_of
from factories.notifications import TEMPLATES, bind_wechat, consent, remaining, wechat_with_templates
from factories.wechat import FakeWechat
from gongjian.db import unit_of_work
from gongjian.models import AuditEvent, NotificationConsent
from gongjian.models.enums import OrganizationKind, Role
from gongjian.notifications.consents import CAP

MINE = "me/notification-consents"


@pytest.fixture
def wx(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWechat]:
    # Concerns answered are not offered here: their template is unset.
    with wechat_with_templates(monkeypatch, wechat_template_concern_answered="") as fake:
        yield fake


@pytest.fixture
def member(client: TestClient) -> tuple[int, dict[str, str]]:
    user_id = make_user(Role.member, make_org(OrganizationKind.community))
    bind_wechat(user_id, "openid-member-0001")
    return user_id, login(client, username_of(user_id))


def test_templates_offered_are_public_and_only_the_configured_ones(client: TestClient, wx: FakeWechat) -> None:
    response = client.get("notification-templates")
    assert response.status_code == 200
    assert response.json() == [
        {"kind": "report_decided", "label": "报到审核结果", "template_id": TEMPLATES["report_decided"]},
        {"kind": "activity_reminder", "label": "活动提醒", "template_id": TEMPLATES["activity_reminder"]},
        {
            "kind": "volunteer_record_approved",
            "label": "志愿服务记录审核通过",
            "template_id": TEMPLATES["volunteer_record_approved"],
        },
        {"kind": "wish_progress", "label": "心愿进度", "template_id": TEMPLATES["wish_progress"]},
    ]


def test_nothing_is_offered_without_templates(client: TestClient) -> None:
    assert client.get("notification-templates").json() == []


def test_accepts_add_sends_rejects_keep_them_a_ban_ends_them(
    client: TestClient, wx: FakeWechat, member: tuple[int, dict[str, str]]
) -> None:
    user_id, headers = member
    start = client.get(MINE, headers=headers).json()
    assert start["cap"] == CAP == 50
    assert [(i["kind"], i["remaining"], i["last_result"]) for i in start["items"]] == [
        ("report_decided", 0, None),
        ("activity_reminder", 0, None),
        ("volunteer_record_approved", 0, None),
        ("wish_progress", 0, None),
    ]
    assert start["items"][0]["template_id"] == TEMPLATES["report_decided"]

    consent(client, headers, "activity_reminder", times=3)
    answer = client.post(
        MINE,
        json={
            "results": [
                {"kind": "activity_reminder", "result": "reject"},
                {"kind": "wish_progress", "result": "accept"},
                {"kind": "report_decided", "result": "filter"},
            ]
        },
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    items = {i["kind"]: i for i in answer.json()["items"]}
    # A refusal now leaves the sends allowed before: WeChat still counts them.
    assert (items["activity_reminder"]["remaining"], items["activity_reminder"]["last_result"]) == (3, "reject")
    assert (items["wish_progress"]["remaining"], items["wish_progress"]["last_result"]) == (1, "accept")
    assert (items["report_decided"]["remaining"], items["report_decided"]["last_result"]) == (0, "filter")
    assert items["wish_progress"]["last_result_at"] is not None
    banned = client.post(MINE, json={"results": [{"kind": "activity_reminder", "result": "ban"}]}, headers=headers)
    assert {i["kind"]: i["remaining"] for i in banned.json()["items"]}["activity_reminder"] == 0

    with unit_of_work() as session:
        events = session.execute(
            select(AuditEvent.entity, AuditEvent.actor_id, AuditEvent.changes)
            .where(AuditEvent.entity == "notification_consent")
            .order_by(AuditEvent.id)
        ).all()
    assert len(events) == 7 and {e.actor_id for e in events} == {user_id}
    assert events[-1].changes == {"kind": "activity_reminder", "result": "ban", "remaining": [3, 0]}


def test_sends_are_capped(client: TestClient, wx: FakeWechat, member: tuple[int, dict[str, str]]) -> None:
    _, headers = member
    consent(client, headers, "report_decided")
    with unit_of_work() as session:
        session.execute(update(NotificationConsent).values(remaining=CAP - 1))
    consent(client, headers, "report_decided", times=3)
    assert remaining(client, headers, "report_decided") == CAP


def test_a_retried_post_with_an_idempotency_key_counts_once(
    client: TestClient, wx: FakeWechat, member: tuple[int, dict[str, str]]
) -> None:
    _, headers = member
    body = {"results": [{"kind": "wish_progress", "result": "accept"}]}
    first = client.post(MINE, json=body, headers={**headers, "Idempotency-Key": "consent-1"})
    again = client.post(MINE, json=body, headers={**headers, "Idempotency-Key": "consent-1"})
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert remaining(client, headers, "wish_progress") == 1


def test_bad_consents_are_refused(client: TestClient, wx: FakeWechat, member: tuple[int, dict[str, str]]) -> None:
    _, headers = member
    unknown = assert_problem(
        client.post(MINE, json={"results": [{"kind": "birthday", "result": "accept"}]}, headers=headers),
        422,
        "validation_error",
    )
    assert unknown["errors"][0]["field"] == "body.results.0.kind"
    not_offered = assert_problem(
        client.post(
            MINE,
            json={
                "results": [
                    {"kind": "wish_progress", "result": "accept"},
                    {"kind": "concern_answered", "result": "accept"},
                ]
            },
            headers=headers,
        ),
        422,
        "notification_kind_not_offered",
    )
    assert not_offered["errors"][0]["field"] == "body.results.1.kind"
    # Nothing of a refused request is kept, not even its valid part.
    assert remaining(client, headers, "wish_progress") == 0
    cases = [
        {"results": []},
        {"results": [{"kind": "wish_progress", "result": "maybe"}]},
        {"results": [{"kind": "wish_progress", "result": "accept"}, {"kind": "wish_progress", "result": "accept"}]},
        {"results": [{"kind": "wish_progress", "result": "accept"}] * 6},
        {"results": [{"kind": "wish_progress"}]},
        [{"kind": "wish_progress", "result": "accept"}],
        {"results": [{"kind": "wish_progress", "result": "accept", "extra": 1}]},
    ]
    for body in cases:
        assert_problem(client.post(MINE, json=body, headers=headers), 422, "validation_error")


def test_who_may_record_own_consents(client: TestClient, wx: FakeWechat) -> None:
    community = make_org(OrganizationKind.community)
    unbound = headers_for(client, Role.member, community)
    assert_problem(client.get(MINE, headers=unbound), 404, "wechat_not_bound")
    assert_problem(
        client.post(MINE, json={"results": [{"kind": "wish_progress", "result": "accept"}]}, headers=unbound),
        404,
        "wechat_not_bound",
    )
    assert_problem(client.get(MINE), 401, "unauthorized")
    admin = headers_for(client, Role.admin)
    key = api_key_headers(client, admin, ["notifications:read", "notifications:write"])
    assert_problem(client.get(MINE, headers=key), 403, "forbidden")
    assert_problem(
        client.post(MINE, json={"results": [{"kind": "wish_progress", "result": "accept"}]}, headers=key),
        403,
        "forbidden",
    )


def test_an_unbound_wechat_user_records_consent_with_its_ticket_and_keeps_it_once_bound(
    client: TestClient, wx: FakeWechat
) -> None:
    wx.user("code-r", "openid-reporter-01")
    ticket = client.post("auth/wechat", json={"code": "code-r"}).json()["binding_ticket"]
    body = {"binding_ticket": ticket, "results": [{"kind": "report_decided", "result": "accept"}]}
    recorded = client.post("notification-consents/wechat", json=body)
    assert recorded.status_code == 200, recorded.text
    assert {i["kind"]: i["remaining"] for i in recorded.json()["items"]}["report_decided"] == 1
    # The ticket is not spent: the same user can record again, and bind with it later.
    assert client.post("notification-consents/wechat", json=body).status_code == 200
    with unit_of_work() as session:
        row = session.execute(select(NotificationConsent)).scalar_one()
        assert (row.openid, row.kind, row.remaining) == ("openid-reporter-01", "report_decided", 2)
        actors = session.execute(
            select(AuditEvent.actor_type).where(AuditEvent.entity == "notification_consent")
        ).scalars()
        assert set(actors) == {"wechat"}

    assert_problem(
        client.post("notification-consents/wechat", json={**body, "binding_ticket": "forged"}),
        401,
        "wechat_ticket_invalid",
    )
    assert_problem(
        client.post("notification-consents/wechat", json={**body, "results": [{"kind": "x", "result": "accept"}]}),
        422,
        "validation_error",
    )
    user_id = make_user(Role.member, make_org(OrganizationKind.community))
    bound = client.post(
        "auth/wechat/bind",
        json={"binding_ticket": ticket, "username": username_of(user_id), "password": "correct-horse-42"},
    )
    assert bound.status_code == 200, bound.text
    headers = {"Authorization": f"Bearer {bound.json()['access_token']}"}
    assert remaining(client, headers, "report_decided") == 2
