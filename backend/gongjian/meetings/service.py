"""Joint meetings (联席会例会): one theme, 2–3 topics (hard problems), tasks dividing the work.

Rules
- A meeting is created `planned` by its community's admin (or a platform admin), and closed
  (`held`) only with 2 or 3 topics: `meeting_topic_count` (409) otherwise. Topics can be added,
  changed and removed only while the meeting is planned; tasks can be added at any time.
- A task moves open → in_progress → done (or straight to done). `overdue` is *derived*: a task
  whose due date (Asia/Shanghai) has passed and which is not done reads as `overdue`, in lists,
  filters and statistics alike. It is computed in the query from today's date (a SQL CASE), never
  stored, so there is no flag for a job to keep up to date and no stale figure.
- A meeting's detail lists the unfinished tasks of the community's earlier meetings
  (`carried_over_tasks`) — the previous meeting's, and any older ones still open, so a task left
  undone twice does not drop off the agenda.
- The task's owner organisation's admin may report progress (start, complete) on its own tasks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from gongjian.kit import audit
from gongjian.kit.calendar import local_today
from gongjian.kit.errors import conflict, forbidden, not_found, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import PageParams, count_of
from gongjian.kit.principal import Principal
from gongjian.kit.sorting import apply_sort
from gongjian.meetings.permissions import community_scope, manages_community
from gongjian.meetings.schemas import (
    MAX_TOPICS,
    MIN_TOPICS,
    MeetingCreate,
    MeetingDetail,
    MeetingRead,
    MeetingSort,
    MeetingUpdate,
    TaskCreate,
    TaskRead,
    TaskSort,
    TaskUpdate,
    TopicCreate,
    TopicUpdate,
)
from gongjian.models import Meeting, MeetingTask, MeetingTopic, Organization
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction, MeetingKind, MeetingStatus, OrganizationKind, Role, TaskStatus

MEETING_LABEL = "例会"
TOPIC_LABEL = "议题"
TASK_LABEL = "任务"
MEETING_FIELDS = ("community_org_id", "kind", "held_on", "theme", "attending_org_ids", "minutes", "status")
TOPIC_FIELDS = ("meeting_id", "title", "description")
TASK_FIELDS = ("topic_id", "owner_org_id", "description", "due_on", "status", "progress_note")


def effective_status(today: date) -> ColumnElement[str]:
    """SQL: the task's status as read today — `overdue` when past due and not done."""
    return case(
        (and_(MeetingTask.status != TaskStatus.done.value, MeetingTask.due_on < today), TaskStatus.overdue.value),
        else_=MeetingTask.status,
    )


# --- meetings ----------------------------------------------------------------------------------


def readable_meetings(principal: Principal) -> Select[Meeting]:
    stmt = select(Meeting).options(joinedload(Meeting.community_org))
    scope = community_scope(principal, Meeting.community_org_id)
    return stmt if scope is None else stmt.where(scope)


def _topic_counts(session: Session, meeting_ids: list[int]) -> dict[int, int]:
    if not meeting_ids:
        return {}
    rows = session.execute(
        select(MeetingTopic.meeting_id, func.count())
        .where(MeetingTopic.meeting_id.in_(meeting_ids))
        .group_by(MeetingTopic.meeting_id)
    ).all()
    return {int(m): int(n) for m, n in rows}


def _orgs(session: Session, ids: set[int]) -> dict[int, Organization]:
    if not ids:
        return {}
    return {o.id: o for o in session.execute(select(Organization).where(Organization.id.in_(ids))).scalars()}


def meeting_reads(session: Session, meetings: list[Meeting]) -> list[MeetingRead]:
    counts = _topic_counts(session, [m.id for m in meetings])
    orgs = _orgs(session, {i for m in meetings for i in m.attending_org_ids})
    reads = []
    for m in meetings:
        values = {name: getattr(m, name) for name in MeetingRead.model_fields if hasattr(m, name)}
        values["attending_orgs"] = [orgs[i] for i in m.attending_org_ids if i in orgs]
        values["topic_count"] = counts.get(m.id, 0)
        reads.append(MeetingRead.model_validate(values))
    return reads


