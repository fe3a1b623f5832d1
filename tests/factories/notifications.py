"""Subscription messages in tests: template ids for every kind, a WeChat identity bound to an
account, consents recorded over HTTP, and reading what was queued."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories.wechat import FakeWechat, fake_wechat, use_fake_wechat
from gongjian.db import unit_of_work
from gongjian.models import NotificationMessage, WechatIdentity
from gongjian.models.base import utcnow

TEMPLATES = {
    "report_decided": "TPL-REPORT-DECIDED",
    "activity_reminder": "TPL-ACTIVITY-REMINDER",
    "volunteer_record_approved": "TPL-RECORD-APPROVED",
    "wish_progress": "TPL-WISH-PROGRESS",
    "concern_answered": "TPL-CONCERN-ANSWERED",
}
SHANGHAI = timezone(timedelta(hours=8))


@contextmanager
def wechat_with_templates(monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> Iterator[FakeWechat]:
    """The fake WeChat, and a template id for every kind (`overrides` set other settings, or unset a
    template with `wechat_template_<kind>=""`)."""
    with fake_wechat() as wx:
        templates = {f"wechat_template_{kind}": tid for kind, tid in TEMPLATES.items()}
        use_fake_wechat(monkeypatch, wx, **{**templates, **overrides})
        yield wx


def bind_wechat(user_id: int, openid: str) -> None:
    """The account's WeChat identity, as binding leaves it."""
    with unit_of_work() as session:
        session.add(WechatIdentity(openid=openid, user_id=user_id, bound_at=utcnow()))


def consent(client: TestClient, headers: dict[str, str], kind: str, times: int = 1) -> dict[str, Any]:
    """The mini-program reporting `times` accepts of one kind (one request each)."""
    body: dict[str, Any] = {}
    for _ in range(times):
        response = client.post(
            "me/notification-consents", json={"results": [{"kind": kind, "result": "accept"}]}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
    return body


def remaining(client: TestClient, headers: dict[str, str], kind: str) -> int:
    response = client.get("me/notification-consents", headers=headers)
    assert response.status_code == 200, response.text
    return int(next(item["remaining"] for item in response.json()["items"] if item["kind"] == kind))


def messages() -> list[NotificationMessage]:
    with unit_of_work() as session:
        return list(session.execute(select(NotificationMessage).order_by(NotificationMessage.id)).scalars())


def wechat_time(moment: datetime | str) -> str:
    """How a `time` key shows an instant: the communities' clock, 2026年1月2日 15:04."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = value.astimezone(UTC).astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local.hour:02d}:{local.minute:02d}"
