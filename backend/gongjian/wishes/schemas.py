from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import Confidential, InputModel, OutputModel
from gongjian.kit.types import ID_BOUNDS, IsoDate, QueryId, business_date_field
from gongjian.models.enums import WishKind, WishStatus
from gongjian.organizations.schemas import OrganizationRef

MONTH_PATTERN = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$"


class WishCreate(InputModel):
    """社区代居民登记，或居民本人登记（居民本人不填所在社区、居民和姓名，取自本人的居民信息）。"""

    community_org_id: int | None = Field(
        default=None, **ID_BOUNDS, description="所在社区；社区管理员默认本社区，平台管理员必填，居民为本人所在社区"
    )
    resident_id: int | None = Field(
        default=None, **ID_BOUNDS, description="代哪位本社区居民登记（该居民随后可查看、撤回和评价）；居民本人不填"
    )
    resident_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="居民姓名（仅本社区管理员可见全名）：社区代登记时必填，指定 resident_id 时可不填；居民本人不填",
    )
    household_note: str = Field(default="", max_length=500, description="家庭情况说明，如“独居老人，3 栋 2 单元”")
    content: str = Field(min_length=2, max_length=2000, description="心愿内容")
    kind: WishKind
    estimated_value: int = Field(default=0, ge=0, le=100_000, description="估计价值（元）")
    registered_on: IsoDate | None = business_date_field("登记")


class WishReject(InputModel):
    reason: str = Field(min_length=1, max_length=2000)


class WishCancel(InputModel):
    reason: str = Field(default="", max_length=2000)


class WishClaim(InputModel):
    """A member claims for itself with an empty body. An organisation admin claims for its unit, or
    names one of its members; a platform admin names exactly one of the two."""

    organization_id: int | None = Field(default=None, **ID_BOUNDS, description="认领单位（驻区单位或社会组织）")
    member_id: int | None = Field(default=None, **ID_BOUNDS, description="认领党员")


class WishFulfil(InputModel):
    note: str = Field(min_length=1, max_length=5000, description="实现情况")
    photo_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$", description="照片地址")
    fulfilled_on: IsoDate | None = business_date_field("实现")


class WishClose(InputModel):
    feedback: str = Field(min_length=1, max_length=5000, description="回访反馈")


class MemberRef(OutputModel):
    id: int
    name: str


class WishAction(StrEnum):
    verify = "verify"
    reject = "reject"
    publish = "publish"
    close = "close"
    claim = "claim"
    fulfil = "fulfil"
    release = "release"
    cancel = "cancel"
    rate = "rate"


class WishRead(OutputModel):
    id: int
    community_org: OrganizationRef
    resident_name: Confidential[str] = Field(
        description="本社区管理员和平台管理员看到全名，其他人看到如“张*”的遮挡姓名"
    )
    resident_name_masked: bool
    resident_id: int | None = Field(
        description="心愿所属的居民：仅本社区管理员、平台管理员和居民本人可见，其他人为 null"
    )
    household_note: str | None = Field(
        description="家庭情况说明（住址、电话等）：仅本社区管理员和平台管理员可见，其他人（含认领人）为 null"
    )
    content: str
    kind: WishKind
    estimated_value: int
    status: WishStatus
    claimant_org: OrganizationRef | None
    claimant_member: MemberRef | None
    created_at: datetime = Field(description="登记时间")
    registered_on: date = Field(description="登记的业务日期（统计按此日期）")
    verified_at: datetime | None
    published_at: datetime | None
    claimed_at: datetime | None
    fulfilled_at: datetime | None
    fulfilled_on: date | None = Field(description="实现的业务日期（统计按此日期）")
    fulfil_note: str | None
    photo_url: str | None
    closed_at: datetime | None
    followup_feedback: str | None
    ended_at: datetime | None = Field(description="未通过或取消的时间")
    end_reason: str | None
    rating: int | None = Field(description="居民对办理结果的满意度（1–5）；仅本社区管理员、平台管理员和居民本人可见")
    rating_comment: str | None
    rated_at: datetime | None
    allowed_actions: list[WishAction] = Field(
        description="调用者现在可以做的操作：verify 审核通过、reject 不予受理、publish 发布、close 回访后关闭（社区）；"
        "claim 认领（已发布，党员本人、驻区单位管理员）、"
        "fulfil 登记实现和 release 放弃认领（已认领，认领方或社区）、"
        "cancel 撤回（社区在实现前，居民本人在认领前）、rate 评价（居民本人，实现后一次）"
    )
    updated_at: datetime
    version: int


class WishSort(StrEnum):
    created_at = "created_at"
    created_at_desc = "-created_at"
    estimated_value = "estimated_value"
    estimated_value_desc = "-estimated_value"
    id = "id"
    id_desc = "-id"


class WishMonth(BaseModel):
    month: str = Field(description="YYYY-MM（按业务日期）")
    submitted: int
    fulfilled: int


class WishStatusCount(BaseModel):
    status: WishStatus
    count: int


class WishSummary(BaseModel):
    community_org_id: int | None
    since: date | None
    until: date | None
    submitted: int = Field(description="期间内登记的心愿数")
    fulfilled: int = Field(description="期间内实现的心愿数（含已回访）")
    by_month: list[WishMonth]
    by_status: list[WishStatusCount] = Field(description="期间内登记的心愿的当前状态")


class WishListQuery(ListQuery):
    status: WishStatus | None = None
    community_org_id: QueryId = None
    claimant_org_id: Annotated[int | None, Query(**ID_BOUNDS, description="认领单位")] = None
    claimant_member_id: Annotated[int | None, Query(**ID_BOUNDS, description="认领党员")] = None
    kind: WishKind | None = None
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN, description="登记月份 YYYY-MM（按登记业务日期）")] = None
    sort: WishSort = WishSort.created_at_desc
