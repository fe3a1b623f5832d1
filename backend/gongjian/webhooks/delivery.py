"""Sending due webhook deliveries: `gongjian deliver-webhooks` (once, or `--loop`).

Never called from a request handler. One run:
1. claims up to `limit` due deliveries in a short transaction, pushing their next attempt a lease
   ahead so a second deliverer (another process or host) skips them meanwhile;
2. POSTs each, signed, with no database connection held while waiting for the receiver;
3. records each result in its own short transaction: 2xx is delivered; anything else (an error
   status, a timeout, a refused connection) is retried after 1 min, 5 min, 30 min, 2 h and 12 h,
   and after the sixth failed attempt the delivery is `failed` (it can still be re-sent by hand).

Right before each POST the receiver's host is resolved and checked again and the connection goes to
the checked address (`addresses.pinned`); an address that is no longer public is a failed attempt.
A failure keeps the status code and a short reason of our own ("HTTP 500", "ConnectTimeout"), never
the receiver's answer: an internal service's body must not become readable through the API.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from gongjian.db import unit_of_work
from gongjian.kit.personal_data import WEBHOOK_SECRET, UnreadableCiphertext, decrypt
from gongjian.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from gongjian.models.base import utcnow
from gongjian.models.enums import WebhookDeliveryStatus
from gongjian.settings import get_settings
from gongjian.webhooks.addresses import AddressRefused, pinned
from gongjian.webhooks.signing import SIGNATURE_HEADER, sign

logger = logging.getLogger("gongjian.webhooks")

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# Longer than any one POST may take, so a claimed delivery is not picked up twice.
LEASE = timedelta(minutes=2)
SECRET_PURPOSE = WEBHOOK_SECRET
USER_AGENT = "Gongjian-Webhooks/1.0"


@dataclass(frozen=True, slots=True)
class Outgoing:
    delivery_id: int
    event_id: int
    event_type: str
    url: str
    # None when no data key we hold opens the stored secret: nothing is sent unsigned.
    secret: str | None
    body: bytes


@dataclass(slots=True)
class DeliveryRun:
    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.delivered) + len(self.retrying) + len(self.failed)


def event_body(event: WebhookEvent) -> bytes:
    document = {
        "id": event.id,
        "type": event.event_type,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def claim_due(now: datetime, limit: int) -> list[Outgoing]:
    with unit_of_work(write_lock=True) as session:
        rows = session.execute(
            select(WebhookDelivery, WebhookSubscription, WebhookEvent)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(
                WebhookDelivery.status == WebhookDeliveryStatus.pending.value,
                WebhookDelivery.next_attempt_at <= now,
                WebhookSubscription.is_active.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        ).all()
        outgoing = []
        for delivery, subscription, event in rows:
            delivery.next_attempt_at = now + LEASE
            outgoing.append(
                Outgoing(
                    delivery.id,
                    event.id,
                    event.event_type,
                    subscription.url,
                    _secret(subscription),
                    event_body(event),
                )
            )
        return outgoing


def _secret(subscription: WebhookSubscription) -> str | None:
    try:
        return decrypt(subscription.secret_ciphertext, SECRET_PURPOSE)
    except UnreadableCiphertext:
        logger.warning("webhook subscription %s: signing secret can't be decrypted", subscription.id)
        return None


def send(client: httpx.Client, item: Outgoing, now: datetime) -> tuple[bool, int | None, str | None]:
    if item.secret is None:
        return False, None, "secret_unreadable"
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Gongjian-Event": item.event_type,
        "X-Gongjian-Event-Id": str(item.event_id),
        "X-Gongjian-Delivery": str(item.delivery_id),
        SIGNATURE_HEADER: sign(item.secret, item.body, int(now.timestamp())),
    }
    try:
        target = pinned(item.url)
        response = client.post(
            target.url, content=item.body, headers={**headers, **target.headers}, extensions=target.extensions
        )
    except AddressRefused as refused:
        return False, None, refused.reason
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return False, None, type(exc).__name__
    if 200 <= response.status_code < 300:
        return True, response.status_code, None
    return False, response.status_code, f"HTTP {response.status_code}"


def record_result(delivery_id: int, ok: bool, status_code: int | None, error: str | None, now: datetime) -> str:
    with unit_of_work() as session:
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None:
            return "gone"
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = status_code
        delivery.last_error = error
        if ok:
            delivery.status = WebhookDeliveryStatus.delivered.value
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDeliveryStatus.failed.value
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        return delivery.status if ok or delivery.status == "failed" else "retrying"


def deliver_due(
    *, now: datetime | None = None, limit: int = 100, transport: httpx.BaseTransport | None = None
) -> DeliveryRun:
    """Send every delivery due at `now` (default: the current time), at most `limit` of them."""
    now = now or utcnow()
    run = DeliveryRun()
    outgoing = claim_due(now, limit)
    if not outgoing:
        return run
    timeout = get_settings().webhook_timeout_seconds
    with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False, trust_env=False) as client:
        for item in outgoing:
            ok, status_code, error = send(client, item, now)
            outcome = record_result(item.delivery_id, ok, status_code, error, now)
            {"delivered": run.delivered, "failed": run.failed, "retrying": run.retrying}.get(outcome, []).append(
                item.delivery_id
            )
    return run
