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
the same grouped statements as `annual` (which is their one-community case), and their
figure-by-figure sums (`sum_figures`): so the area's totals always equal what its communities report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gongjian.claims.summary import claim_counts_by_org
from gongjian.concerns.service import overdue_condition
from gongjian.kit.calendar import local_date, local_today, year_bounds
from gongjian.kit.principal import Principal
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
from gongjian.wishes.service import wish_counts_by_community

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


# Every figure is read for a list of communities at once, grouped by community: the community's own
# report is the one-community case and an area's roll-up reads all its communities in the same
# statements (a fixed number of queries, however many communities), so both count by one rule.


def _activities(session: Session, ids: Sequence[int], year: int) -> dict[int, list[dict[str, Any]]]:
    checked_in = (
        select(func.count())
        .where(ActivitySignup.activity_id == Activity.id, ActivitySignup.checked_in_at.is_not(None))
        .scalar_subquery()
    )
    since, until = year_bounds(year)
    rows = session.execute(
        select(
            Activity.community_org_id,
            Activity.kind,
            func.count(Activity.id),
            func.coalesce(func.sum(checked_in + Activity.guest_count), 0),
        )
        .where(
            Activity.community_org_id.in_(ids),
            Activity.status != ActivityStatus.cancelled.value,
            Activity.starts_at >= since,
            Activity.starts_at < until,
        )
        .group_by(Activity.community_org_id, Activity.kind)
    ).all()
    found = {(community, kind): (int(n), int(times)) for community, kind, n, times in rows}
    return {
        i: [
            {
                "kind": k,
                "activities": found.get((i, k.value), (0, 0))[0],
                "participant_times": found.get((i, k.value), (0, 0))[1],
            }
            for k in ActivityKind
        ]
        for i in ids
    }


def _hours(session: Session, ids: Sequence[int], year: int) -> dict[int, tuple[int, int]]:
    """Counted half hours and records of each community's members, by the service's end."""
    since, until = year_bounds(year)
    rows = session.execute(
        select(
            Member.community_org_id,
            func.coalesce(func.sum(VolunteerRecord.half_hours), 0),
            func.count(VolunteerRecord.id),
        )
        .join(Member, Member.id == VolunteerRecord.member_id)
        .where(
            Member.community_org_id.in_(ids),
            counted_hours(),
            VolunteerRecord.ended_at >= since,
            VolunteerRecord.ended_at < until,
        )
        .group_by(Member.community_org_id)
    ).all()
    return {community: (int(half), int(records)) for community, half, records in rows}


def _activity_hours(session: Session, ids: Sequence[int], year: int) -> dict[int, tuple[int, int]]:
    """Approved half hours served at the community's activities, by anyone, and of these by members
    of other communities (neighbours): the activities' own figures, whoever took part. Each record
    belongs to one activity in one community, so these add up across communities like the hours
    of their own members do."""
    since, until = year_bounds(year)
    neighbour = Member.community_org_id != Activity.community_org_id
    rows = session.execute(
        select(
            Activity.community_org_id,
            func.coalesce(func.sum(VolunteerRecord.half_hours), 0),
            func.coalesce(func.sum(case((neighbour, VolunteerRecord.half_hours), else_=0)), 0),
        )
        .join(Activity, Activity.id == VolunteerRecord.activity_id)
        .join(Member, Member.id == VolunteerRecord.member_id)
        .where(
            Activity.community_org_id.in_(ids),
            counted_hours(),
            VolunteerRecord.ended_at >= since,
            VolunteerRecord.ended_at < until,
        )
        .group_by(Activity.community_org_id)
    ).all()
    return {community: (int(half), int(neighbours)) for community, half, neighbours in rows}


