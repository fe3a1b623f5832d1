from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, StrictBool, field_validator

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import Confidential, InputModel, OutputModel, omittable
from gongjian.kit.types import QueryId
from gongjian.models.enums import WebhookDeliveryStatus, WebhookEventType

URL_PATTERN = r"^https?://[^\s/?#]+[^\s]*$"
EVENTS_DESCRIPTION = "订阅的事件，如 claim.verified、wish.fulfilled、member.archived"


def _parsable_url(value: str | None) -> str | None:
    # The pattern lets through hosts no URL parser reads (`http://[`, an unclosed IPv6 literal).
    try:
        if value is not None and not urlsplit(value).hostname:
            raise ValueError("地址中缺少主机名")
    except ValueError as error:
        raise ValueError("地址无法解析，请检查主机名") from error
    return value


def _unique_events(value: list[WebhookEventType] | None) -> list[WebhookEventType] | None:
    return None if value is None else sorted(set(value), key=lambda e: e.value)


class WebhookCreate(InputModel):
    url: str = Field(max_length=2000, pattern=URL_PATTERN, description="接收事件的地址（http 或 https）")
    events: list[WebhookEventType] = Field(min_length=1, max_length=20, description=EVENTS_DESCRIPTION)
    description: str = Field(default="", max_length=200, description="用途说明")

    _events = field_validator("events")(_unique_events)
    _url = field_validator("url")(_parsable_url)


class WebhookUpdate(InputModel):
    url: str = omittable(max_length=2000, pattern=URL_PATTERN)
    events: list[WebhookEventType] = omittable(min_length=1, max_length=20)
    description: str = omittable(max_length=200)
    is_active: StrictBool = omittable(description="停用后不再投递（待发送的投递保留，恢复后继续）")

    _events = field_validator("events")(_unique_events)
    _url = field_validator("url")(_parsable_url)


class WebhookRead(OutputModel):
    id: int
    url: str
    events: list[WebhookEventType]
    description: str
    is_active: bool
    secret_prefix: str = Field(description="签名密钥开头几位，便于辨认；不是密钥本身")
    created_by_name: str
    created_at: datetime
    updated_at: datetime
    version: int


class WebhookCreated(WebhookRead):
    secret: Confidential[str] = Field(
        description="签名密钥，只在创建时返回这一次（见 README 中的 X-Gongjian-Signature）"
    )


class WebhookDeliveryRead(OutputModel):
    id: int
    subscription_id: int
    event_id: int
    event_type: WebhookEventType
    status: WebhookDeliveryStatus
    attempts: int = Field(description="已尝试次数")
    next_attempt_at: datetime | None = Field(description="下次尝试时间；已送达或已失败时为空")
    last_attempt_at: datetime | None
    last_status_code: int | None = Field(description="接收方最近一次返回的 HTTP 状态码")
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class WebhookDeliveryDetail(WebhookDeliveryRead):
    payload: dict[str, Any] = Field(description="事件内容（与投递的 data 字段相同）")
    occurred_at: datetime


class WebhookDeliverySort(StrEnum):
    created_at = "created_at"
    created_at_desc = "-created_at"
    next_attempt_at = "next_attempt_at"
    next_attempt_at_desc = "-next_attempt_at"


class WebhookListQuery(ListQuery):
    is_active: bool | None = None


class WebhookDeliveryListQuery(ListQuery):
    subscription_id: QueryId = None
    status: WebhookDeliveryStatus | None = None
    event_type: WebhookEventType | None = None
    sort: WebhookDeliverySort = WebhookDeliverySort.created_at_desc
