"""Subscription messages end to end: each trigger over HTTP queues exactly its message in the same
transaction, and the worker's pass (run in-process) sends it to the fake WeChat with the right
template data. WeChat's refusals, retries, the access token's life, and crashes between commit and
send."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

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
from factories.notifications import (
    TEMPLATES,
    bind_wechat,
    consent,
    messages,
    remaining,
    wechat_time,
    wechat_with_templates,
)
from factories.volunteering import iso, make_activity
from factories.wechat import APPID, SECRET, FakeWechat
from gongjian.db import unit_of_work
from gongjian.models import NotificationMessage, WechatAccessToken, WechatIdentity
from gongjian.models.base import utcnow
from gongjian.models.enums import NotificationKind, OrganizationKind, Role
from gongjian.notifications import notify_user
from gongjian.notifications.sending import LEASE, claim_due, send_due
from gongjian.settings import get_settings
from gongjian.webhooks.delivery import BACKOFF, MAX_ATTEMPTS

OPENID = "openid-member-0001"


@pytest.fixture
def wx(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWechat]:
    with wechat_with_templates(monkeypatch) as fake:
        yield fake


class World:
    """A community with a partner unit, its admins, and a member account with a bound WeChat."""

    def __init__(self, client: TestClient) -> None:
        self.community = make_org(OrganizationKind.community, name="老虎头社区党委")
        self.unit = make_org(OrganizationKind.unit, name="黄石市中级人民法院机关党委")
        make_partnership(self.unit, self.community)
        self.admin = headers_for(client, Role.admin)
        self.community_admin = headers_for(client, Role.community_admin, self.community)
        self.second_admin = headers_for(client, Role.community_admin, self.community)
        self.user_id = make_user(Role.member, self.unit)
        self.member_id = make_member(self.community, unit_org_id=self.unit, name="李党员", user_id=self.user_id)
        bind_wechat(self.user_id, OPENID)
        self.member = login(client, username_of(self.user_id))


@pytest.fixture
def w(client: TestClient) -> World:
    return World(client)


def approved_record(client: TestClient, w: World, **body: Any) -> dict[str, Any]:
    end = utcnow() - timedelta(days=2)
    record = client.post(
        "volunteer-records",
        json={
            "member_id": w.member_id,
            "content": "社区法律咨询",
            "started_at": iso(end - timedelta(hours=10)),
            "ended_at": iso(end),
            "hours": 2.5,
            **body,
        },
        headers=w.community_admin,
    )
    assert record.status_code == 201, record.text
    approved = client.post(f"volunteer-records/{record.json()['id']}/approve", json={}, headers=w.second_admin)
    assert approved.status_code == 200, approved.text
    return dict(approved.json())


def expected_send(kind: str, page: str, data: dict[str, str], openid: str = OPENID) -> dict[str, Any]:
    return {
        "touser": openid,
        "template_id": TEMPLATES[kind],
        "page": page,
        "data": {key: {"value": value} for key, value in data.items()},
        "miniprogram_state": "formal",
        "lang": "zh_CN",
    }


# --- triggers ------------------------------------------------------------------------------------


def test_report_decisions_tell_the_account_and_the_unbound_reporter(
    client: TestClient, wx: FakeWechat, w: World
) -> None:
    code = client.get(f"organizations/{w.community}/report-code", headers=w.community_admin).json()["code"]
    form = {
        "code": code,
        "name": "王报到",
        "gender": "male",
        "mobile": "13900001111",
        "category": "in_service",
        "unit_org_id": w.unit,
    }
    # A member account with a bound WeChat reports, having accepted the 报到 template once.
    reporter_id = make_user(Role.member, w.unit)
    bind_wechat(reporter_id, "openid-account-reporter")
    reporter = login(client, username_of(reporter_id))
    consent(client, reporter, "report_decided")
    by_account = client.post("reports", json=form, headers=reporter).json()
    # A WeChat user with no account reports with its ticket, and accepted the template with it too.
    wx.user("code-r", "openid-unbound-reporter")
    ticket = client.post("auth/wechat", json={"code": "code-r"}).json()["binding_ticket"]
    accepted = client.post(
        "notification-consents/wechat",
        json={"binding_ticket": ticket, "results": [{"kind": "report_decided", "result": "accept"}]},
    )
    assert accepted.status_code == 200, accepted.text
    by_wechat = client.post("reports/wechat", json={**form, "mobile": "13900002222", "binding_ticket": ticket})
    assert by_wechat.status_code == 201, by_wechat.text
    assert messages() == []

    approved = client.post(f"reports/{by_wechat.json()['id']}/approve", headers=w.community_admin).json()
    rejected = client.post(
        f"reports/{by_account['id']}/reject",
        json={"reason": "所填工作单位与实际不符，请核对后重新报到；如有疑问请联系社区党委办公室"},
        headers=w.community_admin,
    ).json()
    # Queued with the decisions, one consent used each; nothing sent inside the requests.
    assert [(m.kind, m.status, m.openid) for m in messages()] == [
        ("report_decided", "pending", "openid-unbound-reporter"),
        ("report_decided", "pending", "openid-account-reporter"),
    ]
    # Approval bound the reporter's WeChat to the member's new login: that account is named, for support.
    with unit_of_work() as session:
        new_login = session.execute(
            select(WechatIdentity.user_id).where(WechatIdentity.openid == "openid-unbound-reporter")
        ).scalar_one()
    assert [m.user_id for m in messages()] == [new_login, reporter_id]
    assert remaining(client, reporter, "report_decided") == 0
    assert wx.received == []

    run = send_due()
    assert len(run.sent) == 2 and run.retrying == run.failed == run.skipped == []
    assert wx.sent == [
        expected_send(
            "report_decided",
            f"pages/home/index?report={approved['id']}",
            {
                "thing1": "老虎头社区党委",
                "phrase2": "已通过",
                "thing3": "已确认报到，欢迎参加社区活动",
                "time4": wechat_time(approved["decided_at"]),
            },
            openid="openid-unbound-reporter",
        ),
        expected_send(
            "report_decided",
            f"pages/home/index?report={rejected['id']}",
            # The reason, cut to a `thing`'s 20 characters.
            {
                "thing1": "老虎头社区党委",
                "phrase2": "未通过",
                "thing3": "所填工作单位与实际不符，请核对后重新报…",
                "time4": wechat_time(rejected["decided_at"]),
            },
            openid="openid-account-reporter",
        ),
    ]
    assert [(m.status, m.attempts, m.last_error) for m in messages()] == [("sent", 1, None)] * 2
    assert all(m.sent_at is not None and m.next_attempt_at is None for m in messages())
    assert send_due().attempted == 0 and len(wx.received) == 2


def test_an_approved_record_tells_the_member(client: TestClient, wx: FakeWechat, w: World) -> None:
    consent(client, w.member, "volunteer_record_approved", times=2)
    record = approved_record(client, w)
    rejected = client.post(
        "volunteer-records",
        json={
            "member_id": w.member_id,
            "content": "敬老院慰问",
            "started_at": iso(utcnow() - timedelta(days=3, hours=2)),
            "ended_at": iso(utcnow() - timedelta(days=3)),
            "hours": 2,
        },
        headers=w.community_admin,
    ).json()
    client.post(f"volunteer-records/{rejected['id']}/reject", json={"note": "时间不符"}, headers=w.second_admin)
    assert send_due().sent and len(wx.sent) == 1
    assert wx.sent[0] == expected_send(
        "volunteer_record_approved",
        f"pages/records/index?id={record['id']}",
        {
            "thing1": "社区法律咨询",
            "number2": "2.5",
            "time3": wechat_time(record["started_at"]),
            "thing4": "老虎头社区党委",
        },
    )
    assert remaining(client, w.member, "volunteer_record_approved") == 1


def test_without_consent_the_message_is_kept_as_skipped_and_never_sent(
    client: TestClient, wx: FakeWechat, w: World
) -> None:
    record = approved_record(client, w)
    (message,) = messages()
    assert (message.status, message.last_error, message.next_attempt_at) == ("skipped", "no_consent", None)
    assert message.idempotency_key == f"volunteer_record_approved:volunteer_record:{record['id']}"
    assert send_due(now=utcnow() + timedelta(days=1)).attempted == 0
    assert wx.received == []
    listed = client.get("notification-messages?status=skipped", headers=w.admin).json()
    assert listed["total"] == 1 and listed["items"][0]["last_error"] == "no_consent"
    assert listed["items"][0]["user_id"] == w.user_id and listed["items"][0]["openid_hint"] == "open…0001"


def test_nothing_is_queued_without_wechat_or_without_a_template(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, w: World
) -> None:
    # No template for the kind: not offered, nothing queued, however willing the member.
    with wechat_with_templates(monkeypatch, wechat_template_volunteer_record_approved="") as wx:
        approved_record(client, w)
        assert messages() == []
        # A member whose account has no WeChat: nothing either.
        unbound_user = make_user(Role.member, w.unit)
        member_id = make_member(w.community, unit_org_id=w.unit, user_id=unbound_user)
        with unit_of_work() as session:
            assert notify_user(session, unbound_user, NotificationKind.report_decided, {}, subject="x") is None
            assert notify_user(session, None, NotificationKind.report_decided, {}, subject="y") is None
        assert member_id and messages() == [] and send_due().attempted == 0 and wx.received == []


def test_a_rolled_back_change_leaves_no_message(client: TestClient, wx: FakeWechat, w: World) -> None:
    consent(client, w.member, "wish_progress")
    with pytest.raises(RuntimeError), unit_of_work() as session:
        notify_user(session, w.user_id, NotificationKind.wish_progress, {"wish": "收音机"}, subject="wish:1")
        raise RuntimeError("the change failed after queueing")
    assert messages() == [] and remaining(client, w.member, "wish_progress") == 1
    # Queued twice for one subject (a retried request): one message, one consent used.
    for _ in range(2):
        with unit_of_work() as session:
            notify_user(session, w.user_id, NotificationKind.wish_progress, {"wish": "收音机"}, subject="wish:1")
    assert len(messages()) == 1 and remaining(client, w.member, "wish_progress") == 0


def test_activity_reminders_24_hours_ahead_for_signed_up_members_only(
    client: TestClient, wx: FakeWechat, w: World
) -> None:
    now = utcnow()

    def activity(title: str, starts_in: timedelta, **body: Any) -> dict[str, Any]:
        return make_activity(
            client,
            w.community_admin,
            w.community,
            title=title,
            starts_at=iso(now + starts_in),
            ends_at=iso(now + starts_in + timedelta(hours=2)),
            **body,
        )

    soon = activity("送法进社区：婚姻家庭法律讲座", timedelta(hours=3), capacity=1)
    later = activity("重阳敬老慰问", timedelta(hours=30))
    started = activity("社区义诊", timedelta(minutes=-10))
    called_off = activity("篮球友谊赛", timedelta(hours=5))
    others = [make_user(Role.member, w.unit) for _ in range(3)]
    other_members = [make_member(w.community, unit_org_id=w.unit, user_id=u) for u in others]
    for index, user_id in enumerate(others):
        bind_wechat(user_id, f"openid-other-{index:04d}")
    consent(client, w.member, "activity_reminder", times=5)
    for user_id in others:
        consent(client, login(client, username_of(user_id)), "activity_reminder")

    def sign_up(activity_id: int, member_id: int) -> dict[str, Any]:
        response = client.post(
            f"activities/{activity_id}/signups", json={"member_id": member_id}, headers=w.community_admin
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    sign_up(soon["id"], w.member_id)
    waiting = sign_up(soon["id"], other_members[0])  # capacity 1: on the waiting list
    assert waiting["status"] == "waiting"
    sign_up(later["id"], w.member_id)
    sign_up(started["id"], w.member_id)
    sign_up(called_off["id"], other_members[1])
    assert client.post(f"activities/{called_off['id']}/cancel", headers=w.community_admin).status_code == 200
    cancelled = sign_up(later["id"], other_members[2])
    client.delete(f"activities/{later['id']}/signups/{cancelled['id']}", headers=w.community_admin)

    first = send_due(now=now)
    assert first.reminders_queued == 1 and len(first.sent) == 1
    assert wx.sent == [
        expected_send(
            "activity_reminder",
            f"pages/activities/detail?id={soon['id']}",
            {
                "thing1": "送法进社区：婚姻家庭法律讲座",
                "time2": wechat_time(soon["starts_at"]),
                "thing3": "老虎头社区广场",
                "thing4": "请按时参加；不能参加请提前取消报名",
            },
        )
    ]
    # The scan runs every pass; nothing is queued twice.
    again = send_due(now=now + timedelta(minutes=1))
    assert again.reminders_queued == 0 and again.attempted == 0
    # Seven hours on, the later activity is within 24 hours: its signed-up member only.
    later_pass = send_due(now=now + timedelta(hours=7))
    assert later_pass.reminders_queued == 1 and len(wx.sent) == 2
    assert wx.sent[1]["page"] == f"pages/activities/detail?id={later['id']}" and wx.sent[1]["touser"] == OPENID
    assert {m.idempotency_key for m in messages()} == {
        f"activity_reminder:signup:{s}" for s in _signup_ids(client, w, [soon["id"], later["id"]], w.member_id)
    }


def _signup_ids(client: TestClient, w: World, activity_ids: list[int], member_id: int) -> list[int]:
    found = []
    for activity_id in activity_ids:
        items = client.get(f"activities/{activity_id}/signups", headers=w.community_admin).json()["items"]
        found += [s["id"] for s in items if s["member"]["id"] == member_id and s["status"] == "signed_up"]
    return found


# --- WeChat's answers -----------------------------------------------------------------------------


def queued(client: TestClient, w: World, count: int = 1) -> list[int]:
    """`count` approved records, each with its message pending."""
    consent(client, w.member, "volunteer_record_approved", times=count)
    for day in range(count):
        end = utcnow() - timedelta(days=2 + day)
        approved_record(client, w, started_at=iso(end - timedelta(hours=3)), ended_at=iso(end))
    return [m.id for m in messages()]


def test_a_refused_send_is_recorded_and_not_retried(client: TestClient, wx: FakeWechat, w: World) -> None:
    (message_id,) = queued(client, w)
    wx.script(OPENID, 43101)
    run = send_due()
    assert run.skipped == [message_id]
    for later in (timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)):
        assert send_due(now=utcnow() + later).attempted == 0
    assert len(wx.received) == 1 and wx.sent == []
    shown = client.get(f"notification-messages/{message_id}", headers=w.admin).json()
    assert (shown["status"], shown["attempts"], shown["last_error"]) == ("skipped", 1, "user_refused")
    assert_problem(
        client.post(f"notification-messages/{message_id}/retry", headers=w.admin), 409, "notification_not_failed"
    )


@pytest.mark.parametrize(
    ("errcode", "error"),
    [(47003, "bad_template_data"), (40003, "bad_openid"), (40037, "bad_template_id"), (41030, "bad_page")],
)
def test_bad_requests_fail_at_once_and_can_be_retried_by_hand(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, wx: FakeWechat, w: World, errcode: int, error: str
) -> None:
    (message_id,) = queued(client, w)
    wx.script(OPENID, errcode)
    assert send_due().failed == [message_id]
    assert send_due(now=utcnow() + timedelta(days=1)).attempted == 0 and len(wx.received) == 1
    shown = client.get(f"notification-messages/{message_id}", headers=w.admin).json()
    assert (shown["status"], shown["last_error"], shown["next_attempt_at"]) == ("failed", error, None)
    # The operator fixes the template id, then sends it again.
    monkeypatch.setattr(get_settings(), "wechat_template_volunteer_record_approved", "TPL-FIXED")
    retried = client.post(f"notification-messages/{message_id}/retry", headers=w.admin)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"], retried.json()["template_id"]) == (
        "pending",
        0,
        "TPL-FIXED",
    )
    assert send_due().sent == [message_id]
    assert wx.received[-1]["template_id"] == "TPL-FIXED" and wx.received[-1]["errcode"] == 0


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (-1, "wechat_busy"),
        (45009, "rate_limited"),
        (99999, "errcode_99999"),
        (("status", 502), "http_502"),
        ("not-json", "bad_answer"),
        (("sleep", 1.5), "timeout"),
    ],
)
def test_passing_troubles_are_retried_with_backoff_then_fail(
    client: TestClient, wx: FakeWechat, w: World, answer: Any, error: str
) -> None:
    (message_id,) = queued(client, w)
    wx.script(OPENID, *([answer] * MAX_ATTEMPTS))
    t = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        run = send_due(now=t)
        if attempt < MAX_ATTEMPTS:
            assert run.retrying == [message_id], attempt
            # Not due again before its backoff step.
            assert send_due(now=t + BACKOFF[attempt - 1] - timedelta(seconds=1)).attempted == 0
            t += BACKOFF[attempt - 1]
        else:
            assert run.failed == [message_id]
    (message,) = messages()
    assert (message.status, message.attempts, message.last_error) == ("failed", MAX_ATTEMPTS, error)
    assert len(wx.received) == MAX_ATTEMPTS and wx.sent == []


def test_a_retry_after_a_passing_trouble_is_sent_once(client: TestClient, wx: FakeWechat, w: World) -> None:
    (message_id,) = queued(client, w)
    wx.script(OPENID, -1)
    t = utcnow()
    assert send_due(now=t).retrying == [message_id]
    assert send_due(now=t + BACKOFF[0]).sent == [message_id]
    assert len(wx.received) == 2 and len(wx.sent) == 1
    (message,) = messages()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)


# --- the access token ----------------------------------------------------------------------------


def test_the_token_is_fetched_once_shared_and_refreshed_before_it_expires(
    client: TestClient, wx: FakeWechat, w: World
) -> None:
    queued(client, w, count=2)
    t = utcnow()
    assert len(send_due(now=t).sent) == 2
    assert wx.token_requests == [
        {"grant_type": "client_credential", "appid": APPID, "secret": SECRET, "force_refresh": False}
    ]
    assert {r["access_token"] for r in wx.received} == {"ACCESS-TOKEN-1"}
    # Kept in the database, encrypted: another pass (another worker, after a restart) reuses it.
    with unit_of_work() as session:
        row = session.execute(select(WechatAccessToken)).scalar_one()
        assert row.appid == APPID and "ACCESS-TOKEN" not in row.token_ciphertext
        assert row.expires_at == t + timedelta(seconds=7200)
    approved_record(client, w, started_at=iso(t - timedelta(days=5, hours=3)), ended_at=iso(t - timedelta(days=5)))
    consent(client, w.member, "volunteer_record_approved")
    with unit_of_work() as session:
        session.execute(update(NotificationMessage).values(status="pending", next_attempt_at=t))
    assert send_due(now=t + timedelta(minutes=30)).attempted == 3
    assert len(wx.token_requests) == 1
    # With less than five minutes of its life left, a new one is fetched first.
    wx.new_token()
    with unit_of_work() as session:
        session.execute(update(NotificationMessage).values(status="pending", next_attempt_at=t))
    near_end = t + timedelta(seconds=7200) - timedelta(minutes=4)
    assert len(send_due(now=near_end).sent) == 3
    assert len(wx.token_requests) == 2 and {r["access_token"] for r in wx.received[-3:]} == {"ACCESS-TOKEN-2"}
    assert all(r["errcode"] == 0 for r in wx.received)


def test_an_invalid_token_is_refreshed_once_and_the_send_retried(client: TestClient, wx: FakeWechat, w: World) -> None:
    queued(client, w, count=2)
    t = utcnow()
    send_due(now=t)
    # Someone else forced a refresh: ours is dead, stable_token now hands out the new one.
    wx.new_token()
    with unit_of_work() as session:
        session.execute(update(NotificationMessage).values(status="pending", next_attempt_at=t))
    assert len(send_due(now=t + timedelta(minutes=1)).sent) == 2
    answered = [(r["access_token"], r["errcode"]) for r in wx.received[2:]]
    assert answered == [("ACCESS-TOKEN-1", 40001), ("ACCESS-TOKEN-2", 0), ("ACCESS-TOKEN-2", 0)]
    assert [r["force_refresh"] for r in wx.token_requests] == [False, False]


def test_a_token_stable_token_still_hands_out_is_forced_anew(client: TestClient, wx: FakeWechat, w: World) -> None:
    (message_id,) = queued(client, w)
    wx.new_token()
    wx.revoke_current_token()
    assert send_due().sent == [message_id]
    assert [r["force_refresh"] for r in wx.token_requests] == [False, False, True]
    assert [(r["access_token"], r["errcode"]) for r in wx.received] == [
        ("ACCESS-TOKEN-1", 40001),
        ("ACCESS-TOKEN-2", 0),
    ]


def test_no_token_means_the_messages_wait(client: TestClient, wx: FakeWechat, w: World) -> None:
    (message_id,) = queued(client, w)
    wx.token_script = [{"errcode": 40125, "errmsg": "invalid appsecret"}, ("status", 500)]
    t = utcnow()
    assert send_due(now=t).retrying == [message_id]
    assert messages()[0].last_error == "token_refused"
    assert send_due(now=t + BACKOFF[0]).retrying == [message_id]
    assert messages()[0].last_error == "token_unavailable"
    assert wx.received == []
    assert send_due(now=t + BACKOFF[0] + BACKOFF[1]).sent == [message_id]


def test_nothing_is_claimed_without_an_app_id(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, wx: FakeWechat, w: World
) -> None:
    queued(client, w)
    monkeypatch.setattr(get_settings(), "wechat_secret", "")
    assert send_due().attempted == 0
    assert messages()[0].status == "pending" and messages()[0].attempts == 0 and wx.received == []


def test_neither_the_secret_nor_the_token_is_logged(
    client: TestClient, wx: FakeWechat, w: World, caplog: pytest.LogCaptureFixture
) -> None:
    queued(client, w, count=2)
    wx.script(OPENID, ("status", 502))
    wx.new_token()
    wx.revoke_current_token()
    with caplog.at_level(logging.DEBUG):
        send_due()
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "subscribe/send" in text  # httpx logged its requests, without their query
    assert "ACCESS-TOKEN" not in text and SECRET not in text and "access_token=" not in text


# --- crashes ---------------------------------------------------------------------------------------


def test_a_worker_dying_after_its_claim_loses_nothing(client: TestClient, wx: FakeWechat, w: World) -> None:
    ids = queued(client, w, count=2)
    t = utcnow()
    # A worker claims both, then dies before sending or recording anything.
    assert [o.message_id for o in claim_due(t, 10).outgoing] == ids
    # Meanwhile another worker doesn't take them over.
    assert claim_due(t, 10) == ([], []) and send_due(now=t + timedelta(seconds=30)).attempted == 0
    # After the lease the next pass sends each, once.
    assert sorted(send_due(now=t + LEASE).sent) == ids
    assert len(wx.received) == 2 and {r["touser"] for r in wx.sent} == {OPENID}


def test_a_message_committed_but_never_claimed_is_sent_by_the_next_run(
    client: TestClient, wx: FakeWechat, w: World
) -> None:
    # The request committed its change and its message; the worker was down (nothing ran).
    (message_id,) = queued(client, w)
    assert messages()[0].status == "pending" and wx.received == []
    # The worker starts again (a new process: nothing in memory) and sends it.
    assert send_due(now=utcnow() + timedelta(hours=5)).sent == [message_id]
    assert len(wx.sent) == 1


def test_a_message_for_an_account_that_unbound_its_wechat_is_not_sent_there(
    client: TestClient, wx: FakeWechat, w: World
) -> None:
    (message_id,) = queued(client, w)
    assert client.delete("me/wechat-binding", headers=w.member).status_code == 204
    run = send_due()
    assert run.skipped == [message_id] and wx.received == []
    (message,) = messages()
    assert (message.status, message.last_error, message.attempts) == ("skipped", "unbound", 0)


# --- the message log ------------------------------------------------------------------------------


def test_the_message_log_for_support(client: TestClient, wx: FakeWechat, w: World) -> None:
    queued(client, w, count=2)
    approved_record(client, w)  # no consent left: skipped
    wx.script(OPENID, 40003)
    send_due()
    everything = client.get("notification-messages", headers=w.admin).json()
    assert everything["total"] == 3
    assert [i["status"] for i in everything["items"]] == ["skipped", "sent", "failed"]
    first = everything["items"][-1]
    assert first["kind"] == "volunteer_record_approved" and first["data"]["number2"] == {"value": "2.5"}
    assert client.get("notification-messages?status=failed", headers=w.admin).json()["total"] == 1
    assert client.get("notification-messages?kind=report_decided", headers=w.admin).json()["total"] == 0
    page = client.get("notification-messages?page_size=1&page=2&sort=created_at", headers=w.admin).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert_problem(client.get("notification-messages?status=lost", headers=w.admin), 422, "validation_error")
    for headers in (w.community_admin, w.member):
        assert_problem(client.get("notification-messages", headers=headers), 403, "forbidden")
        assert_problem(client.post(f"notification-messages/{first['id']}/retry", headers=headers), 403, "forbidden")
    reader = api_key_headers(client, w.admin, ["notifications:read"])
    assert client.get("notification-messages", headers=reader).json()["total"] == 3
    assert_problem(client.post(f"notification-messages/{first['id']}/retry", headers=reader), 403, "insufficient_scope")
    writer = api_key_headers(client, w.admin, ["notifications:write"])
    assert client.post(f"notification-messages/{first['id']}/retry", headers=writer).status_code == 200
    # An organisation's key is not platform-wide.
    org_key = api_key_headers(client, w.admin, ["notifications:read"], w.community)
    assert_problem(client.get("notification-messages", headers=org_key), 403, "forbidden")
    assert_problem(client.get("notification-messages/999999", headers=w.admin), 404, "not_found")
