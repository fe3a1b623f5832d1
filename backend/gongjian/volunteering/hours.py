"""Hours: summaries by member, organiser or community, and one member's hours by year and
activity kind with its star level. Only counted records (approved, not superseded) count.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongjian.kit.calendar import local_date, year_bounds
from gongjian.kit.pagination import Page, page_of, read_rows
from gongjian.kit.principal import Principal
from gongjian.members import permissions as member_permissions
from gongjian.models import Activity, Member, Organization, VolunteerRecord
from gongjian.volunteering import permissions, rules
from gongjian.volunteering.records import counted_records
from gongjian.volunteering.schemas import HoursSummaryQuery, HoursSummaryRow, MemberHours, SummaryGroup


def hours_summary(session: Session, principal: Principal, query: HoursSummaryQuery) -> Page[HoursSummaryRow]:
    group_by, year = query.group_by, query.year
    total_half = func.sum(VolunteerRecord.half_hours)
    count = func.count(VolunteerRecord.id)
    stmt: Any  # Select of four typed columns, whichever the grouping
    if group_by is SummaryGroup.member:
        key, name = Member.id, Member.name
        stmt = select(key, name, total_half, count).join(Member, Member.id == VolunteerRecord.member_id)
    elif group_by is SummaryGroup.organization:
        key, name = Organization.id, Organization.name
        stmt = select(key, name, total_half, count).join(
            Organization, Organization.id == VolunteerRecord.organizer_org_id
        )
    else:
        key, name = Organization.id, Organization.name
        stmt = (
            select(key, name, total_half, count)
            .join(Member, Member.id == VolunteerRecord.member_id)
            .join(Organization, Organization.id == Member.community_org_id)
        )
    stmt = stmt.where(counted_records())
    scope = permissions.record_scope(principal)
    if scope is not None:
        stmt = stmt.where(scope)
    if year is not None:
        start, end = year_bounds(year)
        stmt = stmt.where(VolunteerRecord.ended_at >= start, VolunteerRecord.ended_at < end)
    # Built per request: the caller's scope is a subquery of the members they see (permissions).
    stmt = stmt.group_by(key, name).order_by(total_half.desc(), key)
    found, total = read_rows(stmt, query, session=session)
    rows = []
    for row in found:
        id_, name_, half, records = row.values()
        rows.append(
            {
                "id": id_,
                "name": name_,
                "hours": int(half or 0) / 2,
                "record_count": int(records),
                "stars": rules.stars_for(int(half or 0)) if group_by is SummaryGroup.member else None,
            }
        )
    return page_of(HoursSummaryRow, rows, total, query)


def member_hours(session: Session, principal: Principal, member_id: int) -> MemberHours:
    return hours_of(session, member_permissions.visible_member(session, principal, member_id))


def hours_of(session: Session, member: Member) -> MemberHours:
    """`member_hours` of a member the caller has already read as one it sees (`/me/overview`: its own)."""
    rows = session.execute(
        select(VolunteerRecord.ended_at, VolunteerRecord.half_hours, Activity.kind)
        .outerjoin(Activity, Activity.id == VolunteerRecord.activity_id)
        .where(VolunteerRecord.member_id == member.id, counted_records())
    ).all()
    by_year: dict[int, int] = defaultdict(int)
    by_kind: dict[str | None, int] = defaultdict(int)
    for ended_at, half, kind in rows:
        by_year[local_date(ended_at).year] += half
        by_kind[kind] += half
    total = sum(by_year.values())
    return MemberHours.model_validate(
        {
            "member_id": member.id,
            "name": member.name,
            "total_hours": total / 2,
            "stars": rules.stars_for(total),
            "record_count": len(rows),
            "by_year": [{"year": y, "hours": h / 2} for y, h in sorted(by_year.items())],
            "by_activity_kind": [
                {"kind": k, "hours": h / 2}
                for k, h in sorted(by_kind.items(), key=lambda item: (item[0] is None, item[0] or ""))
            ],
        }
    )
