from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import BlockedAction, InputModel, OutputModel, omittable
from gongjian.kit.types import BodyId, IsoDate, QueryId, business_date_field
from gongjian.models.enums import MeetingKind, MeetingStatus, OrganizationKind, TaskStatus

MIN_TOPICS = 2
MAX_TOPICS = 3


class OrgRef(OutputModel):
    id: int
    name: str
    kind: OrganizationKind


class MeetingCreate(InputModel):
    community_org_id: BodyId | None = Field(
        default=None, description="社区党组织；社区管理员默认本社区，平台管理员必填"
    )
    kind: MeetingKind = MeetingKind.joint
    held_on: IsoDate = Field(description="召开日期")
    theme: str = Field(min_length=2, max_length=200, description="会议主题（每次例会确定一个主题）")
    attending_org_ids: list[BodyId] = Field(default_factory=list, max_length=50, description="参会党组织")
    minutes: str = Field(default="", max_length=20000, description="会议纪要")


class MeetingUpdate(InputModel):
    """Only the fields sent are changed. Once the meeting is held only `minutes` and
    `attending_org_ids` may change."""

    kind: MeetingKind = omittable()
    held_on: IsoDate = omittable()
    theme: str = omittable(min_length=2, max_length=200)
    attending_org_ids: list[BodyId] = omittable(max_length=50)
    minutes: str = omittable(max_length=20000)


class MeetingAction(StrEnum):
    edit = "edit"
    edit_plan = "edit_plan"
    manage_topics = "manage_topics"
    close = "close"
    add_task = "add_task"


class MeetingRead(OutputModel):
    id: int
    community_org: OrgRef
    kind: MeetingKind
    held_on: date
    theme: str
    attending_orgs: list[OrgRef]
    minutes: str
    status: MeetingStatus
    topic_count: int
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[MeetingAction] = Field(
        description="调用者现在可以做的操作：edit 修改纪要和参会组织；edit_plan 修改主题、日期、类型（召开前）；"
        "manage_topics 增删议题（召开前）；close 标记已召开；add_task 分派任务"
    )
    blocked_actions: list[BlockedAction] = Field(
        description="调用者的身份可以做、但现在做不成的操作及原因（如议题不足时结束例会）"
    )


class TopicCreate(InputModel):
    title: str = Field(min_length=2, max_length=200, description="需要协调解决的难题")
    description: str = Field(default="", max_length=5000)


class TopicUpdate(InputModel):
    title: str = omittable(min_length=2, max_length=200)
    description: str = omittable(max_length=5000)


class TopicRead(OutputModel):
    id: int
    meeting_id: int
    title: str
    description: str
    created_at: datetime
    updated_at: datetime
    version: int


class TaskCreate(InputModel):
    topic_id: BodyId
    owner_org_id: BodyId = Field(description="责任党组织")
    description: str = Field(min_length=2, max_length=2000, description="分工内容")
    due_on: IsoDate = Field(description="完成期限")


class TaskUpdate(InputModel):
    owner_org_id: BodyId = omittable()
    description: str = omittable(min_length=2, max_length=2000)
    due_on: IsoDate = omittable()


class TaskProgress(InputModel):
    note: str = Field(default="", max_length=2000, description="进展说明")


class TaskComplete(TaskProgress):
    done_on: IsoDate | None = business_date_field("办结")


class TaskRead(OutputModel):
    id: int
    topic_id: int
    topic_title: str
    meeting_id: int
    meeting_held_on: date
    owner_org: OrgRef
    description: str
    due_on: date
    status: TaskStatus = Field(description="overdue 为读取时推算：期限已过且未完成")
    progress_note: str
    started_at: datetime | None
    done_at: datetime | None
    done_on: date | None = Field(description="办结的业务日期")
    created_at: datetime
    updated_at: datetime
    version: int


class TopicWithTasks(TopicRead):
    tasks: list[TaskRead]


class MeetingDetail(MeetingRead):
    topics: list[TopicWithTasks]
    carried_over_tasks: list[TaskRead] = Field(description="本社区以往例会尚未完成的任务（含逾期），在本次例会上跟进")


class MeetingSort(StrEnum):
    held_on = "held_on"
    held_on_desc = "-held_on"
    id = "id"
    id_desc = "-id"


class TaskSort(StrEnum):
    due_on = "due_on"
    due_on_desc = "-due_on"
    id = "id"
    id_desc = "-id"


class MeetingListQuery(ListQuery):
    """The meeting list's query string (the list contract: kit.pagination)."""

    community_org_id: QueryId = None
    kind: MeetingKind | None = None
    status: MeetingStatus | None = None
    held_from: Annotated[IsoDate | None, Query(description="召开日期不早于")] = None
    held_until: Annotated[IsoDate | None, Query(description="召开日期不晚于")] = None
    sort: MeetingSort = MeetingSort.held_on_desc


class TopicListQuery(ListQuery):
    """A meeting's topic list's query string: paging only."""


class TaskListQuery(ListQuery):
    """The task list's query string (the list contract: kit.pagination)."""

    meeting_id: QueryId = None
    topic_id: QueryId = None
    community_org_id: QueryId = None
    owner_org_id: QueryId = None
    status: TaskStatus | None = None
    due_until: Annotated[IsoDate | None, Query(description="期限不晚于")] = None
    sort: TaskSort = TaskSort.due_on
