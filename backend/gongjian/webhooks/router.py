from __future__ import annotations

from typing import Annotated

from fastapi import Response

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import PathId
from gongjian.webhooks import service
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

router = DomainRouter(tags=["webhooks"])

Reader = Annotated[Principal, caller("webhooks:read")]
Writer = Annotated[Principal, caller("webhooks:write")]


@router.get("/webhooks", summary="Webhook 订阅列表")
async def list_webhooks(
    principal: Reader, query: Annotated[WebhookListQuery, query_of(WebhookListQuery)]
) -> Page[WebhookRead]:
    return service.list_subscriptions(principal, query)


@router.post("/webhooks", summary="订阅 Webhook（签名密钥只返回一次）", status_code=201)
async def create_webhook(body: WebhookCreate, principal: Writer, response: Response) -> WebhookCreated:
    with unit_of_work() as session:
        result = service.create_subscription(session, principal, body)
    created(response, f"/webhooks/{result.id}", result.version)
    return result


@router.get("/webhooks/deliveries", summary="Webhook 投递记录")
async def list_webhook_deliveries(
    principal: Reader, query: Annotated[WebhookDeliveryListQuery, query_of(WebhookDeliveryListQuery)]
) -> Page[WebhookDeliveryRead]:
    return service.list_deliveries(principal, query)


@router.get("/webhooks/deliveries/{delivery_id}", summary="Webhook 投递详情（含事件内容）")
async def get_webhook_delivery(delivery_id: PathId, principal: Reader) -> WebhookDeliveryDetail:
    with unit_of_work() as session:
        return service.get_delivery(session, principal, delivery_id)


@router.post(
    "/webhooks/deliveries/{delivery_id}/resend",
    summary="重发投递（立即排入发送队列，重新计算重试次数）",
)
async def resend_webhook_delivery(delivery_id: PathId, principal: Writer) -> WebhookDeliveryDetail:
    with unit_of_work() as session:
        return service.resend_delivery(session, principal, delivery_id)


@router.get("/webhooks/{subscription_id}", summary="Webhook 订阅详情（不含签名密钥）")
async def get_webhook(subscription_id: PathId, principal: Reader, response: Response) -> WebhookRead:
    with unit_of_work() as session:
        row = service.get_subscription(session, principal, subscription_id)
    set_etag(response, row.version)
    return row


@router.patch("/webhooks/{subscription_id}", summary="修改或停用 Webhook 订阅", responses=problem_responses(412))
async def update_webhook(
    subscription_id: PathId, body: WebhookUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> WebhookRead:
    with unit_of_work() as session:
        row = service.update_subscription(session, principal, subscription_id, body, if_match)
    set_etag(response, row.version)
    return row
