"""Consents: what the mini-program's wx.requestSubscribeMessage answered, counted per openid and kind.

WeChat's one-time subscriptions: each "accept" lets the app send that user one message of that
template. We count them (`remaining`, at most `CAP`) and use one per message queued, so a message the
user never allowed is not sent. "reject" and "filter" are recorded and change no count (sends the
user allowed before still stand); "ban" (WeChat banned the template) leaves none.

Recorded by the signed-in account's bound WeChat (`/me/notification-consents`), or by a WeChat user
not yet bound to an account — a 报到 reporter — with its binding ticket
(`POST /notification-consents/wechat`), so that it can be told when its report is decided.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongjian.kit import audit
from gongjian.kit.errors import forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.models import NotificationConsent, WechatIdentity
from gongjian.models.base import utcnow
from gongjian.models.enums import ActorType, AuditAction, NotificationConsentResult, NotificationKind, Role
from gongjian.notifications import templates
from gongjian.notifications.schemas import (
    ConsentResults,
    NotificationConsentRead,
    NotificationConsents,
    NotificationTemplateRead,
    WechatConsentResults,
)
from gongjian.wechat import service as wechat

CAP = 50


def offered_templates() -> list[NotificationTemplateRead]:
    return [
        NotificationTemplateRead(kind=kind, label=NotificationKind.label_of(kind), template_id=tid)
        for kind, tid in templates.offered()
    ]


def _own_openid(session: Session, principal: Principal) -> str:
    if principal.actor_type is not ActorType.user:
        raise forbidden("API 密钥没有微信订阅")
    openid = session.execute(select(WechatIdentity.openid).where(WechatIdentity.user_id == principal.id)).scalar()
    if openid is None:
        raise wechat.NOT_BOUND
    return openid


def _read(session: Session, openid: str) -> NotificationConsents:
    rows = {
        row.kind: row
        for row in session.execute(select(NotificationConsent).where(NotificationConsent.openid == openid)).scalars()
    }
    items = []
    for kind, tid in templates.offered():
        row = rows.get(kind.value)
        items.append(
            NotificationConsentRead(
                kind=kind,
                label=NotificationKind.label_of(kind),
                template_id=tid,
                remaining=row.remaining if row else 0,
                last_result=NotificationConsentResult(row.last_result) if row and row.last_result else None,
                last_result_at=row.last_result_at if row else None,
            )
        )
    return NotificationConsents(items=items, cap=CAP)


def _row(session: Session, openid: str, kind: NotificationKind) -> NotificationConsent:
    """The consent row of openid and kind, locked, created (with none left) if missing."""
    stmt = select(NotificationConsent).where(
        NotificationConsent.openid == openid, NotificationConsent.kind == kind.value
    )
    row = session.execute(stmt.with_for_update()).scalar_one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = NotificationConsent(openid=openid, kind=kind.value, remaining=0)
            session.add(row)
    except IntegrityError:
        # Created by a concurrent request meanwhile: use that one.
        return session.execute(stmt.with_for_update()).scalar_one()
    return row


def _record(session: Session, actor: Principal, openid: str, body: ConsentResults) -> NotificationConsents:
    offered = {kind for kind, _ in templates.offered()}
    for index, item in enumerate(body.results):
        if item.kind not in offered:
            raise unprocessable(
                "notification_kind_not_offered",
                f"未开通“{NotificationKind.label_of(item.kind)}”订阅消息",
                field=f"body.results.{index}.kind",
            )
    now = utcnow()
    for item in body.results:
        row = _row(session, openid, item.kind)
        before = row.remaining
        if item.result is NotificationConsentResult.accept:
            row.remaining = min(CAP, row.remaining + 1)
        elif item.result is NotificationConsentResult.ban:
            row.remaining = 0
        row.last_result, row.last_result_at, row.updated_at = item.result.value, now, now
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.update,
            "notification_consent",
            row.id,
            {"kind": item.kind.value, "result": item.result.value, "remaining": [before, row.remaining]},
        )
    return _read(session, openid)


def my_consents(session: Session, principal: Principal) -> NotificationConsents:
    return _read(session, _own_openid(session, principal))


def record_mine(session: Session, principal: Principal, body: ConsentResults) -> NotificationConsents:
    return _record(session, principal, _own_openid(session, principal), body)


def record_by_ticket(session: Session, body: WechatConsentResults) -> NotificationConsents:
    ticket = wechat.check_ticket(session, body.binding_ticket)
    actor = Principal(ActorType.wechat, ticket.id, "微信用户（订阅消息）", Role.member, None)
    return _record(session, actor, ticket.openid, body)
