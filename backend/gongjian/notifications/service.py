"""The message log for support: platform admins (or a platform-wide key with `notifications:read`)
see every message with its status and why it wasn't sent; a failed one can be queued again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gongjian.kit import audit
from gongjian.kit.access import require_platform_admin
from gongjian.kit.errors import conflict
from gongjian.kit.pagination import Page, cached_select, page_of, read_rows
from gongjian.kit.principal import Principal
from gongjian.kit.rows import one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.models import NotificationMessage
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction, NotificationKind, NotificationStatus
from gongjian.notifications import templates
from gongjian.notifications.schemas import NotificationMessageListQuery, NotificationMessageRead

LABEL = "订阅消息"
PLATFORM_WIDE_ONLY = "只有平台管理员（或全平台的 API 密钥）可以查看订阅消息记录"


def openid_hint(openid: str) -> str:
    return f"{openid[:4]}…{openid[-4:]}" if len(openid) > 10 else "…"


def to_read(message: NotificationMessage) -> NotificationMessageRead:
    return NotificationMessageRead.model_validate(
        {
            **{name: getattr(message, name) for name in NotificationMessageRead.model_fields if hasattr(message, name)},
            "openid_hint": openid_hint(message.openid),
        }
    )


@cached_select()
def _messages(query: NotificationMessageListQuery) -> Select[Any]:
    stmt = select(NotificationMessage)
    if query.status is not None:
        stmt = stmt.where(NotificationMessage.status == query.status.value)
    if query.kind is not None:
        stmt = stmt.where(NotificationMessage.kind == query.kind.value)
    if query.user_id is not None:
        stmt = stmt.where(NotificationMessage.user_id == query.user_id)
    return apply_sort(stmt, query.sort, {"created_at": NotificationMessage.created_at}, NotificationMessage.id)


def list_messages(
    session: Session, principal: Principal, query: NotificationMessageListQuery
) -> Page[NotificationMessageRead]:
    require_platform_admin(principal, PLATFORM_WIDE_ONLY)
    rows, total = read_rows(_messages(query), query, session=session)
    return page_of(NotificationMessageRead, [to_read(row) for row in rows], total, query)


def get_message(session: Session, principal: Principal, message_id: int) -> NotificationMessageRead:
    require_platform_admin(principal, PLATFORM_WIDE_ONLY)
    stmt = select(NotificationMessage).where(NotificationMessage.id == message_id)
    return to_read(one_or_404(session, stmt, LABEL))


def retry_message(session: Session, principal: Principal, message_id: int) -> NotificationMessageRead:
    """A failed message, due again now with a fresh round of attempts, under its kind's template id as
    configured now (the usual fix for `bad_template_id`). No consent is used again: the failed one was
    never delivered."""
    require_platform_admin(principal, PLATFORM_WIDE_ONLY)
    stmt = select(NotificationMessage).where(NotificationMessage.id == message_id)
    message: NotificationMessage = one_or_404(session, stmt, LABEL, lock=True)
    if message.status != NotificationStatus.failed.value:
        raise conflict("notification_not_failed", "只有发送失败的订阅消息可以重新发送")
    before = message.attempts
    message.status = NotificationStatus.pending.value
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.template_id = templates.template_id(NotificationKind(message.kind)) or message.template_id
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.update,
        "notification_message",
        message.id,
        {"status": ["failed", "pending"], "attempts": [before, 0]},
    )
    return to_read(message)