def list_meetings(
    session: Session,
    principal: Principal,
    params: PageParams,
    *,
    community_org_id: int | None,
    kind: MeetingKind | None,
    status: MeetingStatus | None,
    held_from: date | None,
    held_until: date | None,
    sort: MeetingSort,
) -> tuple[list[MeetingRead], int]:
    stmt = readable_meetings(principal)
    if community_org_id is not None:
        stmt = stmt.where(Meeting.community_org_id == community_org_id)
    if kind is not None:
        stmt = stmt.where(Meeting.kind == kind.value)
    if status is not None:
        stmt = stmt.where(Meeting.status == status.value)
    if held_from is not None:
        stmt = stmt.where(Meeting.held_on >= held_from)
    if held_until is not None:
        stmt = stmt.where(Meeting.held_on <= held_until)
    stmt = apply_sort(stmt, sort.value, {"held_on": Meeting.held_on, "id": Meeting.id}, Meeting.id)
    total = count_of(session, stmt)
    rows = list(session.execute(stmt.limit(params.page_size).offset(params.offset)).scalars()) if total else []
    return meeting_reads(session, rows), total


def get_meeting(session: Session, principal: Principal, meeting_id: int, *, lock: bool = False) -> Meeting:
    stmt = readable_meetings(principal).where(Meeting.id == meeting_id)
    if lock:
        stmt = stmt.with_for_update(of=Meeting)
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise not_found(MEETING_LABEL)
    return row


def meeting_detail(session: Session, principal: Principal, meeting: Meeting) -> MeetingDetail:
    base = meeting_reads(session, [meeting])[0]
    topics = list(
        session.execute(
            select(MeetingTopic).where(MeetingTopic.meeting_id == meeting.id).order_by(MeetingTopic.id)
        ).scalars()
    )
    tasks = _task_reads(session, _task_select().where(MeetingTopic.meeting_id == meeting.id).order_by(MeetingTask.id))
    earlier = select(Meeting.id).where(
        Meeting.community_org_id == meeting.community_org_id,
        or_(Meeting.held_on < meeting.held_on, and_(Meeting.held_on == meeting.held_on, Meeting.id < meeting.id)),
    )
    carried = _task_reads(
        session,
        _task_select()
        .where(MeetingTopic.meeting_id.in_(earlier), MeetingTask.status != TaskStatus.done.value)
        .order_by(MeetingTask.due_on, MeetingTask.id),
    )
    topic_values = [
        {
            **{name: getattr(t, name) for name in ("id", "meeting_id", "title", "description", "created_at")},
            "updated_at": t.updated_at,
            "version": t.version,
            "tasks": [task for task in tasks if task.topic_id == t.id],
        }
        for t in topics
    ]
    return MeetingDetail.model_validate({**base.model_dump(), "topics": topic_values, "carried_over_tasks": carried})


def _require_manager(principal: Principal, community_org_id: int) -> None:
    if not manages_community(principal, community_org_id):
        raise forbidden("只有本社区党组织管理员或平台管理员可以管理例会")


def _check_orgs(session: Session, ids: list[int], field: str) -> list[int]:
    unique = list(dict.fromkeys(ids))
    found = set(
        session.execute(
            select(Organization.id).where(Organization.id.in_(unique), Organization.archived_at.is_(None))
        ).scalars()
    )
    if len(found) != len(unique):
        raise unprocessable("organization_not_found", "参会党组织不存在或已归档", field=field)
    return unique


