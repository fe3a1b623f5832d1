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

Meetings and their topics live here, tasks in `tasks.py`, who may do what in `permissions.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from gongjian.kit import audit
from gongjian.kit.errors import ProblemError, conflict, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, cached_select, page_of, read_page, read_rows
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.meetings.permissions import (
    community_scope,
    convening_community,
    manages_community,
    require_meeting_manager,
)
from gongjian.meetings.schemas import (
    MAX_TOPICS,
    MIN_TOPICS,
    MeetingCreate,
    MeetingDetail,
    MeetingListQuery,
    MeetingRead,
    MeetingUpdate,
    TopicCreate,
    TopicListQuery,
    TopicRead,
    TopicUpdate,
)
from gongjian.meetings.tasks import task_reads, task_select
from gongjian.models import Meeting, MeetingTask, MeetingTopic, Organization
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction, MeetingKind, MeetingStatus, OrganizationKind, TaskStatus

MEETING_LABEL = "例会"
TOPIC_LABEL = "议题"
MEETING_FIELDS = ("community_org_id", "kind", "held_on", "theme", "attending_org_ids", "minutes", "status")
TOPIC_FIELDS = ("meeting_id", "title", "description")


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


def _orgs(session: Session, ids: set[int]) -> dict[int, Any]:
    """The organisations' references (id, name, kind) by id, in one query."""
    if not ids:
        return {}
    stmt = select(Organization.id, Organization.name, Organization.kind).where(Organization.id.in_(ids))
    return {o.id: o for o in session.execute(stmt)}


def _close_refusal(meeting: Meeting, topics: int) -> ProblemError | None:
    """Why the meeting can't be closed (marked held) now; None: it can."""
    if meeting.status == MeetingStatus.held.value:
        return conflict("meeting_held", "例会已召开")
    if not MIN_TOPICS <= topics <= MAX_TOPICS:
        return conflict(
            "meeting_topic_count",
            f"每次例会重点研究 {MIN_TOPICS}–{MAX_TOPICS} 个需要协调解决的难题，当前有 {topics} 个议题",
        )
    return None


def _actions(principal: Principal, meeting: Meeting, topics: int) -> tuple[list[str], list[dict[str, str]]]:
    """What the caller may do to the meeting now, and what its role could do but not yet (closing it
    with too few or too many topics), with why: the read schema's `allowed_actions`/`blocked_actions`."""
    if not manages_community(principal, meeting.community_org_id):
        return [], []
    planned = meeting.status == MeetingStatus.planned.value
    allowed = ["edit", *(["edit_plan", "manage_topics"] if planned else []), "add_task"]
    blocked = []
    refusal = _close_refusal(meeting, topics)
    if refusal is None:
        allowed.append("close")
    elif planned:
        blocked.append({"action": "close", "reason": refusal.detail or ""})
    return allowed, blocked


def meeting_reads(session: Session, principal: Principal, meetings: Sequence[Any]) -> list[MeetingRead]:
    """Meetings (entities, or a list page's rows read by attribute) as the caller reads them."""
    counts = _topic_counts(session, [m.id for m in meetings])
    # The communities with the attending organisations, in one query.
    orgs = _orgs(session, {i for m in meetings for i in m.attending_org_ids} | {m.community_org_id for m in meetings})
    reads = []
    for m in meetings:
        values = {name: getattr(m, name) for name in MeetingRead.model_fields if hasattr(m, name)}
        values["community_org"] = orgs[m.community_org_id]
        values["attending_orgs"] = [orgs[i] for i in m.attending_org_ids if i in orgs]
        values["topic_count"] = counts.get(m.id, 0)
        values["allowed_actions"], values["blocked_actions"] = _actions(principal, m, values["topic_count"])
        reads.append(MeetingRead.model_validate(values))
    return reads


def list_meetings(session: Session, principal: Principal, query: MeetingListQuery) -> Page[MeetingRead]:
    rows, total = read_rows(_meetings_matching(query, principal), query, session=session)
    return page_of(
        MeetingRead, meeting_reads(session, principal, [SimpleNamespace(**row) for row in rows]), total, query
    )


@cached_select()
def _meetings_matching(query: MeetingListQuery, principal: Principal) -> Select[Any]:
    """The list's select of columns, built once per caller and filters (no join: the communities
    are read with the page's attending organisations)."""
    stmt = select(Meeting.__table__)
    scope = community_scope(principal, Meeting.community_org_id)
    if scope is not None:
        stmt = stmt.where(scope)
    if query.community_org_id is not None:
        stmt = stmt.where(Meeting.community_org_id == query.community_org_id)
    if query.kind is not None:
        stmt = stmt.where(Meeting.kind == query.kind.value)
    if query.status is not None:
        stmt = stmt.where(Meeting.status == query.status.value)
    if query.held_from is not None:
        stmt = stmt.where(Meeting.held_on >= query.held_from)
    if query.held_until is not None:
        stmt = stmt.where(Meeting.held_on <= query.held_until)
    return apply_sort(stmt, query.sort.value, {"held_on": Meeting.held_on, "id": Meeting.id}, Meeting.id)


def _meeting(session: Session, principal: Principal, meeting_id: int, *, lock: bool = False) -> Meeting:
    stmt = readable_meetings(principal).where(Meeting.id == meeting_id)
    row: Meeting = one_or_404(session, stmt, MEETING_LABEL, lock=lock, of=Meeting)
    return row


def get_meeting(session: Session, principal: Principal, meeting_id: int) -> MeetingDetail:
    return _detail(session, principal, _meeting(session, principal, meeting_id))


def _detail(session: Session, principal: Principal, meeting: Meeting) -> MeetingDetail:
    session.flush()
    base = meeting_reads(session, principal, [meeting])[0]
    topics = list(
        session.execute(
            select(MeetingTopic).where(MeetingTopic.meeting_id == meeting.id).order_by(MeetingTopic.id)
        ).scalars()
    )
    tasks = task_reads(session, task_select().where(MeetingTopic.meeting_id == meeting.id).order_by(MeetingTask.id))
    earlier = select(Meeting.id).where(
        Meeting.community_org_id == meeting.community_org_id,
        or_(Meeting.held_on < meeting.held_on, and_(Meeting.held_on == meeting.held_on, Meeting.id < meeting.id)),
    )
    carried = task_reads(
        session,
        task_select()
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


def _attending(session: Session, ids: list[int]) -> list[int]:
    """The attending organisations, each once, in the order given; all must exist and be live."""
    unique = list(dict.fromkeys(ids))
    for org_id in unique:
        live_organization(session, org_id, "body.attending_org_ids", detail="参会党组织不存在或已归档")
    return unique


def create_meeting(session: Session, principal: Principal, data: MeetingCreate) -> MeetingDetail:
    community_id = convening_community(principal, data.community_org_id)
    community = live_organization(session, community_id, "body.community_org_id")
    if community.kind != OrganizationKind.community.value:
        raise unprocessable("wrong_organization_kind", "例会须由社区党组织召集", field="body.community_org_id")
    meeting = Meeting(
        community_org_id=community.id,
        kind=data.kind.value,
        held_on=data.held_on,
        theme=data.theme,
        attending_org_ids=_attending(session, data.attending_org_ids),
        minutes=data.minutes,
        status=MeetingStatus.planned.value,
        **stamp(principal, "created"),
    )
    session.add(meeting)
    session.flush()
    audit.record(session, principal, AuditAction.create, "meeting", meeting.id, audit.snapshot(meeting, MEETING_FIELDS))
    return get_meeting(session, principal, meeting.id)


def update_meeting(
    session: Session, principal: Principal, meeting_id: int, data: MeetingUpdate, if_match: str | None
) -> MeetingDetail:
    meeting = _meeting(session, principal, meeting_id, lock=True)
    require_meeting_manager(principal, meeting.community_org_id)
    check_if_match(if_match, meeting.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if meeting.status == MeetingStatus.held.value and changes.keys() - {"minutes", "attending_org_ids"}:
        raise conflict("meeting_held", "例会已召开，只能修改会议纪要和参会组织")
    if "attending_org_ids" in changes:
        changes["attending_org_ids"] = _attending(session, changes["attending_org_ids"])
    if "kind" in changes:
        changes["kind"] = MeetingKind(changes["kind"]).value
    before = audit.snapshot(meeting, MEETING_FIELDS)
    for name, value in changes.items():
        setattr(meeting, name, value)
    audit.finish_update(session, principal, "meeting", meeting, before, MEETING_FIELDS)
    return _detail(session, principal, meeting)


def close_meeting(session: Session, principal: Principal, meeting_id: int, if_match: str | None) -> MeetingDetail:
    meeting = _meeting(session, principal, meeting_id, lock=True)
    require_meeting_manager(principal, meeting.community_org_id)
    check_if_match(if_match, meeting.version)
    refusal = _close_refusal(meeting, _topic_counts(session, [meeting.id]).get(meeting.id, 0))
    if refusal is not None:
        raise refusal
    before = audit.snapshot(meeting, MEETING_FIELDS)
    meeting.status = MeetingStatus.held.value
    meeting.closed_at = utcnow()
    audit.finish_update(session, principal, "meeting", meeting, before, MEETING_FIELDS)
    return _detail(session, principal, meeting)


# --- topics ------------------------------------------------------------------------------------


def list_topics(session: Session, principal: Principal, meeting_id: int, query: TopicListQuery) -> Page[TopicRead]:
    meeting = _meeting(session, principal, meeting_id)
    stmt = select(MeetingTopic).where(MeetingTopic.meeting_id == meeting.id).order_by(MeetingTopic.id)
    return read_page(stmt, query, TopicRead, session=session)


def _planned_meeting(session: Session, principal: Principal, meeting_id: int) -> Meeting:
    meeting = _meeting(session, principal, meeting_id, lock=True)
    require_meeting_manager(principal, meeting.community_org_id)
    if meeting.status == MeetingStatus.held.value:
        raise conflict("meeting_held", "例会已召开，议题不能再增删改")
    return meeting


def add_topic(session: Session, principal: Principal, meeting_id: int, data: TopicCreate) -> TopicRead:
    meeting = _planned_meeting(session, principal, meeting_id)
    topic = MeetingTopic(meeting_id=meeting.id, title=data.title, description=data.description)
    session.add(topic)
    session.flush()
    audit.record(session, principal, AuditAction.create, "meeting_topic", topic.id, audit.snapshot(topic, TOPIC_FIELDS))
    return TopicRead.model_validate(topic)


def _topic_of(session: Session, meeting: Meeting, topic_id: int) -> MeetingTopic:
    stmt = select(MeetingTopic).where(MeetingTopic.id == topic_id, MeetingTopic.meeting_id == meeting.id)
    topic: MeetingTopic = one_or_404(session, stmt, TOPIC_LABEL)
    return topic


def get_topic(session: Session, principal: Principal, meeting_id: int, topic_id: int) -> TopicRead:
    return TopicRead.model_validate(_topic_of(session, _meeting(session, principal, meeting_id), topic_id))


def update_topic(
    session: Session, principal: Principal, meeting_id: int, topic_id: int, data: TopicUpdate, if_match: str | None
) -> TopicRead:
    meeting = _planned_meeting(session, principal, meeting_id)
    topic = _topic_of(session, meeting, topic_id)
    check_if_match(if_match, topic.version)
    before = audit.snapshot(topic, TOPIC_FIELDS)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(topic, name, value)
    audit.finish_update(session, principal, "meeting_topic", topic, before, TOPIC_FIELDS)
    return TopicRead.model_validate(topic)


def delete_topic(session: Session, principal: Principal, meeting_id: int, topic_id: int) -> None:
    meeting = _planned_meeting(session, principal, meeting_id)
    topic = _topic_of(session, meeting, topic_id)
    if session.execute(select(MeetingTask.id).where(MeetingTask.topic_id == topic.id)).first() is not None:
        raise conflict("topic_has_tasks", "该议题已有分工任务，不能删除")
    snapshot = audit.snapshot(topic, TOPIC_FIELDS)
    session.delete(topic)
    session.flush()
    audit.record(session, principal, AuditAction.delete, "meeting_topic", topic_id, snapshot)
