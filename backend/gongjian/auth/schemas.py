from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from gongjian.auth.passwords import NewPassword, Password
from gongjian.kit.schemas import Confidential, InputModel, OutputModel
from gongjian.models.enums import Role


class TokenResponse(OutputModel):
    access_token: Confidential[str]
    refresh_token: Confidential[str]
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="访问令牌有效秒数")


class RefreshRequest(InputModel):
    refresh_token: str = Field(min_length=1, max_length=4096)


class LogoutRequest(InputModel):
    refresh_token: str = Field(min_length=1, max_length=4096, description="要结束的登录会话的刷新令牌")


class ChangePasswordRequest(InputModel):
    current_password: Password
    new_password: NewPassword = Field(description="至少 10 个字符，不能是常见或易猜的密码；前后空格也算在内")


class CallerAction(StrEnum):
    enter_volunteer_records = "enter_volunteer_records"
    publish_activity = "publish_activity"
    convene_meeting = "convene_meeting"
    record_honor = "record_honor"


class MeRead(OutputModel):
    actor_type: Literal["user", "api_key"]
    id: int
    name: str
    role: Role
    organization_id: int | None
    organization_name: str | None
    username: str | None = Field(default=None, description="用户登录名；API 密钥为空")
    scopes: list[str] = Field(default_factory=list, description="API 密钥的作用域；用户为空")
    allowed_actions: list[CallerAction] = Field(
        description="调用者的身份可以发起的操作（具体对象的操作看各对象的 allowed_actions）："
        "enter_volunteer_records 录入志愿服务记录；publish_activity 发布活动；convene_meeting 召集例会；"
        "record_honor 登记荣誉",
    )
