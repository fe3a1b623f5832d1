"""WeChat subscription messages: the templates offered, consents from the mini-program, and the
message log for support."""

from __future__ import annotations

from typing import Annotated

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter
from gongjian.kit.types import PathId
from gongjian.notifications import consents, service
from gongjian.notifications.schemas import (
    ConsentResults,
    NotificationConsents,
    NotificationMessageListQuery,
    NotificationMessageRead,
    NotificationTemplateRead,
    WechatConsentResults,
)

router = DomainRouter(tags=["notifications"])

# A resident records its own consents too (it hears about its wishes and concerns).
Me = Annotated[Principal, caller(residents=True)]
Reader = Annotated[Principal, caller("notifications:read")]
Writer = Annotated[Principal, caller("notifications:write")]
OWN_DESCRIPTION = "按本账号绑定的微信（openid）记录；未绑定微信为 404 `wechat_not_bound`，API 密钥为 403。"


@router.get(
    "/notification-templates",
    summary="可订阅的消息模板（小程序据此调用 wx.requestSubscribeMessage；无需登录）",
)
async def list_notification_templates() -> list[NotificationTemplateRead]:
    return consents.offered_templates()


@router.get(
    "/me/notification-consents",
    summary="本人各类订阅消息还可接收的条数",
    description=OWN_DESCRIPTION,
    responses=problem_responses(401, 403, 404),
)
async def read_my_notification_consents(principal: Me) -> NotificationConsents:
    with unit_of_work() as session:
        return consents.my_consents(session, principal)


@router.post(
    "/me/notification-consents",
    summary="记录 wx.requestSubscribeMessage 的结果（每次“同意”可多接收一条，最多累计 50 条）",
    description=OWN_DESCRIPTION,
    responses=problem_responses(401, 403, 404, 422),
)
async def record_my_notification_consents(body: ConsentResults, principal: Me) -> NotificationConsents:
    with unit_of_work() as session:
        return consents.record_mine(session, principal, body)


@router.post(
    "/notification-consents/wechat",
    summary="尚未绑定账号的微信用户（如扫码报到人）凭绑定凭证记录订阅结果",
    responses=problem_responses(401, 422),
)
async def record_wechat_notification_consents(body: WechatConsentResults) -> NotificationConsents:
    with unit_of_work() as session:
        return consents.record_by_ticket(session, body)


@router.get("/notification-messages", summary="订阅消息发送记录（平台管理员；可按状态、类别筛选）")
async def list_notification_messages(
    principal: Reader, query: Annotated[NotificationMessageListQuery, query_of(NotificationMessageListQuery)]
) -> Page[NotificationMessageRead]:
    with unit_of_work() as session:
        return service.list_messages(session, principal, query)


@router.get("/notification-messages/{message_id}", summary="订阅消息详情")
async def get_notification_message(message_id: PathId, principal: Reader) -> NotificationMessageRead:
    with unit_of_work() as session:
        return service.get_message(session, principal, message_id)


@router.post(
    "/notification-messages/{message_id}/retry",
    summary="重新发送一条发送失败的订阅消息（按当前配置的模板 id，立即排入发送队列）",
    responses=problem_responses(409),
)
async def retry_notification_message(message_id: PathId, principal: Writer) -> NotificationMessageRead:
    with unit_of_work() as session:
        return service.retry_message(session, principal, message_id)
