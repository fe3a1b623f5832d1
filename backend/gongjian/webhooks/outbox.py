"""The outbox: `emit()` records a domain event, and one pending delivery per subscriber, in the
caller's own transaction.

If the change commits, its event is committed with it; if it rolls back, no event is left behind;
and a crash after the commit loses nothing, because delivery reads from these rows later
(`gongjian deliver-webhooks`), never from memory. Call it from a service, next to the audit record:

    emit(session, WebhookEventType.claim_verified, {"claim_id": claim.id, ...})

The payload is JSON (dates and enums are converted); keep it to ids and states: receivers fetch
details with an API key, so personal data does not travel in webhooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.orm import Session

from gongjian.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from gongjian.models.base import utcnow
from gongjian.models.enums import WebhookDeliveryStatus, WebhookEventType


def emit(session: Session, event_type: WebhookEventType | str, payload: Mapping[str, Any]) -> WebhookEvent:
    kind = WebhookEventType(event_type)
    now = utcnow()
    event = WebhookEvent(event_type=kind.value, payload=to_jsonable_python(dict(payload)), occurred_at=now)
    session.add(event)
    session.flush()
    subscriptions = session.execute(
        select(WebhookSubscription.id, WebhookSubscription.events).where(WebhookSubscription.is_active.is_(True))
    ).all()
    session.add_all(
        WebhookDelivery(
            event_id=event.id,
            subscription_id=sub_id,
            event_type=kind.value,
            status=WebhookDeliveryStatus.pending.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for sub_id, events in subscriptions
        if kind.value in events
    )
    return event
