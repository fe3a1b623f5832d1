from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field, field_validator, model_validator

from gongjian.kit.messages import field_error
from gongjian.kit.query import ListQuery, QueryModel
from gongjian.kit.schemas import BlockedAction, InputModel, OutputModel, omittable
from gongjian.kit.types import ID_BOUNDS, IsoDate, QueryId
from gongjian.models.enums import EvaluationGrade, EvaluationPeriodStatus, EvaluationStatus, EvaluationVeto

CRITERION_CODE = r"^[a-z][a-z0-9_]{0,31}$"


class Criterion(InputModel):
    code: str = Field(pattern=CRITERION_CODE, description="考评项代码（小写字母、数字、下划线）")
    name: str = Field(min_length=1, max_length=50, description="考评项名称，如 报到履职")
    max_points: int = Field(ge=1, le=100, description="该项满分；各项满分之和须为 100")


class Thresholds(InputModel):
    """Lowest final score (inclusive) of each grade; below `basically_qualified` is 不合格."""

    excellent: int = Field(ge=1, le=100, description="优秀 最低分")
    qualified: int = Field(ge=1, le=100, description="合格 最低分")
    basically_qualified: int = Field(ge=1, le=100, description="基本合格 最低分")

    @model_validator(mode="after")
    def _descending(self) -> Thresholds:
        if not self.excellent > self.qualified > self.basically_qualified:
            raise field_error("qualified", "分数线须满足 优秀 > 合格 > 基本合格")
        return self


class Share(InputModel):
    """Share of 优秀 per unit: at most floor(numerator × members of the unit / denominator)."""

    numerator: int = Field(ge=0, le=1000)
    denominator: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _at_most_one(self) -> Share:
        if self.numerator > self.denominator:
            raise field_error("numerator", "优秀比例不能超过 1")
        return self


def _criteria_valid(criteria: list[Criterion] | None) -> list[Criterion] | None:
    if criteria is None:
        return None
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        raise ValueError("考评项代码不能重复")
    if sum(c.max_points for c in criteria) != 100:
        raise ValueError("各考评项满分之和须为 100")
    return criteria


def _vetoes_unique(vetoes: list[EvaluationVeto] | None) -> list[EvaluationVeto] | None:
    if vetoes is not None and len(set(vetoes)) != len(vetoes):
        raise ValueError("否决规则不能重复")
    return vetoes


class PeriodCreate(InputModel):
    """Fields left out take the default scheme (reference data `evaluation_scheme.json`)."""

    name: str = Field(min_length=1, max_length=100, description="如 2017年度")
    start_date: IsoDate
    end_date: IsoDate
    community_weight: float | None = Field(
        default=None, ge=0, le=1, description="社区评分在最终得分中的权重（最多三位小数），默认 0.3"
    )
    criteria: list[Criterion] | None = Field(default=None, min_length=1, max_length=20)
    thresholds: Thresholds | None = None
    excellent_share: Share | None = None
    vetoes: list[EvaluationVeto] | None = Field(default=None, max_length=10)

    _criteria = field_validator("criteria")(_criteria_valid)
    _vetoes = field_validator("vetoes")(_vetoes_unique)

    @model_validator(mode="after")
    def _ordered(self) -> PeriodCreate:
        if self.end_date < self.start_date:
            raise field_error("end_date", "结束日期不能早于开始日期")
        return self


class PeriodUpdate(InputModel):
    """Only the fields sent change. In `draft` everything may change; while `open` only the name."""

    name: str = omittable(min_length=1, max_length=100)
    start_date: IsoDate = omittable()
    end_date: IsoDate = omittable()
    community_weight: float = omittable(ge=0, le=1)
    criteria: list[Criterion] = omittable(min_length=1, max_length=20)
    thresholds: Thresholds = omittable()
    excellent_share: Share = omittable()
    vetoes: list[EvaluationVeto] = omittable(max_length=10)

    _criteria = field_validator("criteria")(_criteria_valid)
    _vetoes = field_validator("vetoes")(_vetoes_unique)


class PeriodReopen(InputModel):
    reason: str = Field(min_length=2, max_length=1000, description="重新开放的理由（记入审计日志）")


class CriterionRead(OutputModel):
    code: str
    name: str
    max_points: int


class ThresholdsRead(OutputModel):
    excellent: int
    qualified: int
    basically_qualified: int


class ShareRead(OutputModel):
    numerator: int
    denominator: int


class PeriodAction(StrEnum):
    edit = "edit"
    open = "open"
    finalize = "finalize"
    reopen = "reopen"
    ranking = "ranking"
    score = "score"


class PeriodProgress(OutputModel):
    """How far scoring has come, over the evaluations of the period the caller sees."""

    evaluations: int
    community_scored: int = Field(description="社区已评")
    unit_scored: int = Field(description="单位已评")
    scored: int = Field(description="双方已评")


class PeriodRead(OutputModel):
    id: int
    name: str
    start_date: date
    end_date: date
    community_weight: float
    criteria: list[CriterionRead]
    thresholds: ThresholdsRead
    excellent_share: ShareRead
    vetoes: list[EvaluationVeto]
    status: EvaluationPeriodStatus
    opened_at: datetime | None
    finalized_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    progress: PeriodProgress
    allowed_actions: list[PeriodAction] = Field(
        description="调用者现在可以做的操作：edit/open/finalize/reopen 维护周期；ranking 查看单位排名与导出（管理员）；"
        "score 为本组织的党员评分（考评进行中，社区、单位管理员）"
    )
    blocked_actions: list[BlockedAction] = Field(
        description="调用者的身份可以做、但现在做不成的操作及原因（如评分未完成时的定档）"
    )


