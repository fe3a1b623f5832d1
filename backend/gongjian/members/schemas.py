from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, Field, field_validator

from gongjian.kit.errors import FieldError
from gongjian.kit.personal_data import normalise_mobile
from gongjian.kit.query import ListQuery, QueryModel
from gongjian.kit.schemas import Confidential, InputModel, OutputModel, omittable
from gongjian.kit.types import BodyId, IsoDate, QueryId
from gongjian.models.enums import CommunityRecordKind, Gender, MemberCategory, MemberStatus, OrganizationKind

MobilePhone = Annotated[
    str,
    Field(max_length=20, description="大陆手机号，如 13812345678（可带 +86）；按权限返回全号或掩码"),
    AfterValidator(normalise_mobile),
]
SkillTag = Annotated[str, Field(min_length=1, max_length=20)]
Skills = Annotated[list[SkillTag], Field(max_length=20, description="技能特长标签，最多 20 个")]
VOLUNTEER_NUMBER_PATTERN = r"^[A-Za-z0-9-]{1,32}$"


def _distinct(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


class MemberCreate(InputModel):
    name: str = Field(min_length=1, max_length=50)
    gender: Gender
    birth_date: IsoDate | None = None
    phone: MobilePhone | None = None
    joined_party_on: IsoDate | None = Field(default=None, description="入党日期")
    category: MemberCategory
    unit_org_id: BodyId | None = Field(
        default=None, description="工作单位党组织：在职党员必填（驻区单位）；其他类别可选（驻区单位或社会组织）"
    )
    community_org_id: BodyId = Field(description="报到的社区党组织")
    reported_on: IsoDate | None = Field(default=None, description="到社区报到日期")
    skills: Skills = Field(default_factory=list)
    volunteer_number: str | None = Field(default=None, pattern=VOLUNTEER_NUMBER_PATTERN, description="志愿者编号")
    user_id: BodyId | None = Field(default=None, description="关联的党员登录账号（角色为党员、属于该党员的组织）")

    _skills = field_validator("skills")(_distinct)


class MemberUpdate(InputModel):
    """Only the fields sent are changed. Nullable fields may be cleared with null; the others may not.

    A community admin may change only the community-side fields (reported_on, skills,
    volunteer_number, user_id) of a member managed by its unit.
    """

    name: str = omittable(min_length=1, max_length=50)
    gender: Gender = omittable()
    birth_date: IsoDate | None = None
    phone: MobilePhone | None = None
    joined_party_on: IsoDate | None = None
    category: MemberCategory = omittable(description="改变类别会关闭原服务卡并发放新卡")
    unit_org_id: BodyId | None = None
    community_org_id: BodyId = omittable()
    reported_on: IsoDate | None = None
    skills: Skills = omittable()
    volunteer_number: str | None = Field(default=None, pattern=VOLUNTEER_NUMBER_PATTERN)
    user_id: BodyId | None = None

    _skills = field_validator("skills")(_distinct)


class OrganizationRef(OutputModel):
    id: int
    name: str
    kind: OrganizationKind
    code: str


class MemberRead(OutputModel):
    id: int
    name: str
    gender: Gender
    birth_date: date | None
    phone: Confidential[str | None] = Field(description="全号，或对无权查看者返回掩码 138****5678")
    phone_masked: bool = Field(description="phone 是否为掩码")
    joined_party_on: date | None
    category: MemberCategory
    unit_org: OrganizationRef | None
    community_org: OrganizationRef
    reported_on: date | None
    skills: list[str]
    volunteer_number: str | None
    status: MemberStatus
    archived_at: datetime | None
    user_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class MemberSort(StrEnum):
    name = "name"
    name_desc = "-name"
    joined_party_on = "joined_party_on"
    joined_party_on_desc = "-joined_party_on"
    reported_on = "reported_on"
    reported_on_desc = "-reported_on"
    id = "id"
    id_desc = "-id"


class MemberFilters(QueryModel):
    """The member list's filters and order, shared by its export (`/members/export`)."""

    category: MemberCategory | None = None
    unit_org_id: QueryId = None
    community_org_id: QueryId = None
    status: Annotated[MemberStatus | None, Query(description="不填则列出全部状态")] = None
    q: Annotated[str | None, Query(max_length=50, description="按姓名模糊查找")] = None
    sort: MemberSort = MemberSort.name


class MemberListQuery(ListQuery, MemberFilters):
    pass


class FileFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


class ImportResult(OutputModel):
    dry_run: bool
    total_rows: int = Field(description="文件中的数据行数（不含表头与空行）")
    created: int = Field(description="新建的党员数；试导入或失败时为 0")


class ImportRowError(OutputModel):
    line: int = Field(description="文件中的行号（表头为第 1 行）")
    column: str | None = Field(description="列名（中文表头）；整行或整个文件的问题为空")
    message: str
    code: str | None = Field(
        description="与单条登记时相同的稳定错误代码（如 no_partnership、wrong_organization_kind）；格式错误等为空",
    )


class ImportProblem(OutputModel):
    """The problem answer of a rejected import: nothing was written; every bad row is listed."""

    type: str
    title: str
    status: int
    detail: str | None = None
    code: str
    errors: list[FieldError] | None = None
    rows: list[ImportRowError]
    error_count: int = Field(description="错误总数（rows 最多列出前 1000 条）")


# --- community records --------------------------------------------------------------------------


class CommunityRecordCreate(InputModel):
    occurred_on: IsoDate
    kind: CommunityRecordKind
    description: str = Field(min_length=1, max_length=2000)


class CommunityRecordRead(OutputModel):
    id: int
    member_id: int
    community_org_id: int
    occurred_on: date
    kind: CommunityRecordKind
    description: str
    recorded_by: str = Field(validation_alias="recorded_by_name", description="记录人")
    created_at: datetime


class CommunityRecordSort(StrEnum):
    occurred_on = "occurred_on"
    occurred_on_desc = "-occurred_on"
    id = "id"
    id_desc = "-id"


class CommunityRecordListQuery(ListQuery):
    kind: CommunityRecordKind | None = None
    sort: CommunityRecordSort = CommunityRecordSort.occurred_on_desc
