"""The caller's overview (`GET /me/overview`): what a phone's home screen shows in one request."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from gongjian.cards.schemas import CardRead
from gongjian.kit.schemas import OutputModel
from gongjian.models.enums import (
    CertificateRequestStatus,
    ConcernCategory,
    ConcernStatus,
    CorrectionRequestStatus,
    EvaluationGrade,
    MemberCategory,
    SignupStatus,
    WishKind,
    WishStatus,
)


class OverviewProfile(OutputModel):
    id: int
    name: str
    community_org_id: int
    community_name: str
    unit_org_id: int | None
    unit_name: str | None
    category: MemberCategory
    stars: int = Field(description="志愿服务星级（按累计时长）")


class UpcomingSignup(OutputModel):
    signup_id: int
    activity_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    status: SignupStatus
    waiting_position: int | None = Field(description="候补名次（从 1 起）；已报上名为空")


class OverviewHours(OutputModel):
    this_year: float
    total: float
    stars: int


class ClaimedWish(OutputModel):
    id: int
    kind: str
    content: str
    status: WishStatus
    community_org_id: int


class OpenCorrection(OutputModel):
    id: int
    record_id: int
    reason: str
    status: CorrectionRequestStatus
    created_at: datetime


class FinalizedEvaluation(OutputModel):
    id: int
    period_id: int
    period_name: str
    final_score: float | None
    grade: EvaluationGrade | None


class PendingCertificateRequest(OutputModel):
    id: int
    issuing_org_id: int
    period_start: date
    period_end: date
    status: CertificateRequestStatus
    created_at: datetime


class MemberOverview(OutputModel):
    profile: OverviewProfile
    card: CardRead | None = Field(description="当前（未结束的）服务卡；没有则为空")
    points_balance: int | None = Field(description="积分卡的当前积分；当前卡不是积分卡则为空")
    upcoming_signups: list[UpcomingSignup] = Field(description="从现在起的报名与候补，按开始时间，至多 10 条")
    hours: OverviewHours
    claimed_wishes: list[ClaimedWish] = Field(description="本人认领、尚未完成的微心愿")
    open_corrections: list[OpenCorrection]
    evaluations: list[FinalizedEvaluation] = Field(description="已定档考评期中本人的考评结果")
    pending_certificate_requests: list[PendingCertificateRequest]


class CommunityDesk(OutputModel):
    """What waits in one community under a street or district, each counted as its list lists it:
    `/reports?status=pending&community_org_id=`, `/volunteer-records?status=pending&organizer_org_id=`,
    `/concerns?overdue=true&community_org_id=`."""

    community_org_id: int
    community_name: str
    pending_reports: int = Field(description="待确认的报到申请")
    records_awaiting_review: int = Field(description="社区组织、待审核的志愿服务记录")
    overdue_concerns: int = Field(description="已逾期的社情民意")


class AdminCounts(OutputModel):
    """What waits for an admin, each counted exactly as the list it opens would list it; null: the
    list is not the caller's to act on (e.g. a platform admin approves no volunteer record)."""

    pending_reports: int | None
    records_to_approve: int | None
    wishes_to_verify: int | None
    overdue_tasks: int
    overdue_concerns: int
    unscored_evaluations: int | None = Field(description="进行中考评期里本组织尚未评分的考评记录")
    communities: list[CommunityDesk] | None = Field(
        default=None, description="街道、区委组织部管理员才有：其下每个社区的待办，按社区名称"
    )


class ResidentWish(OutputModel):
    id: int
    kind: WishKind
    content: str
    status: WishStatus
    created_at: datetime
    rating: int | None = Field(description="本人给出的满意度；未评价为空")


class ResidentConcern(OutputModel):
    id: int
    category: ConcernCategory
    title: str
    status: ConcernStatus
    reported_at: datetime
    rating: int | None = Field(description="本人给出的满意度；未评价为空")


class ResidentOverview(OutputModel):
    resident_id: int
    name: str
    community_org_id: int
    community_name: str
    wishes: list[ResidentWish] = Field(description="本人的微心愿及其进展，最新的在前，至多 20 条")
    concerns: list[ResidentConcern] = Field(description="本人反映的社情民意及其进展，最新的在前，至多 20 条")


class Overview(OutputModel):
    member: MemberOverview | None = Field(description="关联党员档案的账号才有")
    resident: ResidentOverview | None = Field(description="居民账号才有")
    admin: AdminCounts | None = Field(description="平台、街道、区委组织部、社区、单位管理员才有")
