from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field, model_validator

from gongjian.kit.messages import field_error
from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import InputModel, OutputModel
from gongjian.kit.types import ID_BOUNDS, IsoDate, IsoDateTime, QueryId
from gongjian.models.enums import (
    ActivityKind,
    CalendarSource,
    CertificateRequestStatus,
    CorrectionRequestStatus,
    HoursSource,
    VolunteerRecordStatus,
)

CERTIFICATE_NUMBER_PATTERN = r"^[0-9A-Z-]{1,32}$"


class RecordCreate(InputModel):
    member_id: int = Field(**ID_BOUNDS)
    activity_id: int | None = Field(default=None, description="所参加的活动；不计时长的活动不能录入", **ID_BOUNDS)
    content: str | None = Field(
        default=None, min_length=1, max_length=500, description="服务内容；有活动时默认活动名称"
    )
    location: str | None = Field(default=None, max_length=200, description="服务地点；有活动时默认活动地点")
    started_at: IsoDateTime | None = Field(default=None, description="有签到签退或活动时可不填")
    ended_at: IsoDateTime | None = None
    hours: float | None = Field(
        default=None,
        gt=0,
        le=10_000,
        description="服务时长（小时）；有签到签退时按签到签退计算，不能再填；按半小时向下取整",
    )
    organizer_org_id: int | None = Field(default=None, description="组织单位；有活动时为活动主办组织", **ID_BOUNDS)
    evaluation: str = Field(default="", max_length=500, description="服务评价")

    @model_validator(mode="after")
    def _times_ordered(self) -> RecordCreate:
        if self.started_at is not None and self.ended_at is not None and self.ended_at <= self.started_at:
            raise field_error("ended_at", "结束时间必须晚于开始时间")
        return self


class RecordCorrection(InputModel):
    """A new version of an approved record: the fields sent replace the corrected record's."""

    reason: str = Field(min_length=2, max_length=500, description="更正原因")
    content: str | None = Field(default=None, min_length=1, max_length=500)
    location: str | None = Field(default=None, max_length=200)
    started_at: IsoDateTime | None = None
    ended_at: IsoDateTime | None = None
    hours: float | None = Field(default=None, gt=0, le=10_000)
    evaluation: str | None = Field(default=None, max_length=500)
    request_id: int | None = Field(default=None, description="答复的党员更正申请", **ID_BOUNDS)


class ReviewBody(InputModel):
    note: str = Field(default="", max_length=500, description="审核意见；驳回时必填")


class MemberRef(OutputModel):
    id: int
    name: str


class OrgRef(OutputModel):
    id: int
    name: str


class RecordAction(StrEnum):
    approve = "approve"
    reject = "reject"
    correct = "correct"
    request_correction = "request_correction"


class RecordRead(OutputModel):
    id: int
    member: MemberRef
    activity_id: int | None
    activity_kind: ActivityKind | None
    content: str
    location: str
    started_at: datetime
    ended_at: datetime
    hours: float = Field(description="服务时长（小时，0.5 的整数倍）")
    hours_source: HoursSource
    organizer_org: OrgRef
    evaluation: str
    recorded_by_name: str
    recorded_at: datetime
    entry_deadline: date = Field(description="应录入的最后日期：服务结束后第 10 个工作日")
    entry_deadline_basis: CalendarSource = Field(
        description="计算录入期限所依据的日历：国家法定节假日安排、平台维护的调整，或仅按周一至周五"
    )
    late: bool = Field(description="超过录入期限才录入，供审核人留意")
    status: VolunteerRecordStatus
    reviewed_by_name: str | None
    reviewed_at: datetime | None
    review_note: str
    root_id: int
    corrects_id: int | None
    correction_reason: str
    superseded: bool = Field(description="已被一条通过审核的更正记录取代（不再计入时长）")
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[RecordAction] = Field(
        description="调用者现在可以做的操作：approve/reject 审核；correct 更正；request_correction 申请更正（党员本人）"
    )
    review_hint: str | None = Field(description="待审核而调用者不能审核时：由谁审核")


class RecordSort(StrEnum):
    ended_at = "ended_at"
    ended_at_desc = "-ended_at"
    id = "id"
    id_desc = "-id"


class RecordListQuery(ListQuery):
    """The volunteer-record list's query string (the list contract: kit.pagination)."""

    member_id: QueryId = None
    activity_id: QueryId = None
    organizer_org_id: QueryId = None
    status: VolunteerRecordStatus | None = None
    late: Annotated[bool | None, Query(description="只列超期录入（true）或按期录入（false）的")] = None
    ended_from: Annotated[IsoDate | None, Query(description="服务结束日期不早于（北京时间）")] = None
    ended_until: Annotated[IsoDate | None, Query(description="服务结束日期不晚于（北京时间，含当天）")] = None
    sort: RecordSort = RecordSort.ended_at_desc


