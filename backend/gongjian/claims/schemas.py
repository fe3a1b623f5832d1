from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import InputModel, OutputModel, omittable
from gongjian.kit.types import ID_BOUNDS, IsoDate, QueryId, business_date_field
from gongjian.models.enums import (
    ClaimStatus,
    OrganizationKind,
    ServiceCategoryCode,
    ServiceDirection,
    ServiceItemStatus,
)
from gongjian.organizations.schemas import OrganizationRef


class ServiceCategoryRead(OutputModel):
    code: ServiceCategoryCode
    name: str
    description: str
    sort_order: int


# --- service items -----------------------------------------------------------------------------


class ServiceItemCreate(InputModel):
    title: str = Field(min_length=2, max_length=100)
    description: str = Field(default="", max_length=5000)
    category: ServiceCategoryCode
    provider_org_id: int | None = Field(
        default=None, **ID_BOUNDS, description="提供方党组织；组织管理员默认本组织，平台管理员必填"
    )
    capacity: int = Field(default=1, ge=1, le=1000, description="同时可持有有效认领的组织数")
    claim_deadline: IsoDate | None = Field(default=None, description="认领截止日（含当日，北京时间）；空为不限")


class ServiceItemUpdate(InputModel):
    """Only the fields sent are changed; `claim_deadline` may be set to null (no deadline)."""

    title: str = omittable(min_length=2, max_length=100)
    description: str = omittable(max_length=5000)
    category: ServiceCategoryCode = omittable()
    capacity: int = omittable(ge=1, le=1000)
    claim_deadline: IsoDate | None = None


class CallerClaim(OutputModel):
    """The caller's organisation's active claim on an item."""

    id: int
    status: ClaimStatus


class ServiceItemRead(OutputModel):
    id: int
    code: str | None = Field(description="参考清单项目的稳定编码；手工新建的项目为空")
    title: str
    description: str
    category: ServiceCategoryCode
    provider_org: OrganizationRef
    direction: ServiceDirection
    capacity: int
    claim_deadline: date | None
    status: ServiceItemStatus
    active_claims: int = Field(description="当前占用名额的认领数（已撤回、已驳回的不计）")
    free_capacity: int
    caller_claim: CallerClaim | None = Field(
        description="调用者所在组织对该项目的有效认领（已撤回、已驳回的不计）；没有、或调用者是平台管理员（默认不代表任何组织）时为空"
    )
    caller_may_claim: bool = Field(
        description="调用者现在能否以本组织名义认领该项目：与认领接口的规则相同（已发布、未过截止日、有空余名额、"
        "本组织类型可认领该方向、不是本组织发布的、尚未认领）；平台管理员为 false"
    )
    published_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class ServiceItemSort(StrEnum):
    id = "id"
    id_desc = "-id"
    title_ = "title"
    title_desc = "-title"
    claim_deadline = "claim_deadline"
    claim_deadline_desc = "-claim_deadline"
    created_at = "created_at"
    created_at_desc = "-created_at"


# --- claims ------------------------------------------------------------------------------------


class ClaimCreate(InputModel):
    organization_id: int | None = Field(
        default=None, **ID_BOUNDS, description="以哪个组织的名义认领；组织管理员默认本组织，平台管理员必填"
    )
    note: str = Field(default="", max_length=2000, description="认领说明或实施打算")
    claimed_on: IsoDate | None = business_date_field("认领")


class ClaimComplete(InputModel):
    report: str = Field(min_length=1, max_length=10000, description="完成情况报告")
    completed_on: IsoDate | None = business_date_field("完成")


class ClaimVerify(InputModel):
    rating: int = Field(ge=1, le=5, description="评价，1–5 分")
    comment: str = Field(default="", max_length=2000)


class ClaimWithdraw(InputModel):
    reason: str = Field(default="", max_length=2000)


class ClaimReject(InputModel):
    reason: str = Field(min_length=1, max_length=2000, description="驳回理由")


class ServiceItemRef(OutputModel):
    id: int
    title: str
    category: ServiceCategoryCode
    direction: ServiceDirection
    provider_org: OrganizationRef


class ClaimRead(OutputModel):
    id: int
    item: ServiceItemRef
    organization: OrganizationRef
    status: ClaimStatus
    note: str
    claimed_by: str = Field(validation_alias="claimed_by_name", description="办理认领的账号或密钥名称")
    created_at: datetime = Field(description="认领时间")
    claimed_on: date = Field(description="认领的业务日期（统计按此日期）")
    started_at: datetime | None
    completed_at: datetime | None
    completed_on: date | None = Field(description="完成的业务日期")
    completion_report: str | None
    verified_at: datetime | None
    rating: int | None
    verify_comment: str | None
    ended_at: datetime | None = Field(description="撤回或驳回时间")
    end_reason: str | None
    updated_at: datetime
    version: int


class ClaimSort(StrEnum):
    created_at = "created_at"
    created_at_desc = "-created_at"
    id = "id"
    id_desc = "-id"


# --- summary -----------------------------------------------------------------------------------


class ClaimCount(BaseModel):
    category: ServiceCategoryCode
    status: ClaimStatus
    count: int


class CategoryClaimTotals(BaseModel):
    category: ServiceCategoryCode
    claims: int = Field(description="认领数（不含已撤回、已驳回）")
    completed: int = Field(description="已完成（含已验收）")
    verified: int


class ClaimSummary(BaseModel):
    organization_id: int | None
    provider_org_id: int | None
    since: date | None
    until: date | None
    total: int = Field(description="期间内的全部认领（含已撤回、已驳回）")
    by_category_and_status: list[ClaimCount]
    by_category: list[CategoryClaimTotals] = Field(description="五类各一行，没有认领的为 0")


class ServiceItemListQuery(ListQuery):
    category: ServiceCategoryCode | None = None
    direction: ServiceDirection | None = None
    provider_kind: Annotated[OrganizationKind | None, Query(description="提供方类型：社区、驻区单位或社会组织")] = None
    provider_org_id: QueryId = None
    status: ServiceItemStatus | None = None
    has_free_capacity: Annotated[bool | None, Query(description="true 只列还有认领名额的，false 只列已满的")] = None
    q: Annotated[str | None, Query(max_length=100, description="按标题模糊查找")] = None
    sort: ServiceItemSort = ServiceItemSort.id


class ItemClaimListQuery(ListQuery):
    status: ClaimStatus | None = None
    sort: ClaimSort = ClaimSort.created_at_desc


class ClaimListQuery(ListQuery):
    organization_id: Annotated[int | None, Query(**ID_BOUNDS, description="认领组织")] = None
    item_id: QueryId = None
    provider_org_id: Annotated[int | None, Query(**ID_BOUNDS, description="项目提供方")] = None
    category: ServiceCategoryCode | None = None
    status: ClaimStatus | None = None
    sort: ClaimSort = ClaimSort.created_at_desc
