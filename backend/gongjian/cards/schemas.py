"""Cards and their typed entries: one entry schema per card type, told apart by `card_type`."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from gongjian.kit.messages import field_error
from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import Confidential, InputModel, OutputModel
from gongjian.kit.types import BodyId, IsoDate
from gongjian.members.schemas import MobilePhone
from gongjian.models.enums import CardStatus, CardType, EmploymentService


class CardRead(OutputModel):
    id: int
    member_id: int
    card_type: CardType
    number: str = Field(description="卡号：社区简码-卡种代码-序号，如 LHT-JF-000012")
    status: CardStatus
    community_org_id: int = Field(description="发卡的社区党组织（党员服务站）")
    issued_at: datetime
    closed_at: datetime | None
    points_balance: int | None = Field(description="积分卡的当前积分；其他卡为空")


class CardSort(StrEnum):
    issued_at = "issued_at"
    issued_at_desc = "-issued_at"


class CardEntrySort(StrEnum):
    id = "id"
    id_desc = "-id"
    occurred_on = "occurred_on"
    occurred_on_desc = "-occurred_on"


class CardListQuery(ListQuery):
    sort: CardSort = CardSort.issued_at_desc


class CardEntryListQuery(ListQuery):
    sort: CardEntrySort = CardEntrySort.id


# --- entries in ------------------------------------------------------------------------------------


class ContactEntryCreate(InputModel):
    """双向联系卡：与社区的一次联系。"""

    card_type: Literal["contact"]
    occurred_on: IsoDate = Field(description="联系日期")
    content: str = Field(min_length=1, max_length=2000, description="联系内容")
    contact_person: str = Field(min_length=1, max_length=50, description="联系人")


class PointsEntryCreate(InputModel):
    """奉献积分卡：一次积分变动（points），或冲正一条旧记录（reverses_entry_id，分值自动取反）。

    已记录的积分不能修改，只能冲正；任何一条记录都不能使积分余额为负。
    """

    card_type: Literal["points"]
    occurred_on: IsoDate
    points: int | None = Field(default=None, ge=-1000, le=1000, description="积分变动，非零；冲正时不填")
    reason: str = Field(min_length=1, max_length=200, description="原因")
    reverses_entry_id: BodyId | None = Field(default=None, description="被冲正的记录；每条记录只能冲正一次")

    @model_validator(mode="after")
    def _points_or_reversal(self) -> PointsEntryCreate:
        if (self.points is None) == (self.reverses_entry_id is None):
            raise field_error("points", "须填写积分变动，或选择被冲正的记录（二者只填其一）")
        if self.points == 0:
            raise field_error("points", "积分变动不能为 0")
        return self


class EmploymentEntryCreate(InputModel):
    """就业服务卡：一次就业服务（岗位推荐、技能培训等）及其结果。"""

    card_type: Literal["employment"]
    occurred_on: IsoDate
    service: EmploymentService
    description: str = Field(min_length=1, max_length=2000, description="服务内容")
    provider: str = Field(default="", max_length=100, description="提供服务的单位或个人")
    result: str = Field(default="", max_length=500, description="结果，如“已上岗”")


class RegistrationEntryCreate(InputModel):
    """流动党员信息登记卡：流动党员现在何处、如何联系。"""

    card_type: Literal["registration"]
    occurred_on: IsoDate = Field(description="登记日期")
    location: str = Field(min_length=1, max_length=200, description="现所在地（流入地）")
    employer: str = Field(default="", max_length=100, description="现工作单位")
    contact_phone: MobilePhone | None = None
    contact_other: str = Field(default="", max_length=100, description="其他联系方式，如微信号")
    note: str = Field(default="", max_length=500)


class CommunicationEntryCreate(InputModel):
    """“两新”组织党员情况沟通卡：关于党员所在组织的情况沟通。"""

    card_type: Literal["communication"]
    occurred_on: IsoDate
    organization_name: str = Field(min_length=1, max_length=100, description="党员所在的“两新”组织")
    content: str = Field(min_length=1, max_length=2000, description="沟通情况")
    contact_person: str = Field(default="", max_length=50)


CardEntryCreate = Annotated[
    ContactEntryCreate | PointsEntryCreate | EmploymentEntryCreate | RegistrationEntryCreate | CommunicationEntryCreate,
    Field(discriminator="card_type"),
]


# --- entries out -----------------------------------------------------------------------------------


class _EntryBase(OutputModel):
    id: int
    card_id: int
    occurred_on: date
    recorded_by: str = Field(description="记录人")
    created_at: datetime


class ContactEntryRead(_EntryBase):
    card_type: Literal["contact"]
    content: str
    contact_person: str


class PointsEntryRead(_EntryBase):
    card_type: Literal["points"]
    points: int
    reason: str
    balance: int = Field(description="本条记录后的积分余额")
    reverses_entry_id: int | None
    reversed_by_entry_id: int | None = Field(description="冲正本条的记录；未被冲正为空")


class EmploymentEntryRead(_EntryBase):
    card_type: Literal["employment"]
    service: EmploymentService
    description: str
    provider: str
    result: str


class RegistrationEntryRead(_EntryBase):
    card_type: Literal["registration"]
    location: str
    employer: str
    contact_phone: Confidential[str | None]
    contact_other: str
    note: str


class CommunicationEntryRead(_EntryBase):
    card_type: Literal["communication"]
    organization_name: str
    content: str
    contact_person: str


# One entry of any card (what the service answers); `CardEntryRead` tells them apart by `card_type`.
EntryRead = ContactEntryRead | PointsEntryRead | EmploymentEntryRead | RegistrationEntryRead | CommunicationEntryRead
CardEntryRead = Annotated[EntryRead, Field(discriminator="card_type")]
