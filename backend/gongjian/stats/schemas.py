from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from gongjian.claims.schemas import ClaimCount
from gongjian.kit.schemas import OutputModel
from gongjian.models.enums import ActivityKind, HonorLevel, MeetingKind
from gongjian.organizations.schemas import OrganizationRef


class StatsFormat(StrEnum):
    json = "json"
    xlsx = "xlsx"


class ActivityKindFigures(OutputModel):
    kind: ActivityKind
    activities: int = Field(description="活动次数（不含已取消）")
    participant_times: int = Field(description="参与人次：已签到党员 + 未注册参与人数")


class VolunteerFigures(OutputModel):
    collective_activities: int = Field(description="集体志愿服务活动次数")
    participant_times: int = Field(description="集体志愿服务参与人次")
    approved_hours: float = Field(description="本社区党员经审核的志愿服务时长（小时）")
    approved_records: int
    activity_hours: float = Field(description="本社区活动中经审核的志愿服务时长（小时），含外社区党员的")
    neighbour_hours: float = Field(description="其中外社区党员（邻里互助）的时长（小时）")


class WishFigures(OutputModel):
    submitted: int
    fulfilled: int


class ClaimFigures(OutputModel):
    total: int
    by_category_and_status: list[ClaimCount] = Field(
        description="本社区发布的需求被认领、本社区认领单位资源，按类别和状态"
    )


class MeetingKindCount(OutputModel):
    kind: MeetingKind
    count: int


class MeetingFigures(OutputModel):
    held: int
    by_kind: list[MeetingKindCount]
    topics: int
    tasks_done: int
    tasks_open: int = Field(description="未开始且未逾期")
    tasks_in_progress: int = Field(description="进行中且未逾期")
    tasks_overdue: int = Field(description="期限已过未完成（按今天推算）")


class ConcernFigures(OutputModel):
    reported: int
    resolved: int
    resolved_locally: int = Field(description="就地化解（未上报）")
    escalated: int = Field(description="上报协调解决")
    open: int
    overdue: int


class HonorLine(OutputModel):
    title: str
    awarding_body: str
    awarded_on: date
    level: HonorLevel
    recipient_name: str


class HonorFigures(OutputModel):
    count: int
    items: list[HonorLine]


class AnnualFigures(OutputModel):
    """Every figure of a community's annual report; for a street or district, their sums."""

    activities_by_kind: list[ActivityKindFigures]
    volunteer: VolunteerFigures
    wishes: WishFigures
    claims: ClaimFigures
    meetings: MeetingFigures
    concerns: ConcernFigures
    honors: HonorFigures


class AnnualStats(AnnualFigures):
    year: int
    community: OrganizationRef
    latest_year: int | None = Field(
        description="本社区有记录（活动、志愿服务、例会、社情民意、微心愿）的最近年份，不晚于今年；没有记录为空"
    )


class AreaAnnualStats(OutputModel):
    """A street's or district's year: the totals and, side by side, each community's own report."""

    year: int
    organization: OrganizationRef = Field(description="街道党工委或区委组织部")
    latest_year: int | None = Field(description="辖区内各社区最近有记录的年份中最晚的一个")
    totals: AnnualFigures = Field(description="辖区内各社区年度统计之和，逐项相加")
    communities: list[AnnualStats] = Field(description="辖区内每个社区的年度统计（与该社区自己的报表相同），按名称排序")
