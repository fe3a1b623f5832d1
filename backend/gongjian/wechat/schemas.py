from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from gongjian.auth.passwords import Password
from gongjian.kit.schemas import Confidential, InputModel, OutputModel


class WechatLoginRequest(InputModel):
    code: str = Field(min_length=1, max_length=128, description="小程序 wx.login() 得到的 code")


class WechatLoginBound(OutputModel):
    """The openid is bound to an account: our own tokens, as from `POST /auth/token`."""

    status: Literal["bound"] = "bound"
    access_token: Confidential[str]
    refresh_token: Confidential[str]
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="访问令牌有效秒数")


class WechatBindingRequired(OutputModel):
    """No account is bound yet: bind one within `expires_in` seconds with this ticket."""

    status: Literal["binding_required"] = "binding_required"
    binding_ticket: Confidential[str] = Field(description="一次性绑定凭证，用于 POST /auth/wechat/bind")
    expires_in: int = Field(description="绑定凭证有效秒数")


WechatLoginResponse = Annotated[WechatLoginBound | WechatBindingRequired, Field(discriminator="status")]


class WechatBindRequest(InputModel):
    """Bind with the member's user name and password, or with an invitation code from an admin."""

    binding_ticket: str = Field(min_length=1, max_length=200)
    username: str | None = Field(default=None, min_length=1, max_length=64)
    password: Password | None = None
    invitation_code: str | None = Field(default=None, min_length=4, max_length=32, description="管理员发放的邀请码")

    @model_validator(mode="after")
    def _one_way(self) -> WechatBindRequest:
        with_password = self.username is not None and self.password is not None
        partial = (self.username is None) != (self.password is None)
        if partial or with_password == (self.invitation_code is not None):
            raise ValueError("请提供账号和密码，或提供邀请码（二选一）")
        return self


class WechatInvitationCreated(OutputModel):
    member_id: int
    code: Confidential[str] = Field(description="邀请码，只显示这一次；党员在小程序中输入它完成绑定")
    expires_at: datetime