def _claims(session: Session, ids: Sequence[int], year: int) -> dict[int, dict[str, Any]]:
    """Needs the community posted (claimed by units) and unit resources the community claimed."""
    since, until = date(year, 1, 1), date(year, 12, 31)
    provided = claim_counts_by_org(session, side="provider", org_ids=ids, since=since, until=until)
    claimed = claim_counts_by_org(session, side="claimant", org_ids=ids, since=since, until=until)
    answer = {}
    for i in ids:
        counts: dict[tuple[str, str], int] = {}
        for part in (provided.get(i, {}), claimed.get(i, {})):
            for pair, n in part.items():
                counts[pair] = counts.get(pair, 0) + n
        answer[i] = {
            "total": sum(counts.values()),
            "by_category_and_status": [
                {"category": c, "status": s, "count": counts[(c.value, s.value)]}
                for c in ServiceCategoryCode
                for s in ClaimStatus
                if (c.value, s.value) in counts
            ],
        }
    return answer


def _meetings(session: Session, ids: Sequence[int], year: int) -> dict[int, dict[str, Any]]:
    held = (
        Meeting.community_org_id.in_(ids),
        Meeting.status == MeetingStatus.held.value,
        Meeting.held_on >= date(year, 1, 1),
        Meeting.held_on <= date(year, 12, 31),
    )
    by_kind: dict[tuple[int, str], int] = {
        (community, kind): int(n)
        for community, kind, n in session.execute(
            select(Meeting.community_org_id, Meeting.kind, func.count())
            .where(*held)
            .group_by(Meeting.community_org_id, Meeting.kind)
        ).all()
    }
    topics: dict[int, int] = {
        community: int(n)
        for community, n in session.execute(
            select(Meeting.community_org_id, func.count(MeetingTopic.id))
            .join(Meeting, Meeting.id == MeetingTopic.meeting_id)
            .where(*held)
            .group_by(Meeting.community_org_id)
        ).all()
    }
    status = effective_status(local_today())
    tasks: dict[tuple[int, str], int] = {
        (community, state): int(n)
        for community, state, n in session.execute(
            select(Meeting.community_org_id, status, func.count())
            .join(MeetingTopic, MeetingTopic.id == MeetingTask.topic_id)
            .join(Meeting, Meeting.id == MeetingTopic.meeting_id)
            .where(*held)
            .group_by(Meeting.community_org_id, status)
        ).all()
    }
    return {
        i: {
            "held": sum(n for (community, _), n in by_kind.items() if community == i),
            "by_kind": [{"kind": k, "count": by_kind.get((i, k.value), 0)} for k in MeetingKind],
            "topics": topics.get(i, 0),
            "tasks_done": tasks.get((i, TaskStatus.done.value), 0),
            "tasks_open": tasks.get((i, TaskStatus.open.value), 0),
            "tasks_in_progress": tasks.get((i, TaskStatus.in_progress.value), 0),
            "tasks_overdue": tasks.get((i, TaskStatus.overdue.value), 0),
        }
        for i in ids
    }


CONCERN_KEYS = ("reported", "resolved", "resolved_locally", "escalated", "open", "overdue")


