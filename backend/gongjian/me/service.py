"""The caller's overview: one read per part, each through the owning domain's scope, so the number
of queries is the same whatever the caller's history (no per-row reads). A resident's part is its
own wishes and concerns, read through the wishes' and concerns' own visibility."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from gongjian.activities import waitlist
from gongjian.cards.schemas import CardRead
from gongjian.concerns import permissions as concern_permissions
from gongjian.concerns.service import overdue_condition, readable_concerns
from gongjian.evaluation import permissions as evaluation_permissions
from gongjian.evaluation.evaluations import readable_evaluations
from gongjian.kit.calendar import local_today
from gongjian.kit.errors import ProblemError
from gongjian.kit.principal import Principal
from gongjian.me.schemas import AdminCounts, CommunityDesk, MemberOverview, Overview, ResidentOverview
from gongjian.meetings.permissions import community_scope
from gongjian.meetings.tasks import effective_status, readable_tasks
from gongjian.members.permissions import own_member
from gongjian.models import (
    Activity,
    ActivitySignup,
    Card,
    Concern,
    Evaluation,
    EvaluationPeriod,
    Member,
    Organization,
    Report,
    Resident,
    VolunteerCertificateRequest,
    VolunteerCorrectionRequest,
    VolunteerRecord,
    Wish,
)
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    ActorType,
    CertificateRequestStatus,
    CorrectionRequestStatus,
    EvaluationPeriodStatus,
    OrganizationKind,
    ReportStatus,
    Role,
    SignupStatus,
    TaskStatus,
    VolunteerRecordStatus,
    WishStatus,
)
from gongjian.organizations.permissions import area_scope, org_ids_under
from gongjian.reports.permissions import visible_reports
from gongjian.residents.permissions import own_resident_ids
from gongjian.volunteering import hours
from gongjian.volunteering import permissions as volunteering_permissions
from gongjian.volunteering.certificate_requests import readable_rows
from gongjian.volunteering.corrections import readable_requests
from gongjian.wishes import permissions as wish_permissions

UPCOMING = 10
# A resident's latest wishes and concerns (the lists page through the rest).
RESIDENT_LATEST = 20


def overview(session: Session, principal: Principal) -> Overview:
    if principal.actor_type is not ActorType.user:
        # An API key stands for a system, not a person: it has no "me" to summarise.
        raise ProblemError(403, "forbidden", "无权操作", "API 密钥没有“本人”概览，请以用户身份登录")
    member = own_member(session, principal)
    return Overview(
        member=None if member is None else _member_part(session, principal, member),
        resident=_resident_part(session, principal) if principal.is_resident else None,
        admin=_admin_counts(session, principal)
        if principal.is_admin or principal.is_org_admin
        else _area_counts(session, principal)
        if principal.is_area_admin
        else None,
    )


def _resident_part(session: Session, principal: Principal) -> ResidentOverview | None:
    found = session.execute(
        select(Resident.id, Resident.name, Resident.community_org_id, Organization.name.label("community_name"))
        .join(Organization, Organization.id == Resident.community_org_id)
        .where(Resident.id.in_(own_resident_ids(principal)))
    ).first()
    if found is None:
        return None
    wishes = select(Wish.id, Wish.kind, Wish.content, Wish.status, Wish.created_at, Wish.rating)
    concerns = select(Concern.id, Concern.category, Concern.title, Concern.status, Concern.reported_at, Concern.rating)
    # The owning domains' scopes (for a resident: its own rows, nothing else).
    wishes = _scoped(wishes, wish_permissions.visibility(principal))
    concerns = _scoped(concerns, concern_permissions.visibility(principal))
    return ResidentOverview.model_validate(
        {
            "resident_id": found.id,
            "name": found.name,
            "community_org_id": found.community_org_id,
            "community_name": found.community_name,
            "wishes": session.execute(wishes.order_by(Wish.created_at.desc(), Wish.id.desc()).limit(RESIDENT_LATEST))
            .mappings()
            .all(),
            "concerns": session.execute(
                concerns.order_by(Concern.reported_at.desc(), Concern.id.desc()).limit(RESIDENT_LATEST)
            )
            .mappings()
            .all(),
        }
    )


def _scoped(stmt: Any, condition: Any) -> Any:
    return stmt if condition is None else stmt.where(condition)


def _member_part(session: Session, principal: Principal, member: Member) -> MemberOverview:
    unit, community = aliased(Organization), aliased(Organization)
    names = session.execute(
        select(community.name, unit.name)
        .select_from(community)
        .outerjoin(unit, unit.id == member.unit_org_id)
        .where(community.id == member.community_org_id)
    ).one()
    # At most one open card per member (cards/service.py closes the old one before issuing).
    card = session.execute(select(Card).where(Card.member_id == member.id, Card.status == "open")).scalar_one_or_none()
    member_hours = hours.hours_of(session, member)  # its own member row: one it sees
    year = local_today().year
    this_year = sum(row.hours for row in member_hours.by_year if row.year == year)
    return MemberOverview.model_validate(
        {
            "profile": {
                "id": member.id,
                "name": member.name,
                "community_org_id": member.community_org_id,
                "community_name": names[0],
                "unit_org_id": member.unit_org_id,
                "unit_name": names[1],
                "category": member.category,
                "stars": member_hours.stars,
            },
            "card": None if card is None else CardRead.model_validate(card),
            "points_balance": None if card is None else card.points_balance,
            "upcoming_signups": _upcoming(session, member.id),
            "hours": {"this_year": this_year, "total": member_hours.total_hours, "stars": member_hours.stars},
            "claimed_wishes": session.execute(
                select(Wish.id, Wish.kind, Wish.content, Wish.status, Wish.community_org_id)
                .where(Wish.claimant_member_id == member.id, Wish.status == WishStatus.claimed.value)
                .order_by(Wish.id)
            )
            .mappings()
            .all(),
            "open_corrections": session.execute(
                readable_requests(principal)
                .where(
                    VolunteerCorrectionRequest.member_id == member.id,
                    VolunteerCorrectionRequest.status == CorrectionRequestStatus.open.value,
                )
                .order_by(VolunteerCorrectionRequest.id)
            )
            .scalars()
            .all(),
            "evaluations": _evaluations(session, principal, member.id),
            "pending_certificate_requests": session.execute(
                readable_rows(principal)
                .where(
                    VolunteerCertificateRequest.member_id == member.id,
                    VolunteerCertificateRequest.status == CertificateRequestStatus.pending.value,
                )
                .order_by(VolunteerCertificateRequest.id)
            )
            .mappings()
            .all(),
        }
    )


def _upcoming(session: Session, member_id: int) -> list[dict[str, Any]]:
    rows = (
        session.execute(
            select(
                ActivitySignup.id.label("signup_id"),
                Activity.id.label("activity_id"),
                Activity.title,
                Activity.starts_at,
                Activity.ends_at,
                Activity.location,
                ActivitySignup.status,
            )
            .join(Activity, Activity.id == ActivitySignup.activity_id)
            .where(
                ActivitySignup.member_id == member_id,
                ActivitySignup.status.in_([SignupStatus.signed_up.value, SignupStatus.waiting.value]),
                Activity.starts_at >= utcnow(),
            )
            .order_by(Activity.starts_at, ActivitySignup.id)
            .limit(UPCOMING)
        )
        .mappings()
        .all()
    )
    # Always one query (even with nothing waiting), so the count doesn't depend on the history.
    places = waitlist.positions_of(session, [row["signup_id"] for row in rows] or [0])
    return [{**row, "waiting_position": places.get(row["signup_id"])} for row in rows]


def _evaluations(session: Session, principal: Principal, member_id: int) -> list[dict[str, Any]]:
    finalized = EvaluationPeriod.status == EvaluationPeriodStatus.finalized.value
    rows = (
        session.execute(
            readable_evaluations(principal).where(Evaluation.member_id == member_id, finalized).order_by(Evaluation.id)
        )
        .unique()
        .scalars()
        .all()
    )
    return [
        {
            "id": ev.id,
            "period_id": ev.period_id,
            "period_name": ev.period.name,
            "final_score": None if ev.final_score_tenths is None else ev.final_score_tenths / 10,
            "grade": ev.grade,
        }
        for ev in rows
    ]


def _count(session: Session, stmt: Any) -> int:
    return int(session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())


def _admin_counts(session: Session, principal: Principal) -> AdminCounts:
    today = local_today()
    reports = select(Report.id).where(visible_reports(principal), Report.status == ReportStatus.pending.value)
    wishes_scope = community_scope(principal, Wish.community_org_id)
    wishes = select(Wish.id).where(Wish.status == WishStatus.submitted.value)
    if wishes_scope is not None:
        wishes = wishes.where(wishes_scope)
    tasks = readable_tasks(principal).where(effective_status(today) == TaskStatus.overdue.value)
    records = volunteering_permissions.approvable_records(principal)
    unscored = _unscored(principal)
    return AdminCounts(
        pending_reports=_count(session, reports),
        records_to_approve=None if records is None else _count(session, select(VolunteerRecord.id).where(records)),
        wishes_to_verify=_count(session, wishes) if principal.role is not Role.unit_admin else None,
        overdue_tasks=_count(session, tasks),
        overdue_concerns=_count(session, readable_concerns(principal).where(overdue_condition(today))),
        unscored_evaluations=None if unscored is None else _count(session, unscored),
    )


def _area_counts(session: Session, principal: Principal) -> AdminCounts:
    """A street's or district's desk: its totals, and one row per community under it. Four grouped
    queries and the totals, whatever the number of communities."""
    today = local_today()
    pending_reports = select(Report.community_org_id, func.count()).where(
        visible_reports(principal), Report.status == ReportStatus.pending.value
    )
    records = select(VolunteerRecord.organizer_org_id, func.count()).where(
        area_scope(principal, VolunteerRecord.organizer_org_id),
        VolunteerRecord.status == VolunteerRecordStatus.pending.value,
    )
    overdue = readable_concerns(principal).where(overdue_condition(today))
    overdue_ids = overdue.with_only_columns(Concern.id)
    concerns = select(Concern.community_org_id, func.count()).where(Concern.id.in_(overdue_ids))
    by: dict[str, dict[int, int]] = {
        name: {org: n for org, n in session.execute(stmt.group_by(column))}
        for name, stmt, column in (
            ("reports", pending_reports, Report.community_org_id),
            ("records", records, VolunteerRecord.organizer_org_id),
            ("concerns", concerns, Concern.community_org_id),
        )
    }
    communities = session.execute(
        select(Organization.id, Organization.name)
        .where(
            Organization.id.in_(org_ids_under(principal.organization_id)),
            Organization.kind == OrganizationKind.community.value,
        )
        .order_by(Organization.name, Organization.id)
    ).all()
    tasks = readable_tasks(principal).where(effective_status(today) == TaskStatus.overdue.value)
    return AdminCounts(
        pending_reports=sum(by["reports"].values()),
        records_to_approve=None,
        wishes_to_verify=None,
        overdue_tasks=_count(session, tasks),
        overdue_concerns=sum(by["concerns"].values()),
        unscored_evaluations=None,
        communities=[
            CommunityDesk(
                community_org_id=org_id,
                community_name=name,
                pending_reports=by["reports"].get(org_id, 0),
                records_awaiting_review=by["records"].get(org_id, 0),
                overdue_concerns=by["concerns"].get(org_id, 0),
            )
            for org_id, name in communities
        ],
    )


def _unscored(principal: Principal) -> Any:
    """The evaluations of an open period whose score is the caller's organisation's to give."""
    missing = evaluation_permissions.unscored_by(principal)
    if missing is None:
        return None
    is_open = EvaluationPeriod.status == EvaluationPeriodStatus.open.value
    return readable_evaluations(principal).where(is_open, missing)
