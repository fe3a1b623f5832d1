from __future__ import annotations

from typing import Annotated

from fastapi import Response

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import PathId
from gongjian.meetings import service, tasks
from gongjian.meetings.schemas import (
    MeetingCreate,
    MeetingDetail,
    MeetingListQuery,
    MeetingRead,
    MeetingUpdate,
    TaskComplete,
    TaskCreate,
    TaskListQuery,
    TaskProgress,
    TaskRead,
    TaskUpdate,
    TopicCreate,
    TopicListQuery,
    TopicRead,
    TopicUpdate,
)
from gongjian.models.enums import TaskStatus

router = DomainRouter(tags=["meetings"])

Reader = Annotated[Principal, caller("meetings:read")]
Writer = Annotated[Principal, caller("meetings:write")]
STATE_PROBLEMS = problem_responses(412)


@router.get("/meetings", summary="联席会例会列表")
async def list_meetings(
    principal: Reader, query: Annotated[MeetingListQuery, query_of(MeetingListQuery)]
) -> Page[MeetingRead]:
    with unit_of_work() as session:
        return service.list_meetings(session, principal, query)


@router.post("/meetings", summary="召集例会（社区党组织）", status_code=201)
async def create_meeting(body: MeetingCreate, principal: Writer, response: Response) -> MeetingDetail:
    with unit_of_work() as session:
        meeting = service.create_meeting(session, principal, body)
    created(response, f"/meetings/{meeting.id}", meeting.version)
    return meeting


@router.get("/meetings/{meeting_id}", summary="例会详情（议题、分工任务、上次例会未完成的任务）")
async def get_meeting(meeting_id: PathId, principal: Reader, response: Response) -> MeetingDetail:
    with unit_of_work() as session:
        meeting = service.get_meeting(session, principal, meeting_id)
    set_etag(response, meeting.version)
    return meeting


@router.patch("/meetings/{meeting_id}", summary="修改例会", responses=STATE_PROBLEMS)
async def update_meeting(
    meeting_id: PathId, body: MeetingUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> MeetingDetail:
    with unit_of_work() as session:
        meeting = service.update_meeting(session, principal, meeting_id, body, if_match)
    set_etag(response, meeting.version)
    return meeting


@router.post("/meetings/{meeting_id}/close", summary="结束例会（须有 2–3 个议题）", responses=STATE_PROBLEMS)
async def close_meeting(
    meeting_id: PathId, principal: Writer, response: Response, if_match: IfMatch = None
) -> MeetingDetail:
    with unit_of_work() as session:
        meeting = service.close_meeting(session, principal, meeting_id, if_match)
    set_etag(response, meeting.version)
    return meeting


@router.get("/meetings/{meeting_id}/topics", summary="例会议题列表")
async def list_topics(
    meeting_id: PathId, principal: Reader, query: Annotated[TopicListQuery, query_of(TopicListQuery)]
) -> Page[TopicRead]:
    with unit_of_work() as session:
        return service.list_topics(session, principal, meeting_id, query)


@router.post("/meetings/{meeting_id}/topics", summary="添加议题（例会召开前）", status_code=201)
async def add_topic(meeting_id: PathId, body: TopicCreate, principal: Writer, response: Response) -> TopicRead:
    with unit_of_work() as session:
        topic = service.add_topic(session, principal, meeting_id, body)
    created(response, f"/meetings/{meeting_id}/topics/{topic.id}", topic.version)
    return topic


@router.get("/meetings/{meeting_id}/topics/{topic_id}", summary="议题详情")
async def get_topic(meeting_id: PathId, topic_id: PathId, principal: Reader, response: Response) -> TopicRead:
    with unit_of_work() as session:
        topic = service.get_topic(session, principal, meeting_id, topic_id)
    set_etag(response, topic.version)
    return topic


@router.patch("/meetings/{meeting_id}/topics/{topic_id}", summary="修改议题（例会召开前）", responses=STATE_PROBLEMS)
async def update_topic(
    meeting_id: PathId,
    topic_id: PathId,
    body: TopicUpdate,
    principal: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> TopicRead:
    with unit_of_work() as session:
        topic = service.update_topic(session, principal, meeting_id, topic_id, body, if_match)
    set_etag(response, topic.version)
    return topic


@router.delete(
    "/meetings/{meeting_id}/topics/{topic_id}", summary="删除议题（例会召开前，且尚无任务）", status_code=204
)
async def delete_topic(meeting_id: PathId, topic_id: PathId, principal: Writer) -> Response:
    with unit_of_work() as session:
        service.delete_topic(session, principal, meeting_id, topic_id)
    return Response(status_code=204)


@router.get("/tasks", summary="例会分工任务列表（status=overdue 为已逾期）")
async def list_tasks(principal: Reader, query: Annotated[TaskListQuery, query_of(TaskListQuery)]) -> Page[TaskRead]:
    with unit_of_work() as session:
        return tasks.list_tasks(session, principal, query)


@router.post("/tasks", summary="为议题分工（社区党组织）", status_code=201)
async def create_task(body: TaskCreate, principal: Writer, response: Response) -> TaskRead:
    with unit_of_work() as session:
        task = tasks.create_task(session, principal, body)
    created(response, f"/tasks/{task.id}", task.version)
    return task


@router.get("/tasks/{task_id}", summary="任务详情")
async def get_task(task_id: PathId, principal: Reader, response: Response) -> TaskRead:
    with unit_of_work() as session:
        task = tasks.get_task(session, principal, task_id)
    set_etag(response, task.version)
    return task


@router.patch("/tasks/{task_id}", summary="修改任务（社区党组织）", responses=STATE_PROBLEMS)
async def update_task(
    task_id: PathId, body: TaskUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> TaskRead:
    with unit_of_work() as session:
        task = tasks.update_task(session, principal, task_id, body, if_match)
    set_etag(response, task.version)
    return task


@router.post("/tasks/{task_id}/start", summary="开始办理任务", responses=STATE_PROBLEMS)
async def start_task(
    task_id: PathId, body: TaskProgress, principal: Writer, response: Response, if_match: IfMatch = None
) -> TaskRead:
    with unit_of_work() as session:
        task = tasks.progress_task(session, principal, task_id, TaskStatus.in_progress, body.note, if_match)
    set_etag(response, task.version)
    return task


@router.post("/tasks/{task_id}/complete", summary="任务办结", responses=STATE_PROBLEMS)
async def complete_task(
    task_id: PathId, body: TaskComplete, principal: Writer, response: Response, if_match: IfMatch = None
) -> TaskRead:
    with unit_of_work() as session:
        task = tasks.progress_task(
            session, principal, task_id, TaskStatus.done, body.note, if_match, done_on=body.done_on
        )
    set_etag(response, task.version)
    return task
