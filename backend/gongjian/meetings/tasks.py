"""A meeting's tasks: reading them with their derived status, dividing the work, and reporting
progress.

`overdue` is never stored: a task past its due date (Asia/Shanghai) and not done reads as
`overdue`, computed in the query from today's date (`effective_status`), in lists, filters and
statistics alike.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, select
from sqlalchemy.orm import Session, joinedload

from gongjian.kit import audit
from gongjian.kit.calendar import business_date, local_today
from gongjian.kit.errors import not_found, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, page_of, read_rows
from gongjian.kit.principal import Principal
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.kit.transitions import check_move
from gongjian.meetings.permissions import (
    community_scope,
    require_may_progress,
    require_meeting_manager,
    task_scope,
)
from gongjian.meetings.schemas import TaskCreate, TaskListQuery, TaskRead, TaskUpdate
from gongjian.models import Meeting, MeetingTask, MeetingTopic
from gongjian.models.base import utcnow
from gongjian.models.enums import TASK_MOVES, AuditAction, TaskStatus

TASK_LABEL = "任务"
TASK_FIELDS = (
    "topic_id",
    "owner_org_id",
    "description",
    "due_on",
    "status",
    "progress_note",
    "done_on",
)
OWNER_GONE = "责任党组织不存在或已归档"


def effective_status(today: date) -> ColumnElement[str]:
    """SQL: the task's status as read today — `overdue` when past due and not done."""
    return case(
        (and_(MeetingTask.status != TaskStatus.done.value, MeetingTask.due_on < today), TaskStatus.overdue.value),
        else_=MeetingTask.status,
    )


TaskSelect = Select[MeetingTask, str, int, date, str]


def task_select() -> TaskSelect:
    return (
        select(
            MeetingTask,
            MeetingTopic.title.label("topic_title"),
            Meeting.id.label("meeting_id"),
            Meeting.held_on.label("meeting_held_on"),
            effective_status(local_today()).label("status"),
        )
        .join(MeetingTopic, MeetingTopic.id == MeetingTask.topic_id)
        .join(Meeting, Meeting.id == MeetingTopic.meeting_id)
        .options(joinedload(MeetingTask.owner_org))
    )


def task_reads(session: Session, stmt: TaskSelect) -> list[TaskRead]:
    return [_task_read(*row) for row in session.execute(stmt).all()]


def _task_read(task: MeetingTask, topic_title: str, meeting_id: int, held_on: date, status: str) -> TaskRead:
    values = {name: getattr(task, name) for name in TaskRead.model_fields if hasattr(task, name)}
    values.update(topic_title=topic_title, meeting_id=meeting_id, meeting_held_on=held_on, status=status)
    return TaskRead.model_validate(values)


def readable_tasks(principal: Principal) -> TaskSelect:
    stmt = task_select()
    scope = task_scope(principal)
    return stmt if scope is None else stmt.where(scope)


def list_tasks(session: Session, principal: Principal, query: TaskListQuery) -> Page[TaskRead]:
    # Built per request: the scope comes from the caller and the status from today's date.
    stmt = readable_tasks(principal)
    if query.meeting_id is not None:
        stmt = stmt.where(Meeting.id == query.meeting_id)
    if query.topic_id is not None:
        stmt = stmt.where(MeetingTask.topic_id == query.topic_id)
    if query.community_org_id is not None:
        stmt = stmt.where(Meeting.community_org_id == query.community_org_id)
    if query.owner_org_id is not None:
        stmt = stmt.where(MeetingTask.owner_org_id == query.owner_org_id)
    if query.status is not None:
        stmt = stmt.where(effective_status(local_today()) == query.status.value)
    if query.due_until is not None:
        stmt = stmt.where(MeetingTask.due_on <= query.due_until)
    descending = query.sort.value.startswith("-")
    column = MeetingTask.due_on if query.sort.value.lstrip("-") == "due_on" else MeetingTask.id
    stmt = stmt.order_by(
        column.desc() if descending else column.asc(), MeetingTask.id.desc() if descending else MeetingTask.id
    )
    # A select of the task entity and columns: each row comes back as a dict keyed by entity and label.
    rows, total = read_rows(stmt, query, session=session)  # type: ignore[arg-type]
    reads = [
        _task_read(row["MeetingTask"], row["topic_title"], row["meeting_id"], row["meeting_held_on"], row["status"])
        for row in rows
    ]
    return page_of(TaskRead, reads, total, query)


