from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field, field_validator

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import Confidential, InputModel, OutputModel
from gongjian.kit.types import ID_BOUNDS, BodyId, IsoDate, IsoDateTime, QueryId
from gongjian.members.schemas import MobilePhone, Skills
from gongjian.models.enums import Gender, MemberCategory, ReportStatus

ReportCodeText = Annotated[
    str, Field(min_length=1, max_length=32, description="社区报到码（小程序码的 scene），由社区管理员出示")
]


class ReportCodeRead(OutputModel):
    community_org_id: int
    code: str = Field(description="报到码，不超过 32 个字符，可直接作为小程序码的 scene")
    version: int = Field(description="报到码版本；更换后旧码失效")
    expires_at: datetime | None = Field(description="失效时间；为空则长期有效")
    page: str = Field(description="小程序码打开的页面")
    scene: str = Field(description="小程序码的 scene 参数（即报到码）")
    path: str = Field(description="页面路径加参数，可用于普通二维码或小程序内跳转")


class PartnerUnit(OutputModel):
    id: int
    name: str


class ReportCodeCommunity(OutputModel):
    """What the 报到 form shows once a code is scanned: the community, and the units an in-service
    member may name as its workplace (the community's partners)."""

    community_org_id: int
    community_name: str
    units: list[PartnerUnit] = Field(description="该社区的共建单位（在职党员从中选择工作单位），按名称")


class ReportCodeRotate(InputModel):
    expires_at: IsoDateTime | None = Field(default=None, description="新报到码的失效时间；不填则长期有效")


class ReportCreate(InputModel):
    """党员扫社区报到码后填写的报到信息。"""

    code: ReportCodeText
    name: str = Field(min_length=1, max_length=50)
    gender: Gender
    mobile: MobilePhone
    category: MemberCategory
    unit_org_id: BodyId | None = Field(
        default=None, description="工作单位党组织：在职党员必填，且须是该社区的共建单位；其他类别可选"
    )
    joined_party_on: IsoDate | None = Field(default=None, description="入党日期")
    skills: Skills = Field(default_factory=list)

    @field_validator("skills")
    @classmethod
    def _distinct(cls, tags: list[str]) -> list[str]:
        return list(dict.fromkeys(tags))


class WechatReportCreate(ReportCreate):
    """尚未绑定账号的微信用户报到：附上微信登录得到的绑定凭证（不消耗凭证）。"""

    binding_ticket: str = Field(min_length=1, max_length=200, description="POST /auth/wechat 返回的绑定凭证")


class ReportReject(InputModel):
    reason: str = Field(min_length=1, max_length=500, description="退回原因，报到人可见")


class ReportAction(StrEnum):
    approve = "approve"
    reject = "reject"


class ReportRead(OutputModel):
    id: int
    community_org_id: int
    status: ReportStatus
    name: str
    gender: Gender
    mobile: Confidential[str] = Field(description="全号，或对无权查看者返回掩码 138****5678")
    mobile_masked: bool
    category: MemberCategory
    unit_org_id: int | None
    joined_party_on: date | None
    skills: list[str]
    via: str = Field(description="报到方式：account（党员账号）或 wechat（未绑定账号的微信）")
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None = Field(description="确认或退回的人")
    reason: str | None = Field(description="退回原因")
    member_id: int | None = Field(description="确认后关联或新建的党员")
    version: int
    allowed_actions: list[ReportAction] = Field(
        description="调用者现在可以对这份报到做的操作（待确认且调用者是报到社区的管理员或平台管理员）"
    )


class ReportSort(StrEnum):
    created_at = "created_at"
    created_at_desc = "-created_at"
    id = "id"
    id_desc = "-id"


class ReportListQuery(ListQuery):
    status: ReportStatus | None = None
    community_org_id: QueryId = None
    unit_org_id: Annotated[int | None, Query(**ID_BOUNDS, description="工作单位党组织")] = None
    sort: ReportSort = ReportSort.created_at_desc


class OwnReportListQuery(ListQuery):
    status: ReportStatus | None = None
    sort: ReportSort = ReportSort.created_at_desc
