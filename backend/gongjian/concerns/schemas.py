from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field, model_validator

from gongjian.kit.messages import field_error
from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import InputModel, OutputModel
from gongjian.kit.types import BodyId, IsoDate, QueryId, business_date_field
from gongjian.models.enums import ConcernCategory, ConcernReporterKind, ConcernStatus
from gongjian.organizations.schemas import OrganizationRef


class ConcernCreate(InputModel):
    """党员、居民本人反映，或管理员以组织名义、代居民登记。居民本人只填问题本身（社区、反映人取自本人的居民信息）。"""

    community_org_id: BodyId | None = Field(
        default=None,
        description="所在社区；党员默认报到社区，居民为本人所在社区，社区管理员默认本社区，其他管理员必填",
    )
    category: ConcernCategory
    title: str = Field(min_length=2, max_length=200, description="反映的问题")
    description: str = Field(default="", max_length=5000)
    location: str = Field(default="", max_length=200)
    reporter_kind: ConcernReporterKind | None = Field(
        default=None, description="反映人：党员账号默认 member；管理员默认 admin，代居民登记填 resident"
    )
    resident_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="居民姓名（代居民登记且不指定 resident_id 时必填，对外遮挡）",
    )
    resident_id: BodyId | None = Field(
        default=None, description="代哪位本社区居民登记（姓名取自居民信息；该居民随后可查看、撤回和评价）"
    )
    due_on: IsoDate | None = Field(default=None, description="办理期限")
    reported_on: IsoDate | None = business_date_field("反映")

    @model_validator(mode="after")
    def _resident_named(self) -> ConcernCreate:
        if self.resident_id is not None:
            if self.reporter_kind not in (None, ConcernReporterKind.resident) or self.resident_name is not None:
                raise field_error(
                    "resident_name",
                    "指定居民（resident_id）时反映人即该居民：reporter_kind 为 resident 或不填，不填 resident_name",
                )
            return self
        if (self.reporter_kind is ConcernReporterKind.resident) != (self.resident_name is not None):
            raise field_error("resident_name", "代居民反映时须填写且只在此时填写居民姓名")
        return self


class ConcernNote(InputModel):
    note: str = Field(min_length=1, max_length=5000, description="处理情况说明（反馈给反映人）")


class ConcernCancel(InputModel):
    reason: str = Field(default="", max_length=500, description="撤回原因（可不填）")


class ConcernResolve(ConcernNote):
    resolved_on: IsoDate | None = business_date_field("解决")


class ConcernEscalate(InputModel):
    escalated_to: str = Field(min_length=2, max_length=200, description="上报协调的单位，如“黄石港区城管局”")
    due_on: IsoDate = Field(description="协调办理期限")
    note: str = Field(min_length=1, max_length=5000)


class StepRead(OutputModel):
    id: int
    from_status: ConcernStatus | None
    to_status: ConcernStatus
    note: str
    escalated_to: str | None
    due_on: date | None
    actor_name: str = Field(validation_alias="changed_by_name")
    at: datetime


class ConcernAction(StrEnum):
    start = "start"
    escalate = "escalate"
    resolve = "resolve"
    cancel = "cancel"
    rate = "rate"


class ConcernRead(OutputModel):
    id: int
    community_org: OrganizationRef
    category: ConcernCategory
    title: str
    description: str
    location: str
    reporter_kind: ConcernReporterKind
    reporter_name: str = Field(description="居民姓名仅对本社区管理员和平台管理员显示全名")
    reporter_name_masked: bool
    resident_id: int | None = Field(description="所反映的居民：仅本社区管理员、平台管理员和居民本人可见，其他人为 null")
    reported_at: datetime
    reported_on: date = Field(description="反映的业务日期（统计按此日期）")
    status: ConcernStatus
    due_on: date | None
    overdue: bool = Field(description="读取时推算：期限已过且未解决")
    escalated_to: str | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    resolved_on: date | None = Field(description="解决的业务日期")
    resolved_locally: bool = Field(description="已解决且未上报（就地化解）")
    steps: list[StepRead] = Field(description="每一步处理及说明（反映人可见的反馈）")
    rating: int | None = Field(description="居民对办理结果的满意度（1–5）；仅本社区管理员、平台管理员和居民本人可见")
    rating_comment: str | None
    rated_at: datetime | None
    allowed_actions: list[ConcernAction] = Field(
        description="调用者现在可以做的操作：start 受理、escalate 上报协调、resolve 办结（本社区管理员、平台管理员）；"
        "撤回（cancel：居民本人，社区受理前）和评价（rate：居民本人，解决后一次）"
    )
    created_at: datetime
    updated_at: datetime
    version: int


class StatusCount(OutputModel):
    status: ConcernStatus
    count: int


class CategoryCount(OutputModel):
    category: ConcernCategory
    count: int


class ConcernSummary(OutputModel):
    community_org_id: int | None
    open: int = Field(description="未解决")
    overdue: int = Field(description="未解决且已过办理期限")
    by_status: list[StatusCount]
    by_category: list[CategoryCount]


class ConcernSort(StrEnum):
    reported_at = "reported_at"
    reported_at_desc = "-reported_at"
    due_on = "due_on"
    due_on_desc = "-due_on"
    id = "id"
    id_desc = "-id"


class ConcernListQuery(ListQuery):
    community_org_id: QueryId = None
    status: ConcernStatus | None = None
    category: ConcernCategory | None = None
    overdue: Annotated[bool | None, Query(description="true：未解决且已过办理期限")] = None
    escalated: Annotated[bool | None, Query(description="true：曾上报协调")] = None
    reported_from: Annotated[IsoDate | None, Query(description="反映的业务日期起（含）")] = None
    reported_until: Annotated[IsoDate | None, Query(description="反映的业务日期止（含）")] = None
    sort: ConcernSort = ConcernSort.reported_at_desc
