from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field, model_validator

from gongjian.kit.messages import field_error
from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import InputModel, OutputModel, omittable
from gongjian.kit.types import BodyId, IsoDate, QueryId
from gongjian.models.enums import HonorLevel, HonorRecipientKind


class HonorCreate(InputModel):
    title: str = Field(min_length=2, max_length=200, description="荣誉称号或奖项")
    awarding_body: str = Field(min_length=2, max_length=200, description="授予机关")
    awarded_on: IsoDate
    level: HonorLevel
    recipient_kind: HonorRecipientKind
    recipient_org_id: BodyId | None = Field(
        default=None, description="获奖社区或党组织（recipient_kind 为 community / organization）"
    )
    recipient_member_id: BodyId | None = Field(default=None, description="获奖党员（recipient_kind 为 member）")
    team_name: str | None = Field(
        default=None, min_length=2, max_length=100, description="获奖团队名称（recipient_kind 为 team）"
    )
    community_org_id: BodyId | None = Field(
        default=None, description="计入哪个社区的年度统计；获奖者为社区或党员时默认其社区"
    )
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _recipient_matches_kind(self) -> HonorCreate:
        kind = self.recipient_kind
        wants_org = kind in (HonorRecipientKind.community, HonorRecipientKind.organization)
        if wants_org != (self.recipient_org_id is not None):
            raise field_error("recipient_org_id", "获奖社区或党组织时须填写且只在此时填写获奖组织")
        if (kind is HonorRecipientKind.member) != (self.recipient_member_id is not None):
            raise field_error("recipient_member_id", "获奖党员时须填写且只在此时填写获奖党员")
        if (kind is HonorRecipientKind.team) != (self.team_name is not None):
            raise field_error("team_name", "获奖团队时须填写且只在此时填写团队名称")
        return self


class HonorUpdate(InputModel):
    title: str = omittable(min_length=2, max_length=200)
    awarding_body: str = omittable(min_length=2, max_length=200)
    awarded_on: IsoDate = omittable()
    level: HonorLevel = omittable()
    note: str = omittable(max_length=2000)


class HonorAction(StrEnum):
    edit = "edit"
    delete = "delete"


class HonorRead(OutputModel):
    id: int
    title: str
    awarding_body: str
    awarded_on: date
    level: HonorLevel
    recipient_kind: HonorRecipientKind
    recipient_org_id: int | None
    recipient_member_id: int | None
    recipient_name: str
    community_org_id: int
    note: str
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[HonorAction] = Field(
        description="调用者现在可以做的操作：edit 修改、delete 删除（计入社区、获奖组织的管理员或平台管理员）"
    )


class HonorSort(StrEnum):
    awarded_on = "awarded_on"
    awarded_on_desc = "-awarded_on"
    id = "id"
    id_desc = "-id"


class HonorListQuery(ListQuery):
    community_org_id: QueryId = None
    level: HonorLevel | None = None
    recipient_kind: HonorRecipientKind | None = None
    year: Annotated[int | None, Query(ge=1900, le=2999, description="获奖年份")] = None
    sort: HonorSort = HonorSort.awarded_on_desc
