"""Two-way evaluation (双向考评): periods and their schemes, evaluations, scores, finalization.

Periods go `draft → open → finalized`; a finalized period is read-only until a platform admin
reopens it with a reason (audited). Opening a period creates one evaluation per active in-service
member (在职党员 with a unit, not archived).

**Members who become in-service while a period is open** get their evaluation lazily: every path
that reads or finalizes a period's evaluations first runs `sync_evaluations`, an idempotent
`INSERT … SELECT … ON CONFLICT DO NOTHING` over the unique (period_id, member_id), so concurrent
readers can't create duplicates. The same step removes evaluations that nobody has scored yet of
members who are no longer active in-service (archived, or moved to another category); an evaluation
with any score entered stays and must be completed. An evaluation keeps the unit and community the
member had when it was created: they decide who scores it and in which unit's ranking it counts.

Visibility (filtered in the query; anything else is 404):
- platform admin (a user): every evaluation;
- unit admin: the evaluations of its unit, including the community's opinion;
- community admin: the evaluations of the members who report to it;
- member: its own evaluation, only once the period is finalized;
- API clients (`evaluations:read`): finalized periods only (an organisation-limited key: its own
  organisation's members).

Scores: the community admin of the evaluation's community enters the per-criterion points and a
written opinion; the unit admin of its unit enters 0–100 and a comment. Nobody else, not even a
platform admin. Both may change until the period is finalized. The arithmetic is in `grading.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    delete,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from gongjian.db import unit_of_work
from gongjian.evaluation import grading
from gongjian.evaluation.reference import default_scheme
from gongjian.evaluation.schemas import (
    CommunityScoreInput,
    EvaluationSort,
    PeriodCreate,
    PeriodReopen,
    PeriodSort,
    PeriodUpdate,
    UnitScoreInput,
)
from gongjian.kit import audit
from gongjian.kit.calendar import LOCAL_ZONE
from gongjian.kit.errors import FieldError, ProblemError, conflict, forbidden, not_found, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import PageParams, fetch_page
from gongjian.kit.principal import Principal
from gongjian.kit.sorting import apply_sort
from gongjian.models import (
    CommunityRecord,
    Evaluation,
    EvaluationPeriod,
    Member,
    Organization,
    VolunteerRecord,
    Wish,
)
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    ActorType,
    AuditAction,
    EvaluationGrade,
    EvaluationPeriodStatus,
    EvaluationStatus,
    EvaluationVeto,
    MemberCategory,
    MemberStatus,
    Role,
    WebhookEventType,
    WishStatus,
)
from gongjian.volunteering.records import counted_records as counted_volunteer_records
from gongjian.webhooks.outbox import emit

PERIOD_LABEL = "考评周期"
EVALUATION_LABEL = "考评记录"
ORG_LABEL = "党组织"
PERIOD_FIELDS = (
    "name",
    "start_date",
    "end_date",
    "community_weight_milli",
    "criteria",
    "excellent_min",
    "qualified_min",
    "basically_qualified_min",
    "excellent_share_numerator",
    "excellent_share_denominator",
    "vetoes",
    "status",
)
COMMUNITY_FIELDS = ("community_points", "community_score_tenths", "community_opinion", "final_score_tenths", "status")
UNIT_FIELDS = ("unit_score_tenths", "unit_comment", "final_score_tenths", "status")
GRADE_FIELDS = ("status", "grade", "vetoed", "recommended")


# --- periods -----------------------------------------------------------------------------------


def period_read(period: EvaluationPeriod) -> dict[str, Any]:
    return {
        "id": period.id,
        "name": period.name,
        "start_date": period.start_date,
        "end_date": period.end_date,
        "community_weight": period.community_weight_milli / 1000,
        "criteria": period.criteria,
        "thresholds": {
            "excellent": period.excellent_min,
            "qualified": period.qualified_min,
            "basically_qualified": period.basically_qualified_min,
        },
        "excellent_share": {
            "numerator": period.excellent_share_numerator,
            "denominator": period.excellent_share_denominator,
        },
        "vetoes": period.vetoes,
        "status": period.status,
        "opened_at": period.opened_at,
        "finalized_at": period.finalized_at,
        "created_at": period.created_at,
        "updated_at": period.updated_at,
        "version": period.version,
    }


def _weight_milli(weight: float, field: str) -> int:
    milli = round(weight * 1000)
    if abs(weight * 1000 - milli) > 1e-6:
        raise unprocessable("too_many_decimals", "社区权重最多三位小数", field=field)
    return milli


def _scheme_values(changes: dict[str, Any]) -> dict[str, Any]:
    """PeriodCreate/Update fields (as dumped) → model columns."""
    values: dict[str, Any] = {}
    for name in ("name", "start_date", "end_date", "criteria"):
        if name in changes:
            values[name] = changes[name]
    if "community_weight" in changes:
        values["community_weight_milli"] = _weight_milli(changes["community_weight"], "body.community_weight")
    if "thresholds" in changes:
        t = changes["thresholds"]
        values["excellent_min"] = t["excellent"]
        values["qualified_min"] = t["qualified"]
        values["basically_qualified_min"] = t["basically_qualified"]
    if "excellent_share" in changes:
        values["excellent_share_numerator"] = changes["excellent_share"]["numerator"]
        values["excellent_share_denominator"] = changes["excellent_share"]["denominator"]
    if "vetoes" in changes:
        values["vetoes"] = [EvaluationVeto(v).value for v in changes["vetoes"]]
    return values


def _ensure_name_free(session: Session, name: str, period_id: int | None) -> None:
    clash = select(EvaluationPeriod.id).where(EvaluationPeriod.name == name, EvaluationPeriod.id != (period_id or 0))
    if session.execute(clash).first():
        raise conflict("period_name_taken", f"考评周期“{name}”已存在", field="body.name")


def _require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise forbidden("仅平台管理员可以维护考评周期")


def list_periods(
    session: Session, params: PageParams, *, status: EvaluationPeriodStatus | None, sort: PeriodSort
) -> tuple[list[EvaluationPeriod], int]:
    """Periods and their schemes are not confidential: every caller with `evaluations:read` lists them."""
    stmt = select(EvaluationPeriod)
    if status is not None:
        stmt = stmt.where(EvaluationPeriod.status == status.value)
    columns = {"start_date": EvaluationPeriod.start_date, "id": EvaluationPeriod.id}
    return fetch_page(session, apply_sort(stmt, sort.value, columns, EvaluationPeriod.id), params)


def get_period(session: Session, period_id: int, *, lock: bool = False, share: bool = False) -> EvaluationPeriod:
    stmt = select(EvaluationPeriod).where(EvaluationPeriod.id == period_id)
    if lock or share:
        stmt = stmt.with_for_update(read=share and not lock)
    period = session.execute(stmt).scalar_one_or_none()
    if period is None:
        raise not_found(PERIOD_LABEL)
    return period


def create_period(session: Session, principal: Principal, data: PeriodCreate) -> EvaluationPeriod:
    _require_admin(principal)
    _ensure_name_free(session, data.name, None)
    scheme = default_scheme(session)
    given = data.model_dump(exclude_none=True)
    merged: dict[str, Any] = {
        "community_weight": float(scheme["community_weight"]),
        "criteria": scheme["criteria"],
        "thresholds": scheme["thresholds"],
        "excellent_share": scheme["excellent_share"],
        "vetoes": scheme["vetoes"],
        **given,
    }
    period = EvaluationPeriod(**_scheme_values(merged), status=EvaluationPeriodStatus.draft.value)
    session.add(period)
    session.flush()
    audit.record(
        session, principal, AuditAction.create, "evaluation_period", period.id, audit.snapshot(period, PERIOD_FIELDS)
    )
    return period


def _refuse_if_finalized(period: EvaluationPeriod) -> None:
    if period.status == EvaluationPeriodStatus.finalized.value:
        raise conflict("period_finalized", "考评周期已定档，不能再修改；如需修改请由平台管理员重新开放")


def update_period(
    session: Session, principal: Principal, period_id: int, data: PeriodUpdate, if_match: str | None
) -> EvaluationPeriod:
    period = get_period(session, period_id, lock=True)
    _require_admin(principal)
    check_if_match(if_match, period.version)
    _refuse_if_finalized(period)
    changes = data.model_dump(exclude_unset=True)
    if period.status == EvaluationPeriodStatus.open.value and changes.keys() - {"name"}:
        raise conflict("period_open", "考评已开始：只能修改名称，考评方案和日期只能在草稿状态修改")
    values = _scheme_values(changes)
    start = values.get("start_date", period.start_date)
    end = values.get("end_date", period.end_date)
    if end < start:
        raise unprocessable("invalid_date_range", "结束日期不能早于开始日期", field="body.end_date")
    if "name" in values:
        _ensure_name_free(session, values["name"], period.id)
    before = audit.snapshot(period, PERIOD_FIELDS)
    for name, value in values.items():
        setattr(period, name, value)
    audit.finish_update(session, principal, "evaluation_period", period, before, PERIOD_FIELDS)
    return period


def open_period(session: Session, principal: Principal, period_id: int, if_match: str | None) -> EvaluationPeriod:
    period = get_period(session, period_id, lock=True)
    _require_admin(principal)
    check_if_match(if_match, period.version)
    if period.status != EvaluationPeriodStatus.draft.value:
        raise conflict("period_not_draft", "只有草稿状态的考评周期可以开始考评")
    before = audit.snapshot(period, PERIOD_FIELDS)
    period.status = EvaluationPeriodStatus.open.value
    period.opened_at = utcnow()
    audit.finish_update(session, principal, "evaluation_period", period, before, PERIOD_FIELDS)
    sync_evaluations(session, period)
    return period


def _missing_problem(missing: Sequence[tuple[int, str, str]]) -> ProblemError:
    errors = [FieldError(field=f"evaluations.{eid}", message=f"{name}：{what}") for eid, name, what in missing]
    return ProblemError(
        409,
        "scores_missing",
        "操作冲突",
        f"还有 {len(missing)} 名党员的评分未完成，不能定档",
        errors=errors,
    )


def finalize_period(session: Session, principal: Principal, period_id: int, if_match: str | None) -> EvaluationPeriod:
    period = get_period(session, period_id, lock=True)
    _require_admin(principal)
    check_if_match(if_match, period.version)
    if period.status != EvaluationPeriodStatus.open.value:
        raise conflict("period_not_open", "只有考评中的周期可以定档")
    sync_evaluations(session, period)
    rows = session.execute(
        select(Evaluation, Member.name, Member.reported_on)
        .join(Member, Member.id == Evaluation.member_id)
        .where(Evaluation.period_id == period.id)
        .order_by(Evaluation.unit_org_id, Member.name, Evaluation.id)
    ).all()
    missing = [
        (ev.id, name, _missing_what(ev))
        for ev, name, _ in rows
        if ev.community_score_tenths is None or ev.unit_score_tenths is None
    ]
    if missing:
        raise _missing_problem(missing)

    scheme = _scheme(period)
    by_unit: dict[int, list[grading.Scored]] = defaultdict(list)
    evaluations: dict[int, Evaluation] = {}
    for ev, _, reported_on in rows:
        assert ev.final_score_tenths is not None and ev.community_score_tenths is not None
        assert ev.unit_score_tenths is not None
        evaluations[ev.id] = ev
        by_unit[ev.unit_org_id].append(
            grading.Scored(
                ev.id,
                ev.final_score_tenths,
                ev.community_score_tenths,
                ev.unit_score_tenths,
                _vetoed(period, reported_on),
            )
        )
    for scored in by_unit.values():
        outcomes = grading.grade_unit(scored, scheme)
        for row in scored:
            ev = evaluations[row.id]
            before = audit.snapshot(ev, GRADE_FIELDS)
            ev.grade = outcomes[row.id].grade.value
            ev.recommended = outcomes[row.id].recommended
            ev.vetoed = row.vetoed
            ev.status = EvaluationStatus.finalized.value
            audit.finish_update(session, principal, "evaluation", ev, before, GRADE_FIELDS)

    before = audit.snapshot(period, PERIOD_FIELDS)
    period.status = EvaluationPeriodStatus.finalized.value
    period.finalized_at = utcnow()
    audit.finish_update(session, principal, "evaluation_period", period, before, PERIOD_FIELDS)
    emit(
        session,
        WebhookEventType.evaluation_period_finalized,
        {"evaluation_period_id": period.id, "name": period.name, "finalized_at": period.finalized_at.isoformat()},
    )
    return period


def reopen_period(
    session: Session, principal: Principal, period_id: int, data: PeriodReopen, if_match: str | None
) -> EvaluationPeriod:
    """Back to `open`: grades are cleared (they are recomputed at the next finalize); scores stay."""
    period = get_period(session, period_id, lock=True)
    if not (principal.is_admin and principal.actor_type is ActorType.user):
        raise forbidden("只有平台管理员（本人账号）可以重新开放已定档的考评周期")
    check_if_match(if_match, period.version)
    if period.status != EvaluationPeriodStatus.finalized.value:
        raise conflict("period_not_finalized", "只有已定档的考评周期可以重新开放")
    for ev in session.execute(select(Evaluation).where(Evaluation.period_id == period.id)).scalars():
        ev.grade = None
        ev.recommended = False
        ev.vetoed = False
        ev.status = EvaluationStatus.scored.value
        ev.version += 1
    before = audit.snapshot(period, PERIOD_FIELDS)
    period.status = EvaluationPeriodStatus.open.value
    period.finalized_at = None
    period.version += 1
    session.flush()
    changes = audit.diff(before, audit.snapshot(period, PERIOD_FIELDS))
    audit.record(
        session, principal, AuditAction.update, "evaluation_period", period.id, {**changes, "reason": data.reason}
    )
    return period


def _missing_what(ev: Evaluation) -> str:
    parts = []
    if ev.community_score_tenths is None:
        parts.append("社区评分")
    if ev.unit_score_tenths is None:
        parts.append("单位评分")
    return "缺" + "、".join(parts)


def _scheme(period: EvaluationPeriod) -> grading.Scheme:
    return grading.Scheme(
        period.excellent_min,
        period.qualified_min,
        period.basically_qualified_min,
        period.excellent_share_numerator,
        period.excellent_share_denominator,
    )


def _vetoed(period: EvaluationPeriod, reported_on: date | None) -> bool:
    if EvaluationVeto.never_reported.value in period.vetoes:
        return reported_on is None or reported_on > period.end_date
    return False


# --- creating evaluations ----------------------------------------------------------------------


def _eligible() -> ColumnElement[bool]:
    return and_(
        Member.category == MemberCategory.in_service.value,
        Member.status == MemberStatus.active.value,
        Member.archived_at.is_(None),
        Member.unit_org_id.is_not(None),
    )


def _missing() -> ColumnElement[bool]:
    return exists().where(
        _eligible(), ~exists().where(Evaluation.period_id == bindparam("period_id"), Evaluation.member_id == Member.id)
    )


def _stale() -> ColumnElement[bool]:
    return exists().where(
        Evaluation.period_id == bindparam("period_id"),
        Evaluation.status == EvaluationStatus.pending.value,
        Evaluation.member_id.in_(select(Member.id).where(~_eligible())),
    )


def ensure_evaluations(period_id: int) -> None:
    """Run before a request reads a period's evaluations (its own short transactions).

    Checks first, in a read transaction, whether anything is to be created or dropped; only then
    syncs, in a write-locked one. (On SQLite, a read transaction that starts writing fails with
    "database is locked" when another did the same; the check keeps reads lock-free.)"""
    with unit_of_work() as session:
        status = session.execute(select(EvaluationPeriod.status).where(EvaluationPeriod.id == period_id)).scalar()
        if status != EvaluationPeriodStatus.open.value:
            return
        needed = session.execute(select(or_(_missing(), _stale())), {"period_id": period_id}).scalar()
    if needed:
        with unit_of_work(write_lock=True) as session:
            sync_evaluations(session, get_period(session, period_id, lock=True))


def sync_evaluations(session: Session, period: EvaluationPeriod) -> None:
    """Idempotent: evaluations for eligible members lacking one; drop untouched ones of members who
    left. Only while the period is open."""
    if period.status != EvaluationPeriodStatus.open.value:
        return
    source = select(literal(period.id), Member.id, Member.unit_org_id, Member.community_org_id).where(
        _eligible(),
        ~exists().where(Evaluation.period_id == period.id, Evaluation.member_id == Member.id),
    )
    columns = ["period_id", "member_id", "unit_org_id", "community_org_id"]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(Evaluation) if dialect == "postgresql" else sqlite.insert(Evaluation)
    session.execute(insert.from_select(columns, source).on_conflict_do_nothing())
    gone = select(Member.id).where(~_eligible())
    session.execute(
        delete(Evaluation)
        .where(
            Evaluation.period_id == period.id,
            Evaluation.status == EvaluationStatus.pending.value,
            Evaluation.member_id.in_(gone),
        )
        .execution_options(synchronize_session=False)
    )


# --- reading evaluations -----------------------------------------------------------------------


def _visibility(principal: Principal) -> ColumnElement[bool]:
    finalized = EvaluationPeriod.status == EvaluationPeriodStatus.finalized.value
    if principal.actor_type is ActorType.api_key:
        if principal.is_admin:
            return finalized
        org = principal.organization_id
        return and_(finalized, or_(Evaluation.unit_org_id == org, Evaluation.community_org_id == org))
    if principal.is_admin:
        return true()
    if principal.role is Role.unit_admin:
        return Evaluation.unit_org_id == principal.organization_id
    if principal.role is Role.community_admin:
        return Evaluation.community_org_id == principal.organization_id
    if principal.role is Role.member:
        own = select(Member.id).where(Member.user_id == principal.id)
        return and_(finalized, Evaluation.member_id.in_(own))
    return false()


def readable_evaluations(principal: Principal) -> Select[Any]:
    return (
        select(Evaluation)
        .join(EvaluationPeriod, EvaluationPeriod.id == Evaluation.period_id)
        .join(Member, Member.id == Evaluation.member_id)
        .options(
            joinedload(Evaluation.member),
            joinedload(Evaluation.unit_org),
            joinedload(Evaluation.community_org),
            joinedload(Evaluation.period),
        )
        .where(_visibility(principal))
    )


def evaluation_read(ev: Evaluation) -> dict[str, Any]:
    period = ev.period
    points = ev.community_points or {}
    return {
        "id": ev.id,
        "period_id": ev.period_id,
        "member": {"id": ev.member.id, "name": ev.member.name},
        "unit_org": {"id": ev.unit_org.id, "name": ev.unit_org.name},
        "community_org": {"id": ev.community_org.id, "name": ev.community_org.name},
        "status": ev.status,
        "community_points": [
            {**c, "points": grading.from_tenths(points.get(c["code"])) if ev.community_points else None}
            for c in period.criteria
        ],
        "community_score": grading.from_tenths(ev.community_score_tenths),
        "community_opinion": ev.community_opinion,
        "community_scored_at": ev.community_scored_at,
        "community_scored_by": ev.community_scored_by,
        "unit_score": grading.from_tenths(ev.unit_score_tenths),
        "unit_comment": ev.unit_comment,
        "unit_scored_at": ev.unit_scored_at,
        "unit_scored_by": ev.unit_scored_by,
        "final_score": grading.from_tenths(ev.final_score_tenths),
        "grade": ev.grade,
        "vetoed": ev.vetoed,
        "recommended_for_award": ev.recommended,
        "version": ev.version,
    }


def _readable_period(session: Session, principal: Principal, period_id: int) -> EvaluationPeriod:
    period = get_period(session, period_id)
    if principal.actor_type is ActorType.api_key and period.status != EvaluationPeriodStatus.finalized.value:
        raise not_found(PERIOD_LABEL)
    return period


def list_evaluations(
    session: Session,
    principal: Principal,
    period_id: int,
    params: PageParams,
    *,
    unit_org_id: int | None,
    community_org_id: int | None,
    member_id: int | None,
    grade: EvaluationGrade | None,
    status: EvaluationStatus | None,
    sort: EvaluationSort,
) -> tuple[list[dict[str, Any]], int]:
    period = get_period(session, period_id)
    stmt = readable_evaluations(principal).where(Evaluation.period_id == period.id)
    if unit_org_id is not None:
        stmt = stmt.where(Evaluation.unit_org_id == unit_org_id)
    if community_org_id is not None:
        stmt = stmt.where(Evaluation.community_org_id == community_org_id)
    if member_id is not None:
        stmt = stmt.where(Evaluation.member_id == member_id)
    if grade is not None:
        stmt = stmt.where(Evaluation.grade == grade.value)
    if status is not None:
        stmt = stmt.where(Evaluation.status == status.value)
    columns = {"name": Member.name, "final_score": Evaluation.final_score_tenths, "id": Evaluation.id}
    rows, total = fetch_page(session, apply_sort(stmt, sort.value, columns, Evaluation.id), params)
    return [evaluation_read(ev) for ev in rows], total


def get_evaluation(session: Session, principal: Principal, evaluation_id: int, *, lock: bool = False) -> Evaluation:
    stmt = readable_evaluations(principal).where(Evaluation.id == evaluation_id)
    ev: Evaluation | None = session.execute(stmt).unique().scalar_one_or_none()
    if ev is None:
        raise not_found(EVALUATION_LABEL)
    return ev


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_ZONE)


def evidence(session: Session, ev: Evaluation) -> dict[str, Any]:
    """What the member did in the period. Volunteer hours count by the volunteering domain's rule
    (approved and not superseded by an approved correction), for services that ended in the period."""
    period, member = ev.period, ev.member
    start, end = _local_start(period.start_date), _local_start(period.end_date + timedelta(days=1))
    half_hours, record_count = session.execute(
        select(func.coalesce(func.sum(VolunteerRecord.half_hours), 0), func.count(VolunteerRecord.id)).where(
            VolunteerRecord.member_id == member.id,
            counted_volunteer_records(),
            VolunteerRecord.ended_at >= start,
            VolunteerRecord.ended_at < end,
        )
    ).one()
    kinds = session.execute(
        select(CommunityRecord.kind, func.count())
        .where(
            CommunityRecord.member_id == member.id,
            CommunityRecord.occurred_on >= period.start_date,
            CommunityRecord.occurred_on <= period.end_date,
        )
        .group_by(CommunityRecord.kind)
        .order_by(CommunityRecord.kind)
    ).all()
    done = (WishStatus.fulfilled.value, WishStatus.closed.value)
    claimed, fulfilled = session.execute(
        select(
            func.count(Wish.id),
            func.coalesce(func.sum(case((Wish.status.in_(done), 1), else_=0)), 0),
        ).where(Wish.claimant_member_id == member.id, Wish.claimed_at >= start, Wish.claimed_at < end)
    ).one()
    return {
        "reported_on": member.reported_on,
        "reported_in_period": member.reported_on is not None and member.reported_on <= period.end_date,
        "volunteer_hours": int(half_hours) / 2,
        "volunteer_record_count": int(record_count),
        "community_records": [{"kind": kind, "count": int(n)} for kind, n in kinds],
        "wishes_claimed": int(claimed),
        "wishes_fulfilled": int(fulfilled),
    }


def evaluation_detail(session: Session, principal: Principal, evaluation_id: int) -> tuple[Evaluation, dict[str, Any]]:
    ev = get_evaluation(session, principal, evaluation_id)
    return ev, {**evaluation_read(ev), "evidence": evidence(session, ev)}


# --- scores ------------------------------------------------------------------------------------


def _scorable(session: Session, principal: Principal, evaluation_id: int, if_match: str | None) -> Evaluation:
    ev = get_evaluation(session, principal, evaluation_id)
    # Serialise with finalize (which locks the period for update) on PostgreSQL.
    period = get_period(session, ev.period_id, share=True)
    _refuse_if_finalized(period)
    check_if_match(if_match, ev.version)
    return ev


def _recompute(ev: Evaluation) -> None:
    c, u = ev.community_score_tenths, ev.unit_score_tenths
    ev.final_score_tenths = (
        None if c is None or u is None else grading.final_tenths(ev.period.community_weight_milli, c, u)
    )
    if c is not None and u is not None:
        ev.status = EvaluationStatus.scored.value
    elif c is not None:
        ev.status = EvaluationStatus.community_scored.value
    elif u is not None:
        ev.status = EvaluationStatus.unit_scored.value
    else:
        ev.status = EvaluationStatus.pending.value


def _tenths(value: float, field: str) -> int:
    tenths = grading.to_tenths(value)
    if tenths is None:
        raise unprocessable("too_many_decimals", "分数最多一位小数", field=field)
    return tenths


def set_community_score(
    session: Session, principal: Principal, evaluation_id: int, data: CommunityScoreInput, if_match: str | None
) -> Evaluation:
    ev = _scorable(session, principal, evaluation_id, if_match)
    if not (principal.role is Role.community_admin and principal.organization_id == ev.community_org_id):
        raise forbidden("社区评分只能由该党员所报到社区的管理员填写")
    criteria = {c["code"]: c for c in ev.period.criteria}
    unknown = sorted(data.points.keys() - criteria.keys())
    if unknown:
        raise unprocessable(
            "unknown_criterion", f"没有这个考评项：{'、'.join(unknown)}", field=f"body.points.{unknown[0]}"
        )
    absent = [c["name"] for code, c in criteria.items() if code not in data.points]
    if absent:
        raise unprocessable("criterion_missing", f"缺少考评项得分：{'、'.join(absent)}", field="body.points")
    points: dict[str, int] = {}
    for code, value in data.points.items():
        field = f"body.points.{code}"
        tenths = _tenths(value, field)
        maximum = criteria[code]["max_points"]
        if not 0 <= tenths <= maximum * 10:
            raise unprocessable(
                "points_out_of_range", f"“{criteria[code]['name']}”得分须在 0 至 {maximum} 分之间", field=field
            )
        points[code] = tenths
    before = audit.snapshot(ev, COMMUNITY_FIELDS)
    ev.community_points = {code: points[code] for code in criteria}
    ev.community_score_tenths = sum(points.values())
    ev.community_opinion = data.opinion
    ev.community_scored_at = utcnow()
    ev.community_scored_by = principal.name
    _recompute(ev)
    audit.finish_update(session, principal, "evaluation", ev, before, COMMUNITY_FIELDS)
    return ev


def set_unit_score(
    session: Session, principal: Principal, evaluation_id: int, data: UnitScoreInput, if_match: str | None
) -> Evaluation:
    ev = _scorable(session, principal, evaluation_id, if_match)
    if not (principal.role is Role.unit_admin and principal.organization_id == ev.unit_org_id):
        raise forbidden("单位评分只能由该党员所在单位的管理员填写")
    tenths = _tenths(data.score, "body.score")
    before = audit.snapshot(ev, UNIT_FIELDS)
    ev.unit_score_tenths = tenths
    ev.unit_comment = data.comment
    ev.unit_scored_at = utcnow()
    ev.unit_scored_by = principal.name
    _recompute(ev)
    audit.finish_update(session, principal, "evaluation", ev, before, UNIT_FIELDS)
    return ev


# --- ranking and export ------------------------------------------------------------------------


def ranking(session: Session, principal: Principal, period_id: int, unit_org_id: int) -> dict[str, Any]:
    """The unit's evaluations in rank order. Ranks and the quota are over the whole unit; the rows
    are those the caller may see. Before finalization, grades are computed provisionally."""
    period = _readable_period(session, principal, period_id)
    if principal.role is Role.member:
        raise forbidden("排名只对管理员开放；党员可在定档后查看本人考评结果")
    unit = session.get(Organization, unit_org_id)
    if unit is None:
        raise not_found(ORG_LABEL)
    everyone = session.execute(
        select(Evaluation, Member.reported_on)
        .join(Member, Member.id == Evaluation.member_id)
        .where(Evaluation.period_id == period.id, Evaluation.unit_org_id == unit.id)
    ).all()
    visible_ids = set(
        session.execute(
            readable_evaluations(principal)
            .where(Evaluation.period_id == period.id, Evaluation.unit_org_id == unit.id)
            .with_only_columns(Evaluation.id)
        ).scalars()
    )
    if not visible_ids and not principal.is_admin:
        raise not_found(ORG_LABEL)
    finalized = period.status == EvaluationPeriodStatus.finalized.value
    scored = [
        grading.Scored(
            ev.id,
            ev.final_score_tenths,
            ev.community_score_tenths or 0,
            ev.unit_score_tenths or 0,
            ev.vetoed if finalized else _vetoed(period, reported_on),
        )
        for ev, reported_on in everyone
        if ev.final_score_tenths is not None
    ]
    outcomes = grading.grade_unit(scored, _scheme(period), member_count=len(everyone))
    names = dict(
        session.execute(select(Member.id, Member.name).where(Member.id.in_([ev.member_id for ev, _ in everyone]))).all()
    )
    items: list[dict[str, Any]] = []
    for ev, reported_on in everyone:
        if ev.id not in visible_ids:
            continue
        outcome = outcomes.get(ev.id)
        items.append(
            {
                "rank": outcome.rank if outcome else None,
                "evaluation_id": ev.id,
                "member": {"id": ev.member_id, "name": names[ev.member_id]},
                "final_score": grading.from_tenths(ev.final_score_tenths),
                "community_score": grading.from_tenths(ev.community_score_tenths),
                "unit_score": grading.from_tenths(ev.unit_score_tenths),
                "grade": ev.grade if finalized else (outcome.grade if outcome else None),
                "vetoed": ev.vetoed if finalized else _vetoed(period, reported_on),
                "recommended_for_award": ev.recommended if finalized else bool(outcome and outcome.recommended),
                "opinion": ev.community_opinion,
                "unit_comment": ev.unit_comment,
                "points": ev.community_points,
            }
        )
    items.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["member"]["name"], r["evaluation_id"]))
    return {
        "period_id": period.id,
        "period": period,
        "unit_org": {"id": unit.id, "name": unit.name},
        "provisional": not finalized,
        "member_count": len(everyone),
        "excellent_quota": grading.excellent_quota(_scheme(period), len(everyone)),
        "items": items,
    }
