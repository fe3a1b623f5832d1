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

A street's or district's year (`area_annual`) is each of its communities' own report, computed by
`annual` exactly as the community sees it, and their figure-by-figure sums (`sum_figures`): so the
area's totals always equal what its communities report.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from gongjian.organizations.permissions import org_ids_under, organization_scope
from gongjian.stats.schemas import AnnualFigures, AnnualStats, AreaAnnualStats
from gongjian.volunteering.records import counted_records as counted_hours
from gongjian.wishes.service import wishes_summary

COMMUNITY_LABEL = "社区"
AREA_LABEL = "街道或区"
AREA_KINDS = (OrganizationKind.street.value, OrganizationKind.district.value)


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


# --- a street's or district's year --------------------------------------------------------------


def _area(session: Session, principal: Principal, org_id: int) -> Organization:
    """The street or district, if the caller reads it (a platform admin, its own admin or the admin
    of the district above); else 404."""
    stmt = select(Organization).where(Organization.id == org_id, Organization.kind.in_(AREA_KINDS))
    scope = organization_scope(principal, Organization.id)
    if scope is not None:
        stmt = stmt.where(scope)
    org: Organization = one_or_404(session, stmt, AREA_LABEL)
    return org


def area_annual(session: Session, principal: Principal, *, year: int, org_id: int) -> AreaAnnualStats:
    area = _area(session, principal, org_id)
    community_ids = session.execute(
        select(Organization.id)
        .where(
            Organization.kind == OrganizationKind.community.value,
            Organization.archived_at.is_(None),
            Organization.id.in_(org_ids_under(area.id)),
        )
        .order_by(Organization.name, Organization.id)
    ).scalars()
    communities = [annual(session, principal, year=year, community_id=i) for i in community_ids]
    years = [c.latest_year for c in communities if c.latest_year is not None]
    return AreaAnnualStats(
        year=year,
        organization=area,
        latest_year=max(years, default=None),
        totals=sum_figures(communities),
        communities=communities,
    )


def sum_figures(parts: Sequence[AnnualFigures]) -> AnnualFigures:
    """Every figure of `parts` added up, in the shape of one community's figures."""
    activities = {k: [0, 0] for k in ActivityKind}
    numbers: dict[str, dict[str, float]] = {"volunteer": {}, "wishes": {}, "meetings": {}, "concerns": {}}
    claims: dict[tuple[ServiceCategoryCode, ClaimStatus], int] = {}
    meeting_kinds = dict.fromkeys(MeetingKind, 0)
    honors: list[Any] = []
    for part in parts:
        for a in part.activities_by_kind:
            activities[a.kind][0] += a.activities
            activities[a.kind][1] += a.participant_times
        for section, figures in numbers.items():
            for name, value in getattr(part, section).model_dump().items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    figures[name] = figures.get(name, 0) + value
        for c in part.claims.by_category_and_status:
            claims[(c.category, c.status)] = claims.get((c.category, c.status), 0) + c.count
        for m in part.meetings.by_kind:
            meeting_kinds[m.kind] += m.count
        honors.extend(part.honors.items)
    return AnnualFigures.model_validate(
        {
            "activities_by_kind": [
                {"kind": k, "activities": n, "participant_times": times} for k, (n, times) in activities.items()
            ],
            "volunteer": numbers["volunteer"] or dict.fromkeys(VOLUNTEER_FIELDS, 0),
            "wishes": numbers["wishes"] or {"submitted": 0, "fulfilled": 0},
            "claims": {
                "total": sum(claims.values()),
                "by_category_and_status": [
                    {"category": c, "status": s, "count": claims[(c, s)]}
                    for c in ServiceCategoryCode
                    for s in ClaimStatus
                    if (c, s) in claims
                ],
            },
            "meetings": {
                **(numbers["meetings"] or dict.fromkeys(MEETING_FIELDS, 0)),
                "by_kind": [{"kind": k, "count": n} for k, n in meeting_kinds.items()],
            },
            "concerns": numbers["concerns"] or dict.fromkeys(CONCERN_FIELDS, 0),
            "honors": {"count": len(honors), "items": sorted(honors, key=lambda h: h.awarded_on)},
        }
    )


