from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field, model_validator

from gongjian.kit.messages import field_error
from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import BlockedAction, InputModel, OutputModel, omittable
from gongjian.kit.types import ID_BOUNDS, IsoDate, IsoDateTime, QueryId
from gongjian.models.enums import ActivityAudience, ActivityKind, ActivityStatus, OrganizationKind, SignupStatus

AUDIENCE = "参与范围：community 本社区党员；partners 本社区及共建单位党员；platform 全平台党员（都含主办组织的党员）"


class ActivityCreate(InputModel):
    title: str = Field(min_length=2, max_length=200)
    kind: ActivityKind
    community_org_id: int = Field(description="活动所在社区（社区党组织）", **ID_BOUNDS)
    organizer_org_id: int | None = Field(
        default=None, description="主办党组织；不填为当前账号所在组织（平台管理员必填）", **ID_BOUNDS
    )
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    location: str = Field(default="", max_length=200)
    capacity: int | None = Field(default=None, ge=1, le=100_000, description="报名人数上限；不填为不限")
    counts_hours: bool = Field(default=True, description="是否计入志愿服务时长")
    guest_count: int = Field(default=0, ge=0, le=1_000_000, description="未注册为党员的参与人数（如到场居民）")
    description: str = Field(default="", max_length=5000)
    audience: ActivityAudience = Field(default=ActivityAudience.partners, description=AUDIENCE)

    @model_validator(mode="after")
    def _times_ordered(self) -> ActivityCreate:
        if self.ends_at <= self.starts_at:
            raise field_error("ends_at", "结束时间必须晚于开始时间")
        return self


class ActivityUpdate(InputModel):
    """Only the fields sent are changed; `capacity` may be set to null (no limit)."""

    title: str = omittable(min_length=2, max_length=200)
    kind: ActivityKind = omittable()
    starts_at: IsoDateTime = omittable()
    ends_at: IsoDateTime = omittable()
    location: str = omittable(max_length=200)
    capacity: int | None = Field(default=None, ge=1, le=100_000)
    counts_hours: bool = omittable()
    guest_count: int = omittable(ge=0, le=1_000_000)
    description: str = omittable(max_length=5000)
    audience: ActivityAudience = omittable(description=AUDIENCE + "；改小不影响已有报名")


class ActivityAction(StrEnum):
    edit = "edit"
    check_in_code = "check_in_code"
    open = "open"
    finish = "finish"
    cancel = "cancel"
    sign_up = "sign_up"
    cancel_signup = "cancel_signup"
    check_in = "check_in"
    check_out = "check_out"


class OrgRef(OutputModel):
    id: int
    name: str
    kind: OrganizationKind


class ActivityRead(OutputModel):
    id: int
    title: str
    kind: ActivityKind
    community_org: OrgRef
    organizer_org: OrgRef
    starts_at: datetime
    ends_at: datetime
    location: str
    capacity: int | None
    counts_hours: bool
    status: ActivityStatus
    guest_count: int
    description: str
    audience: ActivityAudience = Field(description=AUDIENCE)
    signup_count: int = Field(description="已报名党员数（占名额的，不含候补与已取消）")
    waiting_count: int = Field(description="候补人数")
    checked_in_count: int = Field(description="已签到党员数")
    participant_count: int = Field(description="参与人次 = 已签到党员数 + 未注册参与人数")
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[ActivityAction] = Field(
        description="调用者现在可以做的操作：edit 编辑、check_in_code 取签到码、open 开放报名、finish 结束、cancel 取消"
        "（活动管理者）；sign_up 报名（党员本人在参与范围内且未报名；管理员为其党员报名）；"
        "cancel_signup 取消本人报名；check_in 签到；check_out 签退（党员本人，需扫活动签到码）"
    )
    blocked_actions: list[BlockedAction] = Field(
        description="调用者的身份可以做、但现在做不成的操作及原因"
        "（如不在参与范围内不能报名、活动开始前 1 小时起才能签到）"
    )


class ActivitySort(StrEnum):
    starts_at = "starts_at"
    starts_at_desc = "-starts_at"
    id = "id"
    id_desc = "-id"


class SignupCreate(InputModel):
    member_id: int | None = Field(default=None, description="报名的党员；党员本人报名时不填", **ID_BOUNDS)
    waitlist: bool = Field(
        default=True, description="名额已满时进入候补名单；为 false 时名额已满即拒绝（409 activity_full）"
    )


class MemberRef(OutputModel):
    id: int
    name: str


class SignupAction(StrEnum):
    cancel = "cancel"
    mark_attendance = "mark_attendance"


class SignupRead(OutputModel):
    id: int
    activity_id: int
    member: MemberRef
    status: SignupStatus
    waiting_position: int | None = Field(description="候补中时在候补名单中的位置（从 1 起）；否则为空")
    signed_up_at: datetime
    promoted_at: datetime | None = Field(description="由候补转为报名的时间")
    cancelled_at: datetime | None
    cancelled_by: str | None = Field(description="取消人")
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    attendance_marked_by: str | None = Field(description="管理员手工登记考勤时为登记人；扫码签到为空")
    allowed_actions: list[SignupAction] = Field(
        description="调用者现在可以做的操作：cancel 取消报名（活动开始前、未签到）；"
        "mark_attendance 手工登记考勤（活动管理者）"
    )


class CheckInCode(OutputModel):
    activity_id: int
    code: str = Field(description="签到码，可放入小程序码 scene（不超过 32 个字符）")
    expires_at: datetime


class CheckInBody(InputModel):
    code: str = Field(min_length=1, max_length=64, description="活动签到码")


class AttendanceUpdate(InputModel):
    """Set by an admin by hand; null clears a time."""

    checked_in_at: IsoDateTime | None = None
    checked_out_at: IsoDateTime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AttendanceUpdate:
        if self.checked_out_at is not None:
            if self.checked_in_at is None:
                raise field_error("checked_in_at", "没有签到时间不能登记签退时间")
            if self.checked_out_at <= self.checked_in_at:
                raise field_error("checked_out_at", "签退时间必须晚于签到时间")
        return self


class ActivityListQuery(ListQuery):
    """The activity list's query string (the list contract: kit.pagination)."""

    kind: ActivityKind | None = None
    community_org_id: QueryId = None
    organizer_org_id: QueryId = None
    status: ActivityStatus | None = None
    starts_from: Annotated[IsoDate | None, Query(description="开始日期不早于（北京时间）")] = None
    starts_until: Annotated[IsoDate | None, Query(description="开始日期不晚于（北京时间，含当天）")] = None
    sort: ActivitySort = ActivitySort.starts_at_desc


class SignupListQuery(ListQuery):
    """The sign-up list's query string (in queue order: by id)."""

    status: SignupStatus | None = None