def get_task(session: Session, principal: Principal, task_id: int) -> TaskRead:
    rows = task_reads(session, readable_tasks(principal).where(MeetingTask.id == task_id))
    if not rows:
        raise not_found(TASK_LABEL)
    return rows[0]


def _task_row(session: Session, principal: Principal, task_id: int) -> tuple[MeetingTask, Meeting]:
    """The task the caller sees, locked for a change, with its meeting."""
    stmt = (
        select(MeetingTask)
        .join(MeetingTopic, MeetingTopic.id == MeetingTask.topic_id)
        .join(Meeting, Meeting.id == MeetingTopic.meeting_id)
        .where(MeetingTask.id == task_id)
    )
    scope = task_scope(principal)
    task: MeetingTask = one_or_404(
        session, stmt if scope is None else stmt.where(scope), TASK_LABEL, lock=True, of=MeetingTask
    )
    topic = session.get_one(MeetingTopic, task.topic_id)
    return task, session.get_one(Meeting, topic.meeting_id)


def _visible_meeting(session: Session, principal: Principal, meeting_id: int) -> Meeting | None:
    stmt = select(Meeting).where(Meeting.id == meeting_id)
    scope = community_scope(principal, Meeting.community_org_id)
    return session.execute(stmt if scope is None else stmt.where(scope)).scalar_one_or_none()


def create_task(session: Session, principal: Principal, data: TaskCreate) -> TaskRead:
    topic = session.get(MeetingTopic, data.topic_id)
    meeting = None if topic is None else _visible_meeting(session, principal, topic.meeting_id)
    if topic is None or meeting is None:
        raise unprocessable("topic_not_found", "议题不存在", field="body.topic_id")
    require_meeting_manager(principal, meeting.community_org_id)
    live_organization(session, data.owner_org_id, "body.owner_org_id", detail=OWNER_GONE)
    task = MeetingTask(
        topic_id=topic.id,
        owner_org_id=data.owner_org_id,
        description=data.description,
        due_on=data.due_on,
        status=TaskStatus.open.value,
    )
    session.add(task)
    session.flush()
    audit.record(session, principal, AuditAction.create, "meeting_task", task.id, audit.snapshot(task, TASK_FIELDS))
    return get_task(session, principal, task.id)


def update_task(
    session: Session, principal: Principal, task_id: int, data: TaskUpdate, if_match: str | None
) -> TaskRead:
    task, meeting = _task_row(session, principal, task_id)
    require_meeting_manager(principal, meeting.community_org_id)
    check_if_match(if_match, task.version)
    changes = data.model_dump(exclude_unset=True)
    if "owner_org_id" in changes:
        live_organization(session, changes["owner_org_id"], "body.owner_org_id", detail=OWNER_GONE)
    before = audit.snapshot(task, TASK_FIELDS)
    for name, value in changes.items():
        setattr(task, name, value)
    audit.finish_update(session, principal, "meeting_task", task, before, TASK_FIELDS)
    return get_task(session, principal, task.id)


def progress_task(
    session: Session,
    principal: Principal,
    task_id: int,
    target: TaskStatus,
    note: str,
    if_match: str | None,
    *,
    done_on: date | None = None,
) -> TaskRead:
    """open → in_progress (start) or open / in_progress → done (complete)."""
    task, meeting = _task_row(session, principal, task_id)
    require_may_progress(principal, task, meeting)
    check_if_match(if_match, task.version)
    check_move(TaskStatus(task.status), target, TASK_MOVES, "task_invalid_transition", noun="任务")
    before = audit.snapshot(task, TASK_FIELDS)
    task.status = target.value
    if note:
        task.progress_note = note
    if target is TaskStatus.in_progress:
        task.started_at = utcnow()
    else:
        task.done_at = utcnow()
        task.done_on = business_date(
            principal,
            done_on,
            at=task.done_at,
            field="body.done_on",
            not_before=meeting.held_on,
            not_before_label="例会日期",
        )
    audit.finish_update(session, principal, "meeting_task", task, before, TASK_FIELDS)
    return get_task(session, principal, task.id)
