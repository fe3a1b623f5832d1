"""Annual figures a community reports upward. Every figure is counted by the database from the
records themselves at the moment of the request — nothing is stored or cached — so a changed record
changes the figure at once.

Periods are calendar years in Asia/Shanghai: activities by their start, volunteer hours by the
service's end, wishes by the business dates of registration and fulfilment, claims by the claim's
business date, meetings by the day held, concerns by the business date reported, honours by the
day awarded. Business dates (kit/calendar.py) are the local day of the step unless an admin
entered an earlier one, so a year entered afterwards from paper counts as if entered live.
Cancelled activities don't count. "Overdue" tasks and concerns are as of today (derived, like
everywhere else).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gongjian.claims.summary import claims_summary
from gongjian.concerns.service import overdue_condition
from gongjian.kit.calendar import local_date, local_today, year_bounds
from gongjian.kit.principal import SYSTEM, Principal
from gongjian.kit.rows import one_or_404
from gongjian.kit.spreadsheet import Sheet, xlsx
from gongjian.meetings.permissions import community_scope
from gongjian.meetings.tasks import effective_status
from gongjian.models import (
    Activity,
    ActivitySignup,
    Concern,
    Honor,
    Meeting,
    MeetingTask,
    MeetingTopic,
    Member,
    Organization,
    VolunteerRecord,
    Wish,
)
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    ActivityKind,
    ActivityStatus,
    ClaimStatus,
    ConcernStatus,
    HonorLevel,
    MeetingKind,
    MeetingStatus,
    OrganizationKind,
    ServiceCategoryCode,
    TaskStatus,
)
from gongjian.stats.schemas import AnnualStats
from gongjian.volunteering.records import counted_records as counted_hours
from gongjian.wishes.service import wishes_summary

COMMUNITY_LABEL = "社区"


def _community(session: Session, principal: Principal, community_id: int) -> Organization:
    stmt = select(Organization).where(
        Organization.id == community_id, Organization.kind == OrganizationKind.community.value
    )
    scope = community_scope(principal, Organization.id)
    if scope is not None:
        stmt = stmt.where(scope)
    org: Organization = one_or_404(session, stmt, COMMUNITY_LABEL)
    return org


def _activities(session: Session, community_id: int, year: int) -> list[dict[str, Any]]:
    checked_in = (
        select(func.count())
        .where(ActivitySignup.activity_id == Activity.id, ActivitySignup.checked_in_at.is_not(None))
        .scalar_subquery()
    )
    since, until = year_bounds(year)
    rows = session.execute(
        select(Activity.kind, func.count(Activity.id), func.coalesce(func.sum(checked_in + Activity.guest_count), 0))
        .where(
            Activity.community_org_id == community_id,
            Activity.status != ActivityStatus.cancelled.value,
            Activity.starts_at >= since,
            Activity.starts_at < until,
        )
        .group_by(Activity.kind)
    ).all()
    found = {kind: (int(n), int(times)) for kind, n, times in rows}
    return [
        {"kind": k, "activities": found.get(k.value, (0, 0))[0], "participant_times": found.get(k.value, (0, 0))[1]}
        for k in ActivityKind
    ]


def _hours(session: Session, community_id: int, year: int) -> tuple[int, int]:
    since, until = year_bounds(year)
    half, records = session.execute(
        select(func.coalesce(func.sum(VolunteerRecord.half_hours), 0), func.count(VolunteerRecord.id))
        .join(Member, Member.id == VolunteerRecord.member_id)
        .where(
            Member.community_org_id == community_id,
            counted_hours(),
            VolunteerRecord.ended_at >= since,
            VolunteerRecord.ended_at < until,
        )
    ).one()
    return int(half), int(records)


def _activity_hours(session: Session, community_id: int, year: int) -> tuple[int, int]:
    """Approved half hours served at the community's activities, by anyone, and of these by members
    of other communities (neighbours): the activities' own figures, whoever took part. Each record
    belongs to one activity in one community, so these add up across communities like the hours
    of their own members do."""
    since, until = year_bounds(year)
    neighbour = Member.community_org_id != community_id
    half, neighbours = session.execute(
        select(
            func.coalesce(func.sum(VolunteerRecord.half_hours), 0),
            func.coalesce(func.sum(case((neighbour, VolunteerRecord.half_hours), else_=0)), 0),
        )
        .join(Activity, Activity.id == VolunteerRecord.activity_id)
        .join(Member, Member.id == VolunteerRecord.member_id)
        .where(
            Activity.community_org_id == community_id,
            counted_hours(),
            VolunteerRecord.ended_at >= since,
            VolunteerRecord.ended_at < until,
        )
    ).one()
    return int(half), int(neighbours)


def _claims(session: Session, community_id: int, year: int) -> dict[str, Any]:
    """Needs the community posted (claimed by units) and unit resources the community claimed."""
    since, until = date(year, 1, 1), date(year, 12, 31)
    counts: dict[tuple[ServiceCategoryCode, ClaimStatus], int] = {}
    for summary in (
        claims_summary(session, SYSTEM, organization_id=None, provider_org_id=community_id, since=since, until=until),
        claims_summary(session, SYSTEM, organization_id=community_id, provider_org_id=None, since=since, until=until),
    ):
        for row in summary.by_category_and_status:
            counts[(row.category, row.status)] = counts.get((row.category, row.status), 0) + row.count
    return {
        "total": sum(counts.values()),
        "by_category_and_status": [
            {"category": c, "status": s, "count": counts[(c, s)]}
            for c in ServiceCategoryCode
            for s in ClaimStatus
            if (c, s) in counts
        ],
    }


def _meetings(session: Session, community_id: int, year: int) -> dict[str, Any]:
    held = select(Meeting.id).where(
        Meeting.community_org_id == community_id,
        Meeting.status == MeetingStatus.held.value,
        Meeting.held_on >= date(year, 1, 1),
        Meeting.held_on <= date(year, 12, 31),
    )
    by_kind = dict(
        session.execute(select(Meeting.kind, func.count()).where(Meeting.id.in_(held)).group_by(Meeting.kind)).all()
    )
    topics = session.execute(
        select(func.count()).select_from(MeetingTopic).where(MeetingTopic.meeting_id.in_(held))
    ).scalar_one()
    status = effective_status(local_today())
    tasks = dict(
        session.execute(
            select(status, func.count())
            .join(MeetingTopic, MeetingTopic.id == MeetingTask.topic_id)
            .where(MeetingTopic.meeting_id.in_(held))
            .group_by(status)
        ).all()
    )
    return {
        "held": sum(int(n) for n in by_kind.values()),
        "by_kind": [{"kind": k, "count": int(by_kind.get(k.value, 0))} for k in MeetingKind],
        "topics": int(topics),
        "tasks_done": int(tasks.get(TaskStatus.done.value, 0)),
        "tasks_open": int(tasks.get(TaskStatus.open.value, 0)),
        "tasks_in_progress": int(tasks.get(TaskStatus.in_progress.value, 0)),
        "tasks_overdue": int(tasks.get(TaskStatus.overdue.value, 0)),
    }


def _concerns(session: Session, community_id: int, year: int) -> dict[str, int]:
    resolved = Concern.status == ConcernStatus.resolved.value

    def total(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            func.count(Concern.id),
            total(resolved),
            total(resolved & Concern.escalated_to.is_(None)),
            total(Concern.escalated_to.is_not(None)),
            total(~resolved),
            total(overdue_condition(local_today())),
        ).where(
            Concern.community_org_id == community_id,
            Concern.reported_on >= date(year, 1, 1),
            Concern.reported_on <= date(year, 12, 31),
            # A concern its resident withdrew before the community took it up is not the community's.
            Concern.status != ConcernStatus.cancelled.value,
        )
    ).one()
    keys = ("reported", "resolved", "resolved_locally", "escalated", "open", "overdue")
    return {k: int(v) for k, v in zip(keys, row, strict=True)}


def _honors(session: Session, community_id: int, year: int) -> dict[str, Any]:
    rows = list(
        session.execute(
            select(Honor)
            .where(
                Honor.community_org_id == community_id,
                Honor.awarded_on >= date(year, 1, 1),
                Honor.awarded_on <= date(year, 12, 31),
            )
            .order_by(Honor.awarded_on, Honor.id)
        ).scalars()
    )
    return {"count": len(rows), "items": rows}


def _latest_year(session: Session, community_id: int) -> int | None:
    """The latest local year, up to today, in which the community has anything on record: one
    query, the latest moment of each kind of record as a scalar subquery."""
    now = utcnow()
    today = local_today()
    moments = session.execute(
        select(
            select(func.max(Activity.starts_at))
            .where(
                Activity.community_org_id == community_id,
                Activity.status != ActivityStatus.cancelled.value,
                Activity.starts_at <= now,
            )
            .scalar_subquery(),
            select(func.max(VolunteerRecord.ended_at))
            .join(Member, Member.id == VolunteerRecord.member_id)
            .where(Member.community_org_id == community_id, counted_hours(), VolunteerRecord.ended_at <= now)
            .scalar_subquery(),
            # Concerns and wishes count on their business dates, as the report itself does.
            select(func.max(Concern.reported_on))
            .where(Concern.community_org_id == community_id, Concern.reported_on <= today)
            .scalar_subquery(),
            select(func.max(Wish.registered_on))
            .where(Wish.community_org_id == community_id, Wish.registered_on <= today)
            .scalar_subquery(),
            select(func.max(Meeting.held_on))
            .where(Meeting.community_org_id == community_id, Meeting.held_on <= today)
            .scalar_subquery(),
        )
    ).one()
    years = [local_date(m).year for m in moments[:2] if m is not None]
    years += [day.year for day in moments[2:] if day is not None]
    return max(years, default=None)


def annual(session: Session, principal: Principal, *, year: int, community_id: int) -> AnnualStats:
    community = _community(session, principal, community_id)
    activities = _activities(session, community.id, year)
    volunteer = next(a for a in activities if a["kind"] is ActivityKind.volunteer_service)
    half, records = _hours(session, community.id, year)
    at_activities, by_neighbours = _activity_hours(session, community.id, year)
    wishes = wishes_summary(
        session, SYSTEM, community_org_id=community.id, since=date(year, 1, 1), until=date(year, 12, 31)
    )
    return AnnualStats.model_validate(
        {
            "year": year,
            "community": community,
            "latest_year": _latest_year(session, community.id),
            "activities_by_kind": activities,
            "volunteer": {
                "collective_activities": volunteer["activities"],
                "participant_times": volunteer["participant_times"],
                "approved_hours": half / 2,
                "approved_records": records,
                "activity_hours": at_activities / 2,
                "neighbour_hours": by_neighbours / 2,
            },
            "wishes": {"submitted": wishes.submitted, "fulfilled": wishes.fulfilled},
            "claims": _claims(session, community.id, year),
            "meetings": _meetings(session, community.id, year),
            "concerns": _concerns(session, community.id, year),
            "honors": _honors(session, community.id, year),
        }
    )


# --- the report sheet --------------------------------------------------------------------------


def render_xlsx(stats: AnnualStats) -> bytes:
    """The figures as a one-sheet report (CPU work: call from the thread pool)."""
    from gongjian.models.enums import ServiceCategoryCode as Category

    sheet = Sheet(f"{stats.year}年度统计", widths={1: 34, 2: 22, 3: 14, 4: 10, 5: 24})
    sheet.title(f"{stats.community.name} {stats.year} 年度共驻共建工作统计")
    sheet.line()

    def section(title: str, header: list[str]) -> None:
        sheet.header(title)
        sheet.header(*header)

    section("一、活动", ["类别", "次数", "参与人次"])
    sheet.rows([ActivityKind.label_of(a.kind), a.activities, a.participant_times] for a in stats.activities_by_kind)
    sheet.line()
    section("二、志愿服务", ["项目", "数值"])
    v = stats.volunteer
    sheet.line("集体志愿服务活动（次）", v.collective_activities)
    sheet.line("集体志愿服务参与（人次）", v.participant_times)
    sheet.line("经审核志愿服务时长（小时）", v.approved_hours)
    sheet.line("志愿服务记录（条）", v.approved_records)
    sheet.line("本社区活动经审核时长（小时）", v.activity_hours)
    sheet.line("其中外社区党员时长（小时）", v.neighbour_hours)
    sheet.line()
    section("三、微心愿", ["项目", "数值"])
    sheet.line("登记（个）", stats.wishes.submitted)
    sheet.line("实现（个）", stats.wishes.fulfilled)
    sheet.line()
    section("四、双向认领", ["类别", "状态", "件数"])
    sheet.rows(
        [Category.label_of(claim.category), ClaimStatus.label_of(claim.status), claim.count]
        for claim in stats.claims.by_category_and_status
    )
    sheet.line("合计", "", stats.claims.total)
    sheet.line()
    section("五、联席会例会", ["项目", "数值"])
    m = stats.meetings
    sheet.rows([MeetingKind.label_of(k.kind) + "（次）", k.count] for k in m.by_kind)
    sheet.line("议题（个）", m.topics)
    sheet.line("任务已完成", m.tasks_done)
    sheet.line("任务未开始", m.tasks_open)
    sheet.line("任务进行中", m.tasks_in_progress)
    sheet.line("任务已逾期", m.tasks_overdue)
    sheet.line()
    section("六、社情民意", ["项目", "件数"])
    c = stats.concerns
    sheet.rows(
        [
            ("收集", c.reported),
            ("已解决", c.resolved),
            ("就地化解", c.resolved_locally),
            ("上报协调", c.escalated),
            ("未解决", c.open),
            ("逾期未解决", c.overdue),
        ]
    )
    sheet.line()
    section("七、荣誉", ["荣誉", "授予机关", "日期", "级别", "获得者"])
    sheet.rows(
        [h.title, h.awarding_body, h.awarded_on, HonorLevel.label_of(h.level), h.recipient_name]
        for h in stats.honors.items
    )
    sheet.line("合计", stats.honors.count)
    return xlsx([sheet])
