from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field, model_validator

from gongjian.kit.messages import field_error
from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import InputModel, OutputModel, omittable
from gongjian.kit.types import ID_BOUNDS, IsoDate, QueryId
from gongjian.models.enums import OrganizationKind

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"


class OrganizationCreate(InputModel):
    name: str = Field(min_length=2, max_length=100, description="党组织名称，全平台唯一")
    kind: OrganizationKind
    code: str = Field(pattern=CODE_PATTERN, description="简码（字母数字），用于证卡编号，全平台唯一")
    parent_id: int | None = Field(
        None, **ID_BOUNDS, description="上级党组织：社区属街道，街道属区，驻区单位和社会组织属街道或区"
    )
    address: str = Field(default="", max_length=200)
    contact_person: str = Field(default="", max_length=50)
    description: str = Field(default="", max_length=5000)


class OrganizationUpdate(InputModel):
    """Only the fields sent are changed; none may be null. `kind` and `code`: platform admin only.

    Fields are typed non-null with a default of None on purpose: omitted means "unchanged", and an
    explicit null is a validation error (the spec says so too).
    """

    name: str = omittable(min_length=2, max_length=100)
    kind: OrganizationKind = omittable()
    code: str = omittable(pattern=CODE_PATTERN)
    parent_id: int | None = Field(None, **ID_BOUNDS, description="上级党组织；null 表示不设上级")
    address: str = omittable(max_length=200)
    contact_person: str = omittable(max_length=50)
    description: str = omittable(max_length=5000)


class OrganizationRead(OutputModel):
    id: int
    name: str
    kind: OrganizationKind
    code: str
    parent_id: int | None
    address: str
    contact_person: str
    description: str
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class OrganizationSort(StrEnum):
    name = "name"
    name_desc = "-name"
    created_at = "created_at"
    created_at_desc = "-created_at"
    id = "id"
    id_desc = "-id"


class PartnershipCreate(InputModel):
    unit_org_id: int = Field(**ID_BOUNDS, description="驻区单位（或社会组织）")
    community_org_id: int = Field(**ID_BOUNDS, description="社区党组织")
    start_date: IsoDate
    end_date: IsoDate | None = None
    agreement: str = Field(default="", max_length=20000, description="共建协议文本")

    @model_validator(mode="after")
    def _dates_ordered(self) -> PartnershipCreate:
        if self.end_date is not None and self.end_date < self.start_date:
            raise field_error("end_date", "结束日期不能早于开始日期")
        return self


class PartnershipUpdate(InputModel):
    """Only the fields sent are changed; `end_date` may be set to null (open-ended)."""

    start_date: IsoDate = omittable()
    end_date: IsoDate | None = None
    agreement: str = omittable(max_length=20000)


class OrganizationRef(OutputModel):
    id: int
    name: str
    kind: OrganizationKind


class PartnershipRead(OutputModel):
    id: int
    unit_org: OrganizationRef
    community_org: OrganizationRef
    start_date: IsoDate
    end_date: date | None
    agreement: str
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class PartnershipSort(StrEnum):
    start_date = "start_date"
    start_date_desc = "-start_date"
    id = "id"
    id_desc = "-id"


class OrganizationListQuery(ListQuery):
    """The organisation list's query string (the list contract: kit.pagination)."""

    documented_from_schema = True  # its spec's form since it became the first query model

    kind: OrganizationKind | None = None
    parent_id: Annotated[int | None, Query(**ID_BOUNDS, description="只列该上级党组织的直属下级")] = None
    q: str | None = Field(None, max_length=100, description="按名称模糊查找")
    archived: bool = Field(False, description="true 只列已归档的")
    sort: OrganizationSort = OrganizationSort.name


class PartnershipListQuery(ListQuery):
    """The partnership list's query string (the list contract: kit.pagination)."""

    unit_org_id: QueryId = None
    community_org_id: QueryId = None
    active_on: Annotated[IsoDate | None, Query(description="只列该日期有效的共建关系")] = None
    archived: bool = False
    sort: PartnershipSort = PartnershipSort.start_date_desc
