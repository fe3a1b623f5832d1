from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import InputModel, OutputModel
from gongjian.kit.types import QueryId
from gongjian.models.enums import NotificationConsentResult, NotificationKind, NotificationStatus


class ConsentResult(InputModel):
    kind: NotificationKind
    result: NotificationConsentResult = Field(description="wx.requestSubscribeMessage 对该模板的结果")


class ConsentResults(InputModel):
    """What one wx.requestSubscribeMessage call answered, one entry per template asked about."""

    results: list[ConsentResult] = Field(min_length=1, max_length=len(NotificationKind))

    @field_validator("results")
    @classmethod
    def _one_per_kind(cls, value: list[ConsentResult]) -> list[ConsentResult]:
        kinds = [item.kind for item in value]
        if len(set(kinds)) != len(kinds):
            raise ValueError("同一类消息只能出现一次（一次订阅请求对每个模板只有一个结果）")
        return value


class WechatConsentResults(ConsentResults):
    """A WeChat user not bound to an account yet (a 报到 reporter) proves its openid with the binding
    ticket `POST /auth/wechat` gave it (the ticket is not spent)."""

    binding_ticket: str = Field(min_length=1, max_length=200)


class NotificationTemplateRead(OutputModel):
    kind: NotificationKind
    label: str = Field(description="中文名称")
    template_id: str = Field(description="订阅消息模板 id（wx.requestSubscribeMessage 的 tmplIds）")


class NotificationConsentRead(NotificationTemplateRead):
    remaining: int = Field(description="还可发送的条数（每次同意加一条，发送一条减一条）")
    last_result: NotificationConsentResult | None = Field(description="最近一次订阅请求的结果")
    last_result_at: datetime | None


class NotificationConsents(OutputModel):
    items: list[NotificationConsentRead] = Field(description="已开通的每类消息（未配置模板的不列出）")
    cap: int = Field(description="每类消息最多累计的可发送条数")


class NotificationMessageRead(OutputModel):
    id: int
    kind: NotificationKind
    status: NotificationStatus
    user_id: int | None = Field(description="接收人的账号（未绑定账号的报到人为空）")
    openid_hint: str = Field(description="接收人 openid 的首尾几位，便于核对")
    template_id: str
    page: str | None
    data: dict[str, Any] = Field(description="发送的模板数据，{字段: {value}}")
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None = Field(
        description="最近一次未发出的原因：no_consent、user_refused、bad_template_data、timeout、token_unavailable 等"
    )
    created_at: datetime
    sent_at: datetime | None


class NotificationMessageSort(StrEnum):
    created_at = "created_at"
    created_at_desc = "-created_at"


class NotificationMessageListQuery(ListQuery):
    status: NotificationStatus | None = None
    kind: NotificationKind | None = None
    user_id: QueryId = None
    sort: NotificationMessageSort = NotificationMessageSort.created_at_desc
