from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field

from gongjian.auth.passwords import NewPassword
from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import Confidential, InputModel, OutputModel, omittable
from gongjian.kit.types import ID_BOUNDS, QueryId
from gongjian.models.enums import Role

USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]{3,64}$"


class UserCreate(InputModel):
    username: str = Field(pattern=USERNAME_PATTERN, description="登录名：3–64 位字母、数字或 _ . @ -")
    display_name: str = Field(min_length=1, max_length=100)
    role: Role = Role.member
    organization_id: int | None = Field(
        default=None, **ID_BOUNDS, description="所属党组织；平台管理员为空，组织管理员建号时默认本组织"
    )
    password: NewPassword | None = Field(
        default=None, description="初始密码（至少 10 个字符，不能是常见或易猜的密码）；不填则生成并只在本次返回"
    )


class UserUpdate(InputModel):
    """Only the fields sent are changed. `organization_id` may be null only for a platform admin."""

    display_name: str = omittable(min_length=1, max_length=100)
    role: Role = omittable(description="仅平台管理员可改")
    organization_id: int | None = Field(default=None, **ID_BOUNDS, description="仅平台管理员可改")


class UserRead(OutputModel):
    id: int
    username: str
    display_name: str
    role: Role
    organization_id: int | None
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class UserCreated(UserRead):
    generated_password: Confidential[str | None] = Field(description="系统生成的初始密码，只返回这一次；自设密码时为空")


class PasswordReset(InputModel):
    new_password: NewPassword | None = Field(
        default=None, description="至少 10 个字符，不能是常见或易猜的密码；不填则生成"
    )


class PasswordResetResult(OutputModel):
    user_id: int
    generated_password: Confidential[str | None] = Field(description="系统生成的新密码，只返回这一次")


class UserSort(StrEnum):
    username = "username"
    username_desc = "-username"
    created_at = "created_at"
    created_at_desc = "-created_at"


class UserListQuery(ListQuery):
    role: Role | None = None
    organization_id: QueryId = None
    is_active: bool | None = None
    q: Annotated[str | None, Query(max_length=64, description="按登录名或姓名查找")] = None
    sort: UserSort = UserSort.username