class CorrectionRequestCreate(InputModel):
    reason: str = Field(min_length=2, max_length=500, description="需要更正的内容与理由")


class CorrectionRequestDecline(InputModel):
    reply: str = Field(min_length=2, max_length=500, description="不予更正的理由")


class CorrectionRequestListQuery(ListQuery):
    """The correction-request list's query string (the list contract: kit.pagination)."""

    status: CorrectionRequestStatus | None = None
    record_id: QueryId = None


class CorrectionRequestAction(StrEnum):
    answer = "answer"


class CorrectionRequestRead(OutputModel):
    id: int
    record_id: int
    member_id: int
    reason: str
    status: CorrectionRequestStatus
    reply: str
    answered_at: datetime | None
    correction_record_id: int | None
    created_at: datetime
    version: int
    allowed_actions: list[CorrectionRequestAction] = Field(
        description="调用者现在可以做的操作：待答复时，记录组织单位的管理员（或平台管理员）可答复（更正记录或不予更正）"
    )


class SummaryGroup(StrEnum):
    member = "member"
    organization = "organization"
    community = "community"


class HoursSummaryQuery(ListQuery):
    """The hours summary's query string (the list contract: kit.pagination)."""

    group_by: SummaryGroup = SummaryGroup.member
    year: Annotated[int | None, Query(ge=2000, le=2100, description="服务结束的年份（北京时间）")] = None


class HoursSummaryRow(OutputModel):
    id: int = Field(description="党员、组织单位或社区的 id（按 group_by）")
    name: str
    hours: float
    record_count: int
    stars: int | None = Field(description="星级（按党员汇总时）：100/300/600/1000/1500 小时为一至五星")


class YearHours(OutputModel):
    year: int
    hours: float


class KindHours(OutputModel):
    kind: ActivityKind | None = Field(description="活动类型；不属于任何活动的记录为空")
    hours: float


class MemberHours(OutputModel):
    member_id: int
    name: str
    total_hours: float
    stars: int
    record_count: int
    by_year: list[YearHours]
    by_activity_kind: list[KindHours]


class CertificateCreate(InputModel):
    period_start: IsoDate
    period_end: IsoDate
    issuing_org_id: int | None = Field(
        default=None, description="出具证明的组织（该党员所在社区或单位）；组织管理员为本组织", **ID_BOUNDS
    )

    @model_validator(mode="after")
    def _ordered(self) -> CertificateCreate:
        if self.period_end < self.period_start:
            raise field_error("period_end", "结束日期不能早于开始日期")
        return self


class CertificatePublic(OutputModel):
    """Exactly what the printed proof shows, and nothing else."""

    number: str
    member_name: str
    volunteer_number: str
    period_start: date
    period_end: date
    hours: float
    content_summary: str
    issuing_org_name: str
    issued_on: date


class CertificateRead(CertificatePublic):
    id: int
    member_id: int
    issuing_org_id: int
    record_count: int
    record_ids: list[int]
    created_at: datetime


class CertificateRequestCreate(CertificateCreate):
    """A member asks for a proof of its own hours in a period; `issuing_org_id`: its community
    (the default) or its unit."""

    purpose: str = Field(default="", max_length=200, description="用途（如评优、升学、求职）")


class CertificateRequestDecline(InputModel):
    reply: str = Field(min_length=2, max_length=500, description="不予出具的理由")


class CertificateRequestListQuery(ListQuery):
    """The proof-request list's query string (the list contract: kit.pagination)."""

    status: CertificateRequestStatus | None = None
    member_id: QueryId = None


class CertificateRequestAction(StrEnum):
    issue = "issue"
    decline = "decline"


class CertificateRequestRead(OutputModel):
    id: int
    member_id: int
    member_name: str
    issuing_org_id: int
    issuing_org_name: str
    period_start: date
    period_end: date
    purpose: str
    status: CertificateRequestStatus
    reply: str = Field(description="不予出具的理由")
    answered_by: str | None = Field(description="答复人")
    answered_at: datetime | None
    certificate_id: int | None = Field(description="已出具的证明")
    certificate_number: str | None = Field(description="已出具证明的编号（凭编号查验、打印）")
    created_at: datetime
    version: int
    allowed_actions: list[CertificateRequestAction] = Field(
        description="调用者现在可以做的操作：待出具时，出具组织的管理员（或平台管理员）可出具或不予出具"
    )