def create_meeting(session: Session, principal: Principal, data: MeetingCreate) -> Meeting:
    if principal.is_admin:
        if data.community_org_id is None:
            raise unprocessable("organization_required", "平台管理员须指定社区", field="body.community_org_id")
        community_id = data.community_org_id
    elif principal.role is Role.community_admin and principal.organization_id is not None:
        community_id = data.community_org_id or principal.organization_id
    else:
        raise forbidden("例会由社区党组织召集")
    _require_manager(principal, community_id)
    community = session.get(Organization, community_id)
    if community is None or community.archived_at is not None:
        raise unprocessable("organization_not_found", "党组织不存在或已归档", field="body.community_org_id")
    if community.kind != OrganizationKind.community.value:
        raise unprocessable("wrong_organization_kind", "例会须由社区党组织召集", field="body.community_org_id")
    meeting = Meeting(
        community_org_id=community.id,
        kind=data.kind.value,
        held_on=data.held_on,
        theme=data.theme,
        attending_org_ids=_check_orgs(session, data.attending_org_ids, "body.attending_org_ids"),
        minutes=data.minutes,
        status=MeetingStatus.planned.value,
        created_by=principal.key,
    )
    session.add(meeting)
    session.flush()
    audit.record(session, principal, AuditAction.create, "meeting", meeting.id, audit.snapshot(meeting, MEETING_FIELDS))
    return get_meeting(session, principal, meeting.id)


