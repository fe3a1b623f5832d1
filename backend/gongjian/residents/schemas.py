from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from fastapi import Query
from pydantic import Field, model_validator

from gongjian.auth.passwords import NewPassword
from gongjian.kit.messages import field_error
from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import Confidential, InputModel, OutputModel, omittable
from gongjian.kit.types import BodyId, QueryId
from gongjian.members.schemas import MobilePhone
from gongjian.organizations.schemas import OrganizationRef
from gongjian.reports.schemas import ReportCodeText
from gongjian.users.schemas import USERNAME_PATTERN

ResidentName = Annotated[str, Field(min_length=1, max_length=50, description="姓名")]
Building = Annotated[str, Field(min_length=1, max_length=50, description="楼栋，如“3 栋 2 单元”")]
Room = Annotated[
    str, Field(min_length=1, max_length=50, description="房号，如“502”（加密保存，仅本人和本社区管理员可见）")
]


class ResidentCreate(InputModel):
    """社区登记居民：可同时为其建立登录账号（登录名 + 初始密码，供手机网页登录），也可不建。"""

    community_org_id: BodyId | None = Field(default=None, description="所在社区；社区管理员默认本社区，平台管理员必填")
    name: ResidentName
    mobile: MobilePhone
    building: Building
    room: Room
    username: str | None = Field(
        default=None, pattern=USERNAME_PATTERN, description="登录名（与 password 同时填写则建立登录账号）"
    )
    password: NewPassword | None = Field(
        default=None, description="初始密码：至少 10 个字符，不能是常见或易猜的密码；与 username 同时填写"
    )

    @model_validator(mode="after")
    def _login_whole(self) -> ResidentCreate:
        if (self.username is None) != (self.password is None):
            raise field_error(
                "password" if self.password is None else "username",
                "建立登录账号须同时填写登录名和初始密码；不建账号则都不填",
            )
        return self


class ResidentWechatCreate(InputModel):
    """尚未绑定账号的微信用户扫社区报到码登记为居民（消耗绑定凭证，随即绑定新建的居民账号）。"""

    binding_ticket: str = Field(min_length=1, max_length=200, description="POST /auth/wechat 返回的绑定凭证")
    code: ReportCodeText
    name: ResidentName
    mobile: MobilePhone
    building: Building
    room: Room


class ResidentUpdate(InputModel):
    """Only the fields sent are changed."""

    name: ResidentName = omittable()
    mobile: MobilePhone = omittable()
    building: Building = omittable()
    room: Room = omittable()


class ResidentRead(OutputModel):
    id: int
    community_org: OrganizationRef
    name: str
    mobile: Confidential[str] = Field(description="本人、本社区管理员和平台管理员看到全号，其他（API 密钥）为掩码")
    mobile_masked: bool
    building: str
    room: Confidential[str | None] = Field(description="房号：仅本人、本社区管理员和平台管理员可见，其他为 null")
    user_id: int | None = Field(description="居民的登录账号；没有则为空")
    username: str | None = Field(description="登录名；没有登录账号则为空")
    is_active: bool
    deactivated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class ResidentRegistered(OutputModel):
    """The new resident's tokens, as from `POST /auth/token`, and its resident row."""

    access_token: Confidential[str]
    refresh_token: Confidential[str]
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="访问令牌有效秒数")
    resident: ResidentRead


class ResidentSort(StrEnum):
    name = "name"
    name_desc = "-name"
    created_at = "created_at"
    created_at_desc = "-created_at"
    id = "id"
    id_desc = "-id"


class ResidentListQuery(ListQuery):
    community_org_id: QueryId = None
    is_active: Annotated[bool | None, Query(description="不填则列出全部")] = None
    building: Annotated[str | None, Query(max_length=50, description="楼栋（完全一致）")] = None
    q: Annotated[str | None, Query(max_length=50, description="按姓名模糊查找")] = None
    sort: ResidentSort = ResidentSort.created_at_desc


class FollowUpRating(InputModel):
    """A resident's 满意度 with the follow-up of its own wish or concern, given once."""

    rating: int = Field(ge=1, le=5, description="满意度，1–5 分")
    comment: str = Field(default="", max_length=500, description="评价（可不填，至多 500 字）")
