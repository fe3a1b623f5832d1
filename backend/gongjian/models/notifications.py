"""WeChat subscription messages (订阅消息): consents, the message outbox, and the app's access token.

- `NotificationConsent`: how many more messages of one kind an openid has allowed. Each "accept" in
  wx.requestSubscribeMessage allows WeChat to deliver one message of that template; we count them so
  that a message nobody allowed is never sent (it would be refused with errcode 43101 anyway).
- `NotificationMessage`: the outbox row, written in the transaction of the change it tells about,
  sent later by the worker (`gongjian deliver-webhooks`). `idempotency_key` is `<kind>:<subject>`
  (e.g. `report_decided:report:17`), unique, so a second trigger or reminder scan never queues twice.
- `WechatAccessToken`: the app's access token from WeChat's `stable_token`, encrypted, shared by every
  worker and kept across restarts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gongjian.models.base import Base, IdMixin, UTCDateTime, utcnow


class NotificationConsent(IdMixin, Base):
    __tablename__ = "notification_consents"
    __table_args__ = (UniqueConstraint("openid", "kind"),)

    # Keyed by openid, not account: messages go to openids, and an unbound 报到 reporter has no account.
    openid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    remaining: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_result: Mapped[str | None] = mapped_column(String(16))
    last_result_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NotificationMessage(IdMixin, Base):
    __tablename__ = "notification_messages"
    __table_args__ = (Index("ix_notification_messages_status_next_attempt_at", "status", "next_attempt_at"),)

    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    # The account the openid belonged to when queued (None: an unbound 报到 reporter), for support.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(128))
    page: Mapped[str | None] = mapped_column(String(256))
    # Exactly what is sent as `data`: {template key: {"value": text}}.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A short code of our own (`no_consent`, `user_refused`, `timeout`, …), never WeChat's answer.
    last_error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WechatAccessToken(IdMixin, Base):
    __tablename__ = "wechat_access_tokens"

    appid: Mapped[str] = mapped_column(String(64), unique=True)
    # Encrypted with the data key (kit/personal_data.py, purpose WECHAT_ACCESS_TOKEN).
    token_ciphertext: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