def update_meeting(
    session: Session, principal: Principal, meeting_id: int, data: MeetingUpdate, if_match: str | None
) -> Meeting:
    meeting = get_meeting(session, principal, meeting_id, lock=True)
    _require_manager(principal, meeting.community_org_id)
    check_if_match(if_match, meeting.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if meeting.status == MeetingStatus.held.value and changes.keys() - {"minutes", "attending_org_ids"}:
        raise conflict("meeting_held", "例会已召开，只能修改会议纪要和参会组织")
    if "attending_org_ids" in changes:
        changes["attending_org_ids"] = _check_orgs(session, changes["attending_org_ids"], "body.attending_org_ids")
    if "kind" in changes:
        changes["kind"] = MeetingKind(changes["kind"]).value
    before = audit.snapshot(meeting, MEETING_FIELDS)
    for name, value in changes.items():
        setattr(meeting, name, value)
    audit.finish_update(session, principal, "meeting", meeting, before, MEETING_FIELDS)
    return meeting


def close_meeting(session: Session, principal: Principal, meeting_id: int, if_match: str | None) -> Meeting:
    meeting = get_meeting(session, principal, meeting_id, lock=True)
    _require_manager(principal, meeting.community_org_id)
    check_if_match(if_match, meeting.version)
    if meeting.status == MeetingStatus.held.value:
        raise conflict("meeting_held", "例会已召开")
    topics = _topic_counts(session, [meeting.id]).get(meeting.id, 0)
    if not MIN_TOPICS <= topics <= MAX_TOPICS:
        raise conflict(
            "meeting_topic_count",
            f"每次例会重点研究 {MIN_TOPICS}–{MAX_TOPICS} 个需要协调解决的难题，当前有 {topics} 个议题",
        )
    before = audit.snapshot(meeting, MEETING_FIELDS)
    meeting.status = MeetingStatus.held.value
    meeting.closed_at = utcnow()
    audit.finish_update(session, principal, "meeting", meeting, before, MEETING_FIELDS)
    return meeting


# --- topics ------------------------------------------------------------------------------------


def list_topics(
    session: Session, principal: Principal, meeting_id: int, params: PageParams
) -> tuple[list[MeetingTopic], int]:
    meeting = get_meeting(session, principal, meeting_id)
    stmt = select(MeetingTopic).where(MeetingTopic.meeting_id == meeting.id).order_by(MeetingTopic.id)
    total = count_of(session, stmt)
    return list(session.execute(stmt.limit(params.page_size).offset(params.offset)).scalars()), total


def _planned_meeting(session: Session, principal: Principal, meeting_id: int) -> Meeting:
    meeting = get_meeting(session, principal, meeting_id, lock=True)
    _require_manager(principal, meeting.community_org_id)
    if meeting.status == MeetingStatus.held.value:
        raise conflict("meeting_held", "例会已召开，议题不能再增删改")
    return meeting


def add_topic(session: Session, principal: Principal, meeting_id: int, data: TopicCreate) -> MeetingTopic:
    meeting = _planned_meeting(session, principal, meeting_id)
    topic = MeetingTopic(meeting_id=meeting.id, title=data.title, description=data.description)
    session.add(topic)
    session.flush()
    audit.record(session, principal, AuditAction.create, "meeting_topic", topic.id, audit.snapshot(topic, TOPIC_FIELDS))
    return topic


def _topic_of(session: Session, meeting: Meeting, topic_id: int) -> MeetingTopic:
    topic = session.execute(
        select(MeetingTopic).where(MeetingTopic.id == topic_id, MeetingTopic.meeting_id == meeting.id)
    ).scalar_one_or_none()
    if topic is None:
        raise not_found(TOPIC_LABEL)
    return topic


def get_topic(session: Session, principal: Principal, meeting_id: int, topic_id: int) -> MeetingTopic:
    return _topic_of(session, get_meeting(session, principal, meeting_id), topic_id)


def update_topic(
    session: Session, principal: Principal, meeting_id: int, topic_id: int, data: TopicUpdate, if_match: str | None
) -> MeetingTopic:
    meeting = _planned_meeting(session, principal, meeting_id)
    topic = _topic_of(session, meeting, topic_id)
    check_if_match(if_match, topic.version)
    before = audit.snapshot(topic, TOPIC_FIELDS)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(topic, name, value)
    audit.finish_update(session, principal, "meeting_topic", topic, before, TOPIC_FIELDS)
    return topic


def delete_topic(session: Session, principal: Principal, meeting_id: int, topic_id: int) -> None:
    meeting = _planned_meeting(session, principal, meeting_id)
    topic = _topic_of(session, meeting, topic_id)
    if session.execute(select(MeetingTask.id).where(MeetingTask.topic_id == topic.id)).first() is not None:
        raise conflict("topic_has_tasks", "该议题已有分工任务，不能删除")
    snapshot = audit.snapshot(topic, TOPIC_FIELDS)
    session.delete(topic)
    session.flush()
    audit.record(session, principal, AuditAction.delete, "meeting_topic", topic_id, snapshot)


# --- tasks -------------------------------------------------------------------------------------


TaskSelect = Select[MeetingTask, str, int, date, str]


def _task_select() -> TaskSelect:
    return (
        select(MeetingTask, MeetingTopic.title, Meeting.id, Meeting.held_on, effective_status(local_today()))
        .join(MeetingTopic, MeetingTopic.id == MeetingTask.topic_id)
        .join(Meeting, Meeting.id == MeetingTopic.meeting_id)
        .options(joinedload(MeetingTask.owner_org))
    )


def _task_reads(session: Session, stmt: TaskSelect) -> list[TaskRead]:
    reads = []
    for task, topic_title, meeting_id, held_on, status in session.execute(stmt).all():
        values = {name: getattr(task, name) for name in TaskRead.model_fields if hasattr(task, name)}
        values.update(topic_title=topic_title, meeting_id=meeting_id, meeting_held_on=held_on, status=status)
        reads.append(TaskRead.model_validate(values))
    return reads


def _task_scope(principal: Principal) -> ColumnElement[bool] | None:
    scope = community_scope(principal, Meeting.community_org_id)
    if scope is None:
        return None
    if principal.is_org_admin:
        return or_(scope, MeetingTask.owner_org_id == principal.organization_id)
    return scope


def readable_tasks(principal: Principal) -> TaskSelect:
    stmt = _task_select()
    scope = _task_scope(principal)
    return stmt if scope is None else stmt.where(scope)


def list_tasks(
    session: Session,
    principal: Principal,
    params: PageParams,
    *,
    meeting_id: int | None,
    topic_id: int | None,
    community_org_id: int | None,
    owner_org_id: int | None,
    status: TaskStatus | None,
    due_until: date | None,
    sort: TaskSort,
) -> tuple[list[TaskRead], int]:
    stmt = readable_tasks(principal)
    if meeting_id is not None:
        stmt = stmt.where(Meeting.id == meeting_id)
    if topic_id is not None:
        stmt = stmt.where(MeetingTask.topic_id == topic_id)
    if community_org_id is not None:
        stmt = stmt.where(Meeting.community_org_id == community_org_id)
    if owner_org_id is not None:
        stmt = stmt.where(MeetingTask.owner_org_id == owner_org_id)
    if status is not None:
        stmt = stmt.where(effective_status(local_today()) == status.value)
    if due_until is not None:
        stmt = stmt.where(MeetingTask.due_on <= due_until)
    descending = sort.value.startswith("-")
    column = MeetingTask.due_on if sort.value.lstrip("-") == "due_on" else MeetingTask.id
    stmt = stmt.order_by(
        column.desc() if descending else column.asc(), MeetingTask.id.desc() if descending else MeetingTask.id
    )
    total = count_of(session, stmt)  # type: ignore[arg-type]
    if total == 0:
        return [], total
    return _task_reads(session, stmt.limit(params.page_size).offset(params.offset)), total


def get_task(session: Session, principal: Principal, task_id: int) -> TaskRead:
    rows = _task_reads(session, readable_tasks(principal).where(MeetingTask.id == task_id))
    if not rows:
        raise not_found(TASK_LABEL)
    return rows[0]


def _task_row(session: Session, principal: Principal, task_id: int) -> tuple[MeetingTask, Meeting]:
    get_task(session, principal, task_id)  # visibility
    task = session.execute(select(MeetingTask).where(MeetingTask.id == task_id).with_for_update()).scalar_one()
    topic = session.get_one(MeetingTopic, task.topic_id)
    return task, session.get_one(Meeting, topic.meeting_id)


def _owner_org(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or org.archived_at is not None:
        raise unprocessable("organization_not_found", "责任党组织不存在或已归档", field="body.owner_org_id")
    return org


def create_task(session: Session, principal: Principal, data: TaskCreate) -> TaskRead:
    topic = session.get(MeetingTopic, data.topic_id)
    meeting = (
        None
        if topic is None
        else session.execute(readable_meetings(principal).where(Meeting.id == topic.meeting_id)).scalar_one_or_none()
    )
    if topic is None or meeting is None:
        raise unprocessable("topic_not_found", "议题不存在", field="body.topic_id")
    _require_manager(principal, meeting.community_org_id)
    _owner_org(session, data.owner_org_id)
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
    _require_manager(principal, meeting.community_org_id)
    check_if_match(if_match, task.version)
    changes = data.model_dump(exclude_unset=True)
    if "owner_org_id" in changes:
        _owner_org(session, changes["owner_org_id"])
    before = audit.snapshot(task, TASK_FIELDS)
    for name, value in changes.items():
        setattr(task, name, value)
    audit.finish_update(session, principal, "meeting_task", task, before, TASK_FIELDS)
    return get_task(session, principal, task.id)


def _may_progress(principal: Principal, task: MeetingTask, meeting: Meeting) -> bool:
    return manages_community(principal, meeting.community_org_id) or (
        principal.is_org_admin and principal.organization_id == task.owner_org_id
    )


def progress_task(
    session: Session, principal: Principal, task_id: int, target: TaskStatus, note: str, if_match: str | None
) -> TaskRead:
    """open → in_progress (start) or open / in_progress → done (complete)."""
    task, meeting = _task_row(session, principal, task_id)
    if not _may_progress(principal, task, meeting):
        raise forbidden("只有社区管理员或任务责任组织的管理员可以更新任务进展")
    check_if_match(if_match, task.version)
    allowed = {TaskStatus.in_progress: {TaskStatus.open}, TaskStatus.done: {TaskStatus.open, TaskStatus.in_progress}}
    current = TaskStatus(task.status)
    if current not in allowed[target]:
        raise conflict(
            "task_invalid_transition",
            f"任务当前为“{TaskStatus.label_of(current)}”，不能改为“{TaskStatus.label_of(target)}”",
        )
    before = audit.snapshot(task, TASK_FIELDS)
    task.status = target.value
    if note:
        task.progress_note = note
    if target is TaskStatus.in_progress:
        task.started_at = utcnow()
    else:
        task.done_at = utcnow()
    audit.finish_update(session, principal, "meeting_task", task, before, TASK_FIELDS)
    return get_task(session, principal, task.id)
