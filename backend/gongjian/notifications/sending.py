"""Sending due subscription messages: one pass of the worker (`gongjian deliver-webhooks`, which also
sends the webhooks), never a request handler.

One pass:
1. queues the activity reminders now due (`triggers.queue_activity_reminders`; the unique key makes
   each pass's scan harmless);
2. claims up to `CLAIM_BATCH` due messages in a short transaction, pushing their next attempt a lease
   ahead (`LEASE`, longer than a batch can take) so another worker skips them meanwhile;
3. sends each (wechat_api.send) with no database connection held while waiting for WeChat;
4. records each outcome in its own short transaction: sent; skipped or failed for good (WeChat's
   refusals, wechat_api's table); or retried after the webhooks' backoff (1 min, 5 min, 30 min, 2 h,
   12 h) and `failed` after the sixth attempt;
and claims the next batch until `limit` messages were tried or none is due.

A worker that dies between claiming and recording leaves its messages pending with their lease: the
next pass after the lease sends them. A message WeChat accepted just before such a death is sent
again then — WeChat's send has no idempotency key, so that one duplicate can't be ruled out; nothing
is ever lost. With no app id or secret configured nothing is claimed: messages wait.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

import httpx
from sqlalchemy import select

from gongjian.db import unit_of_work
from gongjian.models import NotificationMessage, WechatIdentity
from gongjian.models.base import utcnow
from gongjian.models.enums import NotificationKind, NotificationStatus
from gongjian.notifications import templates, wechat_api
from gongjian.notifications.triggers import queue_activity_reminders
from gongjian.settings import get_settings
from gongjian.webhooks.delivery import BACKOFF, MAX_ATTEMPTS

logger = logging.getLogger("gongjian.notifications")

CLAIM_BATCH = 10
# A batch makes at most four WeChat calls per message (token, send, new token, send again), each
# bounded by GONGJIAN_WECHAT_TIMEOUT_SECONDS (5 s): 10 × 20 s fits well inside the lease.
LEASE = timedelta(minutes=5)
UNBOUND = "unbound"


@dataclass(frozen=True, slots=True)
class Outgoing:
    message_id: int
    openid: str
    template_id: str
    page: str | None
    data: dict[str, object]


@dataclass(slots=True)
class SendRun:
    reminders_queued: int = 0
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.sent) + len(self.skipped) + len(self.retrying) + len(self.failed)


def queue_reminders(now: datetime) -> int:
    if templates.template_id(NotificationKind.activity_reminder) is None:
        return 0  # not offered: don't even take the write lock
    with unit_of_work() as session:
        return queue_activity_reminders(session, now)


class Claimed(NamedTuple):
    outgoing: list[Outgoing]
    # Skipped instead: their account's WeChat was unbound since they were queued.
    unbound: list[int]


def claim_due(now: datetime, limit: int) -> Claimed:
    """Lease up to `limit` due messages. A message for an account whose WeChat was unbound (or bound
    to another account) since it was queued is not sent to that WeChat: it is skipped (`unbound`)."""
    with unit_of_work(write_lock=True) as session:
        rows = session.execute(
            select(NotificationMessage, WechatIdentity.id)
            .outerjoin(
                WechatIdentity,
                (WechatIdentity.openid == NotificationMessage.openid)
                & (WechatIdentity.user_id == NotificationMessage.user_id),
            )
            .where(
                NotificationMessage.status == NotificationStatus.pending.value,
                NotificationMessage.next_attempt_at <= now,
            )
            .order_by(NotificationMessage.next_attempt_at, NotificationMessage.id)
            .limit(limit)
            .with_for_update(of=NotificationMessage, skip_locked=True)
        ).all()
        claimed = Claimed([], [])
        for message, still_bound in rows:
            if message.user_id is not None and still_bound is None:
                message.status, message.last_error = NotificationStatus.skipped.value, UNBOUND
                message.next_attempt_at = None
                claimed.unbound.append(message.id)
                continue
            message.next_attempt_at = now + LEASE
            claimed.outgoing.append(
                Outgoing(message.id, message.openid, message.template_id, message.page, dict(message.data))
            )
        return claimed


def record_result(message_id: int, outcome: wechat_api.Outcome, now: datetime) -> str:
    """Write one attempt's outcome; what the message became (`sent`, `skipped`, `failed`, `retrying`),
    or `gone` when it is no longer pending (an admin acted meanwhile)."""
    with unit_of_work() as session:
        message = session.get(NotificationMessage, message_id, with_for_update=True)
        if message is None or message.status != NotificationStatus.pending.value:
            return "gone"
        message.attempts += 1
        message.last_attempt_at = now
        message.last_error = outcome.error
        if outcome.result == "sent":
            message.status = NotificationStatus.sent.value
            message.sent_at = now
        elif outcome.result in ("skipped", "failed"):
            message.status = outcome.result
        elif message.attempts >= MAX_ATTEMPTS:
            message.status = NotificationStatus.failed.value
        else:
            message.next_attempt_at = now + BACKOFF[message.attempts - 1]
            return "retrying"
        message.next_attempt_at = None
        return message.status


def send_due(*, now: datetime | None = None, limit: int = 100, transport: httpx.BaseTransport | None = None) -> SendRun:
    """Queue the reminders due at `now` (default: the current time) and send up to `limit` messages."""
    now = now or utcnow()
    run = SendRun(reminders_queued=queue_reminders(now))
    settings = get_settings()
    if not settings.wechat_appid or not settings.wechat_secret:
        return run
    with httpx.Client(
        base_url=settings.wechat_api_base,
        timeout=settings.wechat_timeout_seconds,
        transport=transport,
        follow_redirects=False,
        trust_env=False,
    ) as client:
        tokens = wechat_api.AccessTokens(client, now)
        while run.attempted < limit:
            batch, unbound = claim_due(now, min(CLAIM_BATCH, limit - run.attempted))
            if not batch and not unbound:
                break
            run.skipped += unbound
            for item in batch:
                outcome = wechat_api.send(
                    client, tokens, openid=item.openid, template_id=item.template_id, page=item.page, data=item.data
                )
                became = record_result(item.message_id, outcome, now)
                outcomes = {"sent": run.sent, "skipped": run.skipped, "failed": run.failed, "retrying": run.retrying}
                outcomes.get(became, []).append(item.message_id)
    return run
