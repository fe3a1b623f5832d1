"""What the messages say: the wish and concern messages (for the resident, wired once residents
exist; tried here on a member's account), and how values are written into WeChat's typed keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from factories import headers_for, login, make_org, make_user, username_of
from factories.claims import make_wish
from factories.notifications import TEMPLATES, bind_wechat, consent, messages, wechat_time, wechat_with_templates
from factories.wechat import FakeWechat
from gongjian import notifications
from gongjian.db import unit_of_work
from gongjian.kit.principal import SYSTEM
from gongjian.models import Concern, Wish
from gongjian.models.enums import NotificationKind, OrganizationKind, Role
from gongjian.notifications import templates
from gongjian.notifications.sending import send_due
from gongjian.wishes import service as wishes
from gongjian.wishes.schemas import WishClaim, WishFulfil

OPENID = "openid-resident-0001"


@pytest.fixture
def wx(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWechat]:
    with wechat_with_templates(monkeypatch) as fake:
        yield fake


@pytest.fixture
def recipient(client: TestClient) -> tuple[int, dict[str, str]]:
    """Stands in for the resident: any account with a bound WeChat."""
    user_id = make_user(Role.member, make_org(OrganizationKind.community))
    bind_wechat(user_id, OPENID)
    return user_id, login(client, username_of(user_id))


def test_wish_claimed_and_fulfilled(client: TestClient, wx: FakeWechat, recipient: tuple[int, dict[str, str]]) -> None:
    user_id, headers = recipient
    consent(client, headers, "wish_progress", times=3)
    community = make_org(OrganizationKind.community)
    wish_id = make_wish(community, status="claimed", content="想要一台收音机，方便每天听新闻和戏曲节目。")
    with unit_of_work() as session:
        wish = session.get_one(Wish, wish_id)
        claimed_at = wish.claimed_at
        assert notifications.notify_wish_progress(session, wish, user_id) is not None
        # Again for the same claim (a retried request): nothing more.
        assert notifications.notify_wish_progress(session, wish, user_id) is None
        # Nobody to tell: nothing.
        assert notifications.notify_wish_progress(session, wish, None) is None
    with unit_of_work() as session:
        wishes.fulfil_wish(session, SYSTEM, wish_id, WishFulfil(note="已送达"), None)
        wish = session.get_one(Wish, wish_id)
        notifications.notify_wish_progress(session, wish, user_id)
        fulfilled_at = wish.fulfilled_at
    assert claimed_at is not None and fulfilled_at is not None
    send_due()
    page = f"pages/wishes/detail?id={wish_id}"
    common = {"touser": OPENID, "template_id": TEMPLATES["wish_progress"], "page": page}
    assert [{k: r[k] for k in ("touser", "template_id", "page", "data")} for r in wx.sent] == [
        {
            **common,
            "data": {
                "thing1": {"value": "想要一台收音机，方便每天听新闻和戏曲节…"},
                "phrase2": {"value": "已认领"},
                # The claiming member's name masked: the resident learns a surname, not who.
                "thing3": {"value": "党员赵**"},
                "time4": {"value": wechat_time(claimed_at)},
            },
        },
        {
            **common,
            "data": {
                "thing1": {"value": "想要一台收音机，方便每天听新闻和戏曲节…"},
                "phrase2": {"value": "已实现"},
                "thing3": {"value": "党员赵**"},
                "time4": {"value": wechat_time(fulfilled_at)},
            },
        },
    ]


def test_a_wish_claimed_again_after_a_release_is_a_new_message(
    client: TestClient, wx: FakeWechat, recipient: tuple[int, dict[str, str]]
) -> None:
    user_id, headers = recipient
    consent(client, headers, "wish_progress", times=2)
    community = make_org(OrganizationKind.community)
    unit = make_org(OrganizationKind.unit, name="黄石市中级人民法院机关党委")
    wish_id = make_wish(community, status="claimed")
    with unit_of_work() as session:
        notifications.notify_wish_progress(session, session.get_one(Wish, wish_id), user_id)
        wishes.release_wish(session, SYSTEM, wish_id, None)
        # Released: not a progress the resident is told of.
        assert notifications.notify_wish_progress(session, session.get_one(Wish, wish_id), user_id) is None
    with unit_of_work() as session:
        wishes.claim_wish(session, SYSTEM, wish_id, WishClaim(organization_id=unit), None)
        notifications.notify_wish_progress(session, session.get_one(Wish, wish_id), user_id)
    assert [m.status for m in messages()] == ["pending", "pending"]
    assert messages()[1].data["thing3"] == {"value": "黄石市中级人民法院机关党委"}


def test_concern_answered(client: TestClient, wx: FakeWechat, recipient: tuple[int, dict[str, str]]) -> None:
    user_id, headers = recipient
    consent(client, headers, "concern_answered", times=2)
    community = make_org(OrganizationKind.community)
    lht = headers_for(client, Role.community_admin, community)
    concern = client.post("concerns", json={"category": "infrastructure", "title": "小区路灯损坏"}, headers=lht).json()
    cid = concern["id"]
    client.post(f"concerns/{cid}/start", json={"note": "社区已受理"}, headers=lht)
    with unit_of_work() as session:
        notifications.notify_concern_answered(session, session.get_one(Concern, cid), user_id, "社区已受理")
    client.post(
        f"concerns/{cid}/escalate",
        json={
            "note": "已上报街道",
            "escalated_to": "街道城管办",
            "due_on": (date.today() + timedelta(days=7)).isoformat(),
        },
        headers=lht,
    )
    with unit_of_work() as session:
        notifications.notify_concern_answered(
            session, session.get_one(Concern, cid), user_id, "已上报街道城管办协调更换"
        )
        # The same step told twice: once.
        assert notifications.notify_concern_answered(session, session.get_one(Concern, cid), user_id, "x") is None
    send_due()
    assert [r["data"]["phrase2"]["value"] for r in wx.sent] == ["处理中", "已上报协调"]
    assert [r["data"]["thing3"]["value"] for r in wx.sent] == ["社区已受理", "已上报街道城管办协调更换"]
    assert {r["data"]["thing1"]["value"] for r in wx.sent} == {"小区路灯损坏"}
    assert {r["page"] for r in wx.sent} == {f"pages/concerns/detail?id={cid}"}


def test_values_are_written_and_cut_to_their_key_types() -> None:
    moment = datetime(2026, 3, 1, 16, 5, tzinfo=UTC)
    assert templates.write(moment, "time") == "2026年3月2日 00:05"
    assert templates.write(moment, "date") == "2026年3月2日"
    assert templates.write(date(2026, 3, 1), "date") == "2026年3月1日"
    assert templates.write(2.5, "number") == "2.5" and templates.write(3.0, "number") == "3"
    assert templates.write("一" * 25, "thing") == "一" * 19 + "…"
    assert templates.write("一" * 20, "thing") == "一" * 20
    assert templates.write("已上报街道协调", "phrase") == "已上报街道"
    assert templates.write("欧阳修文忠公" * 3, "name") == ("欧阳修文忠公" * 3)[:10]
    assert templates.write("A" * 40, "character_string") == "A" * 32
    assert templates.write("", "thing") == templates.write(None, "thing") == "无"
    assert templates.write("第一行\n第二行\t  结束", "thing") == "第一行 第二行 结束"
    rendered = templates.render(NotificationKind.report_decided, {"community": "老虎头社区党委", "result": "已通过"})
    assert rendered == {
        "thing1": {"value": "老虎头社区党委"},
        "phrase2": {"value": "已通过"},
        "thing3": {"value": "无"},
        "time4": {"value": "无"},
    }
    with pytest.raises(ValueError, match="no field"):
        templates.render(NotificationKind.report_decided, {"colour": "red"})


def test_template_keys_follow_the_configured_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from gongjian.settings import Settings, get_settings

    monkeypatch.setattr(
        get_settings(), "wechat_template_keys", {"report_decided": {"note": "thing5", "nothing": "thing9"}}
    )
    rendered = templates.render(NotificationKind.report_decided, {"note": "欢迎" * 15, "result": "已通过"})
    assert set(rendered) == {"thing1", "phrase2", "thing5", "time4"}
    assert rendered["thing5"] == {"value": "欢迎" * 9 + "欢…"}
    monkeypatch.setenv("GONGJIAN_WECHAT_TEMPLATE_KEYS", '{"report_decided": {"note": "thing5"}}')
    assert Settings().wechat_template_keys == {"report_decided": {"note": "thing5"}}
    monkeypatch.setenv("GONGJIAN_WECHAT_TEMPLATE_KEYS", '{"report_decided": {"note": "Thing 5"}}')
    with pytest.raises(ValueError, match="thing1"):
        Settings()