class PeriodSort(StrEnum):
    start_date = "start_date"
    start_date_desc = "-start_date"
    id = "id"
    id_desc = "-id"


class PeriodListQuery(ListQuery):
    """The period list's query string (the list contract: kit.pagination)."""

    status: EvaluationPeriodStatus | None = None
    sort: PeriodSort = PeriodSort.start_date_desc


class Ref(OutputModel):
    id: int
    name: str


class CriterionPoints(OutputModel):
    code: str
    name: str
    max_points: int
    points: float | None


class EvaluationAction(StrEnum):
    score_community = "score_community"
    score_unit = "score_unit"


class EvaluationRead(OutputModel):
    id: int
    period_id: int
    member: Ref
    unit_org: Ref
    community_org: Ref
    status: EvaluationStatus
    community_points: list[CriterionPoints]
    community_score: float | None
    community_opinion: str | None
    community_scored_at: datetime | None
    community_scored_by: str | None
    unit_score: float | None
    unit_comment: str | None
    unit_scored_at: datetime | None
    unit_scored_by: str | None
    final_score: float | None = Field(description="w·社区 + (1−w)·单位，四舍五入（ROUND_HALF_UP）到一位小数")
    grade: EvaluationGrade | None = Field(description="定档后才有")
    vetoed: bool = Field(description="定档时被否决规则限制为 基本合格 及以下")
    recommended_for_award: bool = Field(description="定档后在本单位 优秀 名额之内")
    allowed_actions: list[EvaluationAction] = Field(
        default_factory=list,
        description="调用者现在可以做的操作：score_community 社区评分（该党员报到社区的管理员）、"
        "score_unit 单位评分（该党员所在单位的管理员），均在周期定档之前",
    )
    version: int


class KindCount(OutputModel):
    kind: str
    count: int


class Evidence(OutputModel):
    """Computed for the period's dates (Asia/Shanghai days, both ends included)."""

    reported_on: date | None = Field(description="到社区报到日期")
    reported_in_period: bool = Field(description="在考评期结束前已到社区报到")
    volunteer_hours: float = Field(description="考评期内结束、已审核通过且未被更正取代的志愿服务时长")
    volunteer_record_count: int
    community_records: list[KindCount] = Field(description="考评期内社区表现记录，按类型计数")
    wishes_claimed: int = Field(description="考评期内本人认领的微心愿数")
    wishes_fulfilled: int = Field(description="其中已实现（或已回访关闭）的数")


class EvaluationDetail(EvaluationRead):
    evidence: Evidence


# Evaluations whose evidence one request reads: a page of the scoring grid.
MAX_EVIDENCE_IDS = 100


class EvidenceQuery(QueryModel):
    evaluation_id: list[Annotated[int, Field(**ID_BOUNDS)]] = Field(
        min_length=1,
        max_length=MAX_EVIDENCE_IDS,
        description=f"考评记录编号，可重复给出（?evaluation_id=1&evaluation_id=2），最多 {MAX_EVIDENCE_IDS} 个；"
        "无权查看或不属于本周期的不返回",
    )


class EvaluationEvidence(OutputModel):
    evaluation_id: int
    evidence: Evidence


class EvaluationSort(StrEnum):
    name = "name"
    final_score_desc = "-final_score"
    id = "id"


class EvaluationListQuery(ListQuery):
    """The evaluation list's query string (the list contract: kit.pagination); the period is in the path."""

    unit_org_id: QueryId = None
    community_org_id: QueryId = None
    member_id: Annotated[int | None, Query(**ID_BOUNDS, description="只看这名党员")] = None
    grade: EvaluationGrade | None = None
    status: EvaluationStatus | None = None
    unscored: Annotated[
        bool | None,
        Query(description="true：只看本组织尚待评分的（社区管理员：社区评分未填；单位管理员：单位评分未填）"),
    ] = None
    sort: EvaluationSort = EvaluationSort.name


class CommunityScoreInput(InputModel):
    points: dict[str, float] = Field(
        description="各考评项得分 {考评项代码: 分数}，每项 0 至该项满分，最多一位小数；须覆盖全部考评项",
        max_length=20,
    )
    opinion: str = Field(min_length=1, max_length=5000, description="社区书面意见")


class UnitScoreInput(InputModel):
    score: float = Field(ge=0, le=100, description="0–100，最多一位小数")
    comment: str = Field(default="", max_length=5000)


class RankingRow(OutputModel):
    rank: int | None = Field(description="本单位内名次；最终得分、社区分、单位分均相同者并列；未评完者为空")
    evaluation_id: int
    member: Ref
    final_score: float | None
    community_score: float | None
    unit_score: float | None
    grade: EvaluationGrade | None
    vetoed: bool
    recommended_for_award: bool


class Ranking(OutputModel):
    period_id: int
    unit_org: Ref
    provisional: bool = Field(description="true：周期未定档，等级为按当前分数试算")
    member_count: int = Field(description="本单位参加考评的党员数")
    excellent_quota: int = Field(description="优秀名额 = floor(比例 × 本单位人数)")
    items: list[RankingRow]


class ExportFormat(StrEnum):
    xlsx = "xlsx"
