"""Queueing a subscription message in the caller's transaction (the outbox, as for webhooks).

If the change commits, its message is committed with it; if it rolls back, nothing is left; a crash
after the commit loses nothing, because the worker sends from these rows later. At queue time:

- the kind has no template configured → nothing is queued;
- the recipient has no WeChat identity → nothing is queued;
- a message with the same `<kind>:<subject>` exists → nothing more is queued (a retried request or a
  second reminder scan never doubles a message);
- the openid has no consent left for the kind → the row is kept as `skipped` (`no_consent`), for
  support to see, and never sent;
- otherwise one consent is used and the row waits (`pending`) for the worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongjian.models import NotificationConsent, NotificationMessage, WechatIdentity
from gongjian.models.base import utcnow
from gongjian.models.enums import NotificationKind, NotificationStatus
from gongjian.notifications import templates

NO_CONSENT = "no_consent"


def notify_user(
    session: Session,
    user_id: int | None,
    kind: NotificationKind,
    data: Mapping[str, object],
    *,
    subject: str,
    page: str | None = None,
) -> NotificationMessage | None:
    """Queue a message of `kind` to the WeChat identity bound to account `user_id` (None, or an
    account without WeChat: nothing). `data` maps the kind's fields (templates.FIELDS) to values;
    `subject` names what the message is about (`report:17`), unique within the kind."""
    if user_id is None or templates.template_id(kind) is None:
        return None
    openid = session.execute(select(WechatIdentity.openid).where(WechatIdentity.user_id == user_id)).scalar()
    if openid is None:
        return None
    return notify_openid(session, openid, kind, data, subject=subject, page=page, user_id=user_id)


def notify_openid(
    session: Session,
    openid: str,
    kind: NotificationKind,
    data: Mapping[str, object],
    *,
    subject: str,
    page: str | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> NotificationMessage | None:
    """Queue a message to an openid (a WeChat user not bound to an account: an unbound 报到 reporter),
    due at `now` (default: the current time). The row, or None when nothing was queued (no template,
    or already queued for this subject)."""
    template = templates.template_id(kind)
    if template is None:
        return None
    key = f"{kind.value}:{subject}"
    if session.execute(select(NotificationMessage.id).where(NotificationMessage.idempotency_key == key)).first():
        return None
    now = now or utcnow()
    message = NotificationMessage(
        idempotency_key=key,
        kind=kind.value,
        openid=openid,
        user_id=user_id,
        template_id=template,
        page=page,
        data=templates.render(kind, data),
        status=NotificationStatus.pending.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # The same subject queued by a concurrent transaction: that one stands.
        return None
    # Only now is a consent used: the row is ours, and the whole transaction commits or not together.
    used = cast(
        CursorResult[Any],
        session.execute(
            update(NotificationConsent)
            .where(
                NotificationConsent.openid == openid,
                NotificationConsent.kind == kind.value,
                NotificationConsent.remaining > 0,
            )
            .values(remaining=NotificationConsent.remaining - 1, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if not used:
        message.status = NotificationStatus.skipped.value
        message.last_error = NO_CONSENT
        message.next_attempt_at = None
        session.flush()
    return message
