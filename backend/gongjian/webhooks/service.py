"""Webhook subscriptions and their deliveries: platform-wide, managed by platform admins (a user, or
an API key with `webhooks:write`). The signing secret is shown once, at creation; it is kept
encrypted because signing needs it back."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.access import require_platform_admin
from gongjian.kit.errors import not_found
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, cached_select, read_page
from gongjian.kit.personal_data import encrypt
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction, WebhookDeliveryStatus
from gongjian.webhooks.addresses import require_public
from gongjian.webhooks.delivery import SECRET_PURPOSE
from gongjian.webhooks.schemas import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryDetail,
    WebhookDeliveryListQuery,
    WebhookDeliveryRead,
    WebhookListQuery,
    WebhookRead,
    WebhookUpdate,
)

LABEL = "Webhook 订阅"
DELIVERY_LABEL = "Webhook 投递"
SECRET_PREFIX = "whsec_"
FIELDS = ("url", "events", "description", "is_active")
# Events cover every organisation, so only platform-wide callers may subscribe or read them.
PLATFORM_WIDE_ONLY = "只有平台管理员（或全平台的 API 密钥）可以管理 Webhook"


def list_subscriptions(principal: Principal, query: WebhookListQuery) -> Page[WebhookRead]:
    require_platform_admin(principal, PLATFORM_WIDE_ONLY)
    with unit_of_work() as session:
        return read_page(_subscriptions(query), query, WebhookRead, session=session)


@cached_select()
def _subscriptions(query: WebhookListQuery) -> Select[Any]:
    stmt = select(WebhookSubscription)
    if query.is_active is not None:
        stmt = stmt.where(WebhookSubscription.is_active.is_(query.is_active))
    return stmt.order_by(WebhookSubscription.id.desc())


def _subscription(session: Session, principal: Principal, subscription_id: int) -> WebhookSubscription:
    require_platform_admin(principal, PLATFORM_WIDE_ONLY)
    stmt = select(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
    row: WebhookSubscription = one_or_404(session, stmt, LABEL)
    return row


def get_subscription(session: Session, principal: Principal, subscription_id: int) -> WebhookRead:
    return WebhookRead.model_validate(_subscription(session, principal, subscription_id))


def create_subscription(session: Session, principal: Principal, data: WebhookCreate) -> WebhookCreated:
    require_platform_admin(principal, PLATFORM_WIDE_ONLY)
    require_public(data.url)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    row = WebhookSubscription(
        url=data.url,
        events=[e.value for e in data.events],
        description=data.description,
        secret_ciphertext=encrypt(secret, SECRET_PURPOSE),
        secret_prefix=secret[:10],
        is_active=True,
        **stamp(principal, "created"),
        version=1,
    )
    session.add(row)
    session.flush()
    audit.record(session, principal, AuditAction.create, "webhook_subscription", row.id, audit.snapshot(row, FIELDS))
    return WebhookCreated(**WebhookRead.model_validate(row).model_dump(), secret=secret)


def update_subscription(
    session: Session, principal: Principal, subscription_id: int, data: WebhookUpdate, if_match: str | None
) -> WebhookRead:
    row = _subscription(session, principal, subscription_id)
    check_if_match(if_match, row.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "url" in changes:
        require_public(changes["url"])
    before = audit.snapshot(row, FIELDS)
    for name, value in changes.items():
        setattr(row, name, [e.value for e in value] if name == "events" else value)
    audit.finish_update(session, principal, "webhook_subscription", row, before, FIELDS)
    return WebhookRead.model_validate(row)


def _readable_deliveries(principal: Principal) -> Select[Any]:
    require_platform_admin(principal, PLATFORM_WIDE_ONLY)
    return select(WebhookDelivery)


def list_deliveries(principal: Principal, query: WebhookDeliveryListQuery) -> Page[WebhookDeliveryRead]:
    require_platform_admin(principal, PLATFORM_WIDE_ONLY)
    with unit_of_work() as session:
        return read_page(_deliveries(query), query, WebhookDeliveryRead, session=session)


@cached_select()
def _deliveries(query: WebhookDeliveryListQuery) -> Select[Any]:
    stmt = select(WebhookDelivery)
    if query.subscription_id is not None:
        stmt = stmt.where(WebhookDelivery.subscription_id == query.subscription_id)
    if query.status is not None:
        stmt = stmt.where(WebhookDelivery.status == query.status.value)
    if query.event_type is not None:
        stmt = stmt.where(WebhookDelivery.event_type == query.event_type.value)
    columns = {"created_at": WebhookDelivery.created_at, "next_attempt_at": WebhookDelivery.next_attempt_at}
    return apply_sort(stmt, query.sort, columns, WebhookDelivery.id)


def get_delivery(session: Session, principal: Principal, delivery_id: int) -> WebhookDeliveryDetail:
    row = session.execute(
        _readable_deliveries(principal)
        .add_columns(WebhookEvent.payload, WebhookEvent.occurred_at)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id == delivery_id)
    ).first()
    if row is None:
        raise not_found(DELIVERY_LABEL)
    delivery, payload, occurred_at = row
    return WebhookDeliveryDetail(
        **WebhookDeliveryRead.model_validate(delivery).model_dump(), payload=payload, occurred_at=occurred_at
    )


def resend_delivery(session: Session, principal: Principal, delivery_id: int) -> WebhookDeliveryDetail:
    """Queue the delivery again, due now, with a fresh round of retries; the deliverer sends it."""
    require_platform_admin(principal, PLATFORM_WIDE_ONLY)
    stmt = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    delivery: WebhookDelivery = one_or_404(session, stmt, DELIVERY_LABEL, lock=True)
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = WebhookDeliveryStatus.pending.value
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.update,
        "webhook_delivery",
        delivery.id,
        {"status": [before["status"], delivery.status], "attempts": [before["attempts"], 0]},
    )
    return get_delivery(session, principal, delivery_id)