def _concerns(session: Session, ids: Sequence[int], year: int) -> dict[int, dict[str, int]]:
    resolved = Concern.status == ConcernStatus.resolved.value

    def total(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = session.execute(
        select(
            Concern.community_org_id,
            func.count(Concern.id),
            total(resolved),
            total(resolved & Concern.escalated_to.is_(None)),
            total(Concern.escalated_to.is_not(None)),
            total(~resolved),
            total(overdue_condition(local_today())),
        )
        .where(
            Concern.community_org_id.in_(ids),
            Concern.reported_on >= date(year, 1, 1),
            Concern.reported_on <= date(year, 12, 31),
            # A concern its resident withdrew before the community took it up is not the community's.
            Concern.status != ConcernStatus.cancelled.value,
        )
        .group_by(Concern.community_org_id)
    ).all()
    found = {row[0]: {k: int(v) for k, v in zip(CONCERN_KEYS, row[1:], strict=True)} for row in rows}
    return {i: found.get(i, dict.fromkeys(CONCERN_KEYS, 0)) for i in ids}


def _honors(session: Session, ids: Sequence[int], year: int) -> dict[int, dict[str, Any]]:
    found: dict[int, list[Honor]] = {i: [] for i in ids}
    for honor in session.execute(
        select(Honor)
        .where(
            Honor.community_org_id.in_(ids),
            Honor.awarded_on >= date(year, 1, 1),
            Honor.awarded_on <= date(year, 12, 31),
        )
        .order_by(Honor.awarded_on, Honor.id)
    ).scalars():
        found[honor.community_org_id].append(honor)
    return {i: {"count": len(rows), "items": rows} for i, rows in found.items()}


def _latest_years(session: Session, ids: Sequence[int]) -> dict[int, int | None]:
    """The latest local year, up to today, in which each community has anything on record: the
    latest moment of each kind of record, by community."""
    now = utcnow()
    today = local_today()
    moments: list[tuple[Any, Any]] = [
        *session.execute(
            select(Activity.community_org_id, func.max(Activity.starts_at))
            .where(
                Activity.community_org_id.in_(ids),
                Activity.status != ActivityStatus.cancelled.value,
                Activity.starts_at <= now,
            )
            .group_by(Activity.community_org_id)
        ).all(),
        *session.execute(
            select(Member.community_org_id, func.max(VolunteerRecord.ended_at))
            .join(Member, Member.id == VolunteerRecord.member_id)
            .where(Member.community_org_id.in_(ids), counted_hours(), VolunteerRecord.ended_at <= now)
            .group_by(Member.community_org_id)
        ).all(),
    ]
    years: dict[int, list[int]] = {i: [] for i in ids}
    for community, moment in moments:
        if moment is not None:
            years[community].append(local_date(moment).year)
    # Concerns and wishes count on their business dates, as the report itself does.
    for column, community_column in (
        (Concern.reported_on, Concern.community_org_id),
        (Wish.registered_on, Wish.community_org_id),
        (Meeting.held_on, Meeting.community_org_id),
    ):
        for community, day in session.execute(
            select(community_column, func.max(column))
            .where(community_column.in_(ids), column <= today)
            .group_by(community_column)
        ).all():
            if day is not None:
                years[community].append(day.year)
    return {i: max(found, default=None) for i, found in years.items()}


def _reports(session: Session, communities: Sequence[Organization], year: int) -> list[AnnualStats]:
    """Each community's report, in the order given: every figure read for all of them at once."""
    ids = [c.id for c in communities]
    activities = _activities(session, ids, year)
    hours = _hours(session, ids, year)
    at_activities = _activity_hours(session, ids, year)
    wishes = wish_counts_by_community(session, ids, since=date(year, 1, 1), until=date(year, 12, 31))
    claims = _claims(session, ids, year)
    meetings = _meetings(session, ids, year)
    concerns = _concerns(session, ids, year)
    honors = _honors(session, ids, year)
    latest = _latest_years(session, ids)
    reports = []
    for community in communities:
        i = community.id
        volunteer = next(a for a in activities[i] if a["kind"] is ActivityKind.volunteer_service)
        half, records = hours.get(i, (0, 0))
        served, by_neighbours = at_activities.get(i, (0, 0))
        submitted, fulfilled = wishes.get(i, (0, 0))
        reports.append(
            AnnualStats.model_validate(
                {
                    "year": year,
                    "community": community,
                    "latest_year": latest[i],
                    "activities_by_kind": activities[i],
                    "volunteer": {
                        "collective_activities": volunteer["activities"],
                        "participant_times": volunteer["participant_times"],
                        "approved_hours": half / 2,
                        "approved_records": records,
                        "activity_hours": served / 2,
                        "neighbour_hours": by_neighbours / 2,
                    },
                    "wishes": {"submitted": submitted, "fulfilled": fulfilled},
                    "claims": claims[i],
                    "meetings": meetings[i],
                    "concerns": concerns[i],
                    "honors": honors[i],
                }
            )
        )
    return reports


def annual(session: Session, principal: Principal, *, year: int, community_id: int) -> AnnualStats:
    return _reports(session, [_community(session, principal, community_id)], year)[0]


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
    below = session.execute(
        select(Organization)
        .where(
            Organization.kind == OrganizationKind.community.value,
            Organization.archived_at.is_(None),
            Organization.id.in_(org_ids_under(area.id)),
        )
        .order_by(Organization.name, Organization.id)
    ).scalars()
    # Each row is the community's own report (the area's reader reads every community under it).
    communities = _reports(session, list(below), year)
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