VOLUNTEER_FIELDS = ("collective_activities", "participant_times", "approved_hours", "approved_records")
MEETING_FIELDS = ("held", "topics", "tasks_done", "tasks_open", "tasks_in_progress", "tasks_overdue")
CONCERN_FIELDS = ("reported", "resolved", "resolved_locally", "escalated", "open", "overdue")


def figure_columns(figures: AnnualFigures, claim_pairs: Sequence[tuple[Any, Any]]) -> list[tuple[str, float]]:
    """Every figure as a (column heading, value) pair: one row of the side-by-side sheet. The
    claims' columns are `claim_pairs` (category, status), the same for every row of a sheet."""
    from gongjian.models.enums import ServiceCategoryCode as Category

    columns: list[tuple[str, float]] = []
    for a in figures.activities_by_kind:
        label = ActivityKind.label_of(a.kind)
        columns += [(f"{label}（次）", a.activities), (f"{label}（人次）", a.participant_times)]
    v = figures.volunteer
    columns += [
        ("集体志愿服务活动（次）", v.collective_activities),
        ("集体志愿服务参与（人次）", v.participant_times),
        ("经审核志愿服务时长（小时）", v.approved_hours),
        ("志愿服务记录（条）", v.approved_records),
        ("微心愿登记（个）", figures.wishes.submitted),
        ("微心愿实现（个）", figures.wishes.fulfilled),
        ("双向认领合计（件）", figures.claims.total),
    ]
    counts = {(c.category, c.status): c.count for c in figures.claims.by_category_and_status}
    columns += [
        (f"认领：{Category.label_of(c)}·{ClaimStatus.label_of(s)}", counts.get((c, s), 0)) for c, s in claim_pairs
    ]
    m = figures.meetings
    columns += [("例会（次）", m.held)]
    columns += [(f"{MeetingKind.label_of(k.kind)}（次）", k.count) for k in m.by_kind]
    columns += [
        ("议题（个）", m.topics),
        ("任务已完成", m.tasks_done),
        ("任务未开始", m.tasks_open),
        ("任务进行中", m.tasks_in_progress),
        ("任务已逾期", m.tasks_overdue),
    ]
    c = figures.concerns
    columns += [
        ("社情民意收集", c.reported),
        ("社情民意已解决", c.resolved),
        ("就地化解", c.resolved_locally),
        ("上报协调", c.escalated),
        ("社情民意未解决", c.open),
        ("社情民意逾期未解决", c.overdue),
        ("荣誉（项）", figures.honors.count),
    ]
    return columns


def render_area_xlsx(area: AreaAnnualStats) -> bytes:
    """A street's or district's year: the totals laid out as a community's report, then every
    community side by side, one row each, and the totals row (CPU work: call from the thread pool)."""
    totals = _report_sheet(
        f"{area.year}年度汇总", f"{area.organization.name} {area.year} 年度共驻共建工作统计（汇总）", area.totals
    )
    pairs = [(c.category, c.status) for c in area.totals.claims.by_category_and_status]
    side = Sheet("各社区对比", widths={1: 24})
    side.title(f"{area.organization.name} {area.year} 年度各社区对比")
    headings = [label for label, _ in figure_columns(area.totals, pairs)]
    side.header("社区", *headings)
    side.rows([c.community.name, *(value for _, value in figure_columns(c, pairs))] for c in area.communities)
    side.header("合计", *(value for _, value in figure_columns(area.totals, pairs)))
    return xlsx([totals, side])


# --- the report sheet --------------------------------------------------------------------------


def render_xlsx(stats: AnnualStats) -> bytes:
    """The figures as a one-sheet report (CPU work: call from the thread pool)."""
    title = f"{stats.community.name} {stats.year} 年度共驻共建工作统计"
    return xlsx([_report_sheet(f"{stats.year}年度统计", title, stats)])


def _report_sheet(name: str, title: str, stats: AnnualFigures) -> Sheet:
    """A year's figures laid out section by section (a community's report, an area's totals)."""
    from gongjian.models.enums import ServiceCategoryCode as Category

    sheet = Sheet(name, widths={1: 34, 2: 22, 3: 14, 4: 10, 5: 24})
    sheet.title(title)
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
    return sheet
