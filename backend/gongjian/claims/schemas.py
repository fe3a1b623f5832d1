from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field, StringConstraints, field_validator

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import InputModel, OutputModel, omittable
from gongjian.kit.types import ID_BOUNDS, IsoDate, QueryId, business_date_field
from gongjian.models.enums import (
    ClaimStatus,
    OrganizationKind,
    ServiceCategoryCode,
    ServiceDirection,
    ServiceItemStatus,
    TemplateDirection,
)
from gongjian.organizations.schemas import OrganizationRef

TemplateCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]
PROVIDER_DESCRIPTION = "提供方党组织；为空表示旧版参考清单保留下来的历史项目（只剩已有认领，由平台管理员验收）"
TEMPLATE_CODE_DESCRIPTION = "采用自清单模板的编码（如 SL-HA01）；手工新建的项目为空"


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


class ServiceItemAction(StrEnum):
    edit = "edit"
    publish = "publish"
    close = "close"


class ServiceItemRead(OutputModel):
    id: int
    template_code: str | None = Field(description=TEMPLATE_CODE_DESCRIPTION)
    title: str
    description: str
    category: ServiceCategoryCode
    provider_org: OrganizationRef | None = Field(description=PROVIDER_DESCRIPTION)
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
        "本组织类型可认领该方向、不是本组织发布的、与提供方有共建关系、尚未认领）；平台管理员为 false"
    )
    allowed_actions: list[ServiceItemAction] = Field(
        description="调用者作为提供方现在可以做的操作：edit 修改、publish 发布（草稿或已关闭）、close 关闭（已发布）"
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


# --- the catalogue: templates and adopting them ------------------------------------------------


class CallerItem(OutputModel):
    """The caller's organisation's open (draft or published) item adopted from a template."""

    id: int
    status: ServiceItemStatus


class ServiceTemplateRead(OutputModel):
    code: str = Field(description="模板的稳定编码，如 SL-HA01")
    title: str
    description: str
    category: ServiceCategoryCode
    direction: TemplateDirection = Field(description="可作为社区需求、单位资源，或两者均可")
    capacity: int = Field(description="采用后项目的默认名额")
    sort_order: int
    caller_item: CallerItem | None = Field(
        description="调用者所在组织从该模板添加、尚未关闭的项目；没有、或调用者是平台管理员时为空"
    )
    caller_may_adopt: bool = Field(
        description="调用者现在能否以本组织名义采用该模板：组织管理员、模板适合本组织一方（社区需求或单位资源）、"
        "本组织没有从该模板添加且未关闭的项目；平台管理员为 false（须在请求中指定组织）"
    )


class TemplateCategoryGroup(BaseModel):
    code: ServiceCategoryCode
    name: str
    description: str
    sort_order: int
    templates: list[ServiceTemplateRead]


class ServiceTemplateCatalogue(BaseModel):
    """The catalogue grouped by category (five groups, in their order); a bounded reference list,
    so not paged."""

    total: int = Field(description="符合条件的模板数")
    categories: list[TemplateCategoryGroup]


class AdoptionCreate(InputModel):
    template_codes: list[TemplateCode] = Field(
        min_length=1, max_length=100, description="要采用的模板编码（不能重复）；一次请求全部成功或全部不成功"
    )
    provider_org_id: int | None = Field(
        default=None, **ID_BOUNDS, description="为哪个党组织添加；组织管理员默认本组织，平台管理员必填"
    )
    publish: bool = Field(
        default=True,
        description="true（默认）：添加后即发布，共建伙伴马上可以认领；false：添加为草稿，修改后再发布",
    )
    claim_deadline: IsoDate | None = Field(
        default=None, description="这些项目的认领截止日（含当日，北京时间）；空为不限"
    )

    @field_validator("template_codes")
    @classmethod
    def _unique(cls, codes: list[str]) -> list[str]:
        if len(set(codes)) != len(codes):
            raise ValueError("模板编码不能重复")
        return codes


class AdoptionResult(BaseModel):
    total: int
    items: list[ServiceItemRead] = Field(description="新建的服务项目，按请求中模板的顺序")


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
    template_code: str | None = Field(description=TEMPLATE_CODE_DESCRIPTION)
    title: str
    category: ServiceCategoryCode
    direction: ServiceDirection
    provider_org: OrganizationRef | None = Field(description=PROVIDER_DESCRIPTION)


class ClaimAction(StrEnum):
    start = "start"
    complete = "complete"
    withdraw = "withdraw"
    verify = "verify"
    reject = "reject"


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
    allowed_actions: list[ClaimAction] = Field(
        description="调用者现在可以做的操作：start 开始实施、complete 完成、withdraw 撤回（认领组织）；"
        "verify 验收、reject 驳回（项目提供方）"
    )


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
    template_code: Annotated[str | None, Query(max_length=32, description="采用自哪个清单模板")] = None
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
    template_code: Annotated[str | None, Query(max_length=32, description="项目采用自哪个清单模板")] = None
    status: ClaimStatus | None = None
    sort: ClaimSort = ClaimSort.created_at_desc
