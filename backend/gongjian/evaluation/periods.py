"""Evaluation periods (考评周期) and their schemes: creating and changing them, and their lifecycle.

Periods go `draft → open → finalized` (`EVALUATION_PERIOD_MOVES`). The scheme (community weight,
criteria, thresholds, share of 优秀, vetoes) changes only in `draft`; while `open` only the name.
Opening creates the evaluations (`syncing`); finalizing grades each unit (`grading`) and locks the
period, which is read-only until a platform admin reopens it with a reason (audited; grades are
cleared, scores stay).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from gongjian.evaluation import grading, permissions
from gongjian.evaluation.reference import default_scheme
from gongjian.evaluation.schemas import PeriodCreate, PeriodListQuery, PeriodRead, PeriodReopen, PeriodUpdate
from gongjian.evaluation.syncing import sync_evaluations
from gongjian.kit import audit
from gongjian.kit.errors import FieldError, ProblemError, conflict, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, cached_select, page_of, read_rows
from gongjian.kit.principal import Principal
from gongjian.kit.rows import one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.kit.transitions import check_move
from gongjian.models import Evaluation, EvaluationPeriod, Member
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    EVALUATION_PERIOD_MOVES,
    EVALUATION_PERIOD_REOPEN,
    AuditAction,
    EvaluationPeriodStatus,
    EvaluationStatus,
    EvaluationVeto,
    WebhookEventType,
)
from gongjian.webhooks.outbox import emit

PERIOD_LABEL = "考评周期"
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
GRADE_FIELDS = ("status", "grade", "vetoed", "recommended")


def _period_dict(period: EvaluationPeriod) -> dict[str, Any]:
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


def _progress(session: Session, principal: Principal, period_ids: list[int]) -> dict[int, dict[str, int]]:
    """Scoring progress per period, over the evaluations the caller sees; one grouped query."""
    both = and_(Evaluation.community_score_tenths.is_not(None), Evaluation.unit_score_tenths.is_not(None))
    rows = session.execute(
        select(
            Evaluation.period_id,
            func.count(Evaluation.id),
            func.count(Evaluation.community_score_tenths),
            func.count(Evaluation.unit_score_tenths),
            func.coalesce(func.sum(case((both, 1), else_=0)), 0),
        )
        .join(EvaluationPeriod, EvaluationPeriod.id == Evaluation.period_id)
        .where(Evaluation.period_id.in_(period_ids), permissions.visible_evaluations(principal))
        .group_by(Evaluation.period_id)
    ).all()
    keys = ("evaluations", "community_scored", "unit_scored", "scored")
    found = {row[0]: dict(zip(keys, (int(v) for v in row[1:]), strict=True)) for row in rows}
    return {pid: found.get(pid, dict.fromkeys(keys, 0)) for pid in period_ids}


def _unscored_count(session: Session, period_id: int) -> int:
    """Evaluations of the period still missing a score, whoever may see them (finalize's own check)."""
    return int(
        session.execute(
            select(func.count(Evaluation.id)).where(
                Evaluation.period_id == period_id,
                or_(Evaluation.community_score_tenths.is_(None), Evaluation.unit_score_tenths.is_(None)),
            )
        ).scalar_one()
    )


def _missing_reason(missing: int, progress: dict[str, int]) -> str:
    return (
        f"还有 {missing} 名党员的评分未完成（双方已评 {progress['scored']}/{progress['evaluations']}），评完后才能定档"
    )


def _actions(
    session: Session, principal: Principal, period: EvaluationPeriod, progress: dict[str, int]
) -> tuple[list[str], list[dict[str, str]]]:
    """What the caller may do to the period now, and what its role could do but not yet, with why.
    The moves are the status tables the actions check (`EVALUATION_PERIOD_MOVES`, `…_REOPEN`)."""
    status = EvaluationPeriodStatus(period.status)
    allowed: list[str] = []
    blocked: list[dict[str, str]] = []
    if permissions.may_run_period(principal):
        if status is not EvaluationPeriodStatus.finalized:
            allowed.append("edit")
        if status in EVALUATION_PERIOD_MOVES[EvaluationPeriodStatus.open]:
            allowed.append("open")
        if status in EVALUATION_PERIOD_MOVES[EvaluationPeriodStatus.finalized]:
            missing = _unscored_count(session, period.id)
            if missing:
                blocked.append({"action": "finalize", "reason": _missing_reason(missing, progress)})
            else:
                allowed.append("finalize")
    if permissions.may_reopen(principal) and status in EVALUATION_PERIOD_REOPEN[EvaluationPeriodStatus.open]:
        allowed.append("reopen")
    if permissions.may_read_ranking(principal):
        allowed.append("ranking")
    if status is EvaluationPeriodStatus.open and permissions.scores_evaluations(principal):
        allowed.append("score")
    return allowed, blocked


def _reads(session: Session, principal: Principal, rows: Sequence[EvaluationPeriod]) -> list[dict[str, Any]]:
    progress = _progress(session, principal, [p.id for p in rows])
    reads = []
    for period in rows:
        allowed, blocked = _actions(session, principal, period, progress[period.id])
        reads.append(
            {
                **_period_dict(period),
                "progress": progress[period.id],
                "allowed_actions": allowed,
                "blocked_actions": blocked,
            }
        )
    return reads


def _read(session: Session, principal: Principal, period: EvaluationPeriod) -> PeriodRead:
    session.flush()
    return PeriodRead.model_validate(_reads(session, principal, [period])[0])


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


def scheme_of(period: EvaluationPeriod) -> grading.Scheme:
    return grading.Scheme(
        period.excellent_min,
        period.qualified_min,
        period.basically_qualified_min,
        period.excellent_share_numerator,
        period.excellent_share_denominator,
    )


def vetoed(period: EvaluationPeriod, reported_on: date | None) -> bool:
    if EvaluationVeto.never_reported.value in period.vetoes:
        return reported_on is None or reported_on > period.end_date
    return False


def refuse_if_finalized(period: EvaluationPeriod) -> None:
    if period.status == EvaluationPeriodStatus.finalized.value:
        raise conflict("period_finalized", "考评周期已定档，不能再修改；如需修改请由平台管理员重新开放")


def get_period(session: Session, period_id: int, *, lock: bool = False, share: bool = False) -> EvaluationPeriod:
    """`share`: a shared row lock (FOR SHARE on PostgreSQL), enough to wait for a finalize."""
    stmt = select(EvaluationPeriod).where(EvaluationPeriod.id == period_id)
    if share and not lock:
        stmt = stmt.with_for_update(read=True)
    period: EvaluationPeriod = one_or_404(session, stmt, PERIOD_LABEL, lock=lock)
    return period


def list_periods(session: Session, principal: Principal, query: PeriodListQuery) -> Page[PeriodRead]:
    """Periods and their schemes are not confidential: every caller with `evaluations:read` lists them."""
    rows, total = read_rows(_periods_matching(query), query, session=session)
    return page_of(PeriodRead, _reads(session, principal, rows), total, query)


_PERIOD_SORT_COLUMNS: dict[str, Any] = {"start_date": EvaluationPeriod.start_date, "id": EvaluationPeriod.id}


@cached_select()
def _periods_matching(query: PeriodListQuery) -> Select[Any]:
    stmt = select(EvaluationPeriod)
    if query.status is not None:
        stmt = stmt.where(EvaluationPeriod.status == query.status.value)
    return apply_sort(stmt, query.sort.value, _PERIOD_SORT_COLUMNS, EvaluationPeriod.id)


def read_period(session: Session, principal: Principal, period_id: int) -> PeriodRead:
    return _read(session, principal, get_period(session, period_id))


def create_period(session: Session, principal: Principal, data: PeriodCreate) -> PeriodRead:
    permissions.require_period_admin(principal)
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
    return _read(session, principal, period)


def update_period(
    session: Session, principal: Principal, period_id: int, data: PeriodUpdate, if_match: str | None
) -> PeriodRead:
    period = get_period(session, period_id, lock=True)
    permissions.require_period_admin(principal)
    check_if_match(if_match, period.version)
    refuse_if_finalized(period)
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
    return _read(session, principal, period)


def open_period(session: Session, principal: Principal, period_id: int, if_match: str | None) -> PeriodRead:
    period = get_period(session, period_id, lock=True)
    permissions.require_period_admin(principal)
    check_if_match(if_match, period.version)
    check_move(
        EvaluationPeriodStatus(period.status),
        EvaluationPeriodStatus.open,
        EVALUATION_PERIOD_MOVES,
        "period_not_draft",
        detail="只有草稿状态的考评周期可以开始考评",
    )
    before = audit.snapshot(period, PERIOD_FIELDS)
    period.status = EvaluationPeriodStatus.open.value
    period.opened_at = utcnow()
    audit.finish_update(session, principal, "evaluation_period", period, before, PERIOD_FIELDS)
    sync_evaluations(session, period)
    return _read(session, principal, period)


def _missing_what(ev: Evaluation) -> str:
    parts = []
    if ev.community_score_tenths is None:
        parts.append("社区评分")
    if ev.unit_score_tenths is None:
        parts.append("单位评分")
    return "缺" + "、".join(parts)


def _missing_problem(missing: Sequence[tuple[int, str, str]]) -> ProblemError:
    errors = [FieldError(field=f"evaluations.{eid}", message=f"{name}：{what}") for eid, name, what in missing]
    return ProblemError(
        409,
        "scores_missing",
        "操作冲突",
        f"还有 {len(missing)} 名党员的评分未完成，不能定档",
        errors=errors,
    )


def finalize_period(session: Session, principal: Principal, period_id: int, if_match: str | None) -> PeriodRead:
    period = get_period(session, period_id, lock=True)
    permissions.require_period_admin(principal)
    check_if_match(if_match, period.version)
    check_move(
        EvaluationPeriodStatus(period.status),
        EvaluationPeriodStatus.finalized,
        EVALUATION_PERIOD_MOVES,
        "period_not_open",
        detail="只有考评中的周期可以定档",
    )
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

    scheme = scheme_of(period)
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
                vetoed(period, reported_on),
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
    return _read(session, principal, period)


def reopen_period(
    session: Session, principal: Principal, period_id: int, data: PeriodReopen, if_match: str | None
) -> PeriodRead:
    """Back to `open`: grades are cleared (they are recomputed at the next finalize); scores stay."""
    period = get_period(session, period_id, lock=True)
    permissions.require_reopener(principal)
    check_if_match(if_match, period.version)
    check_move(
        EvaluationPeriodStatus(period.status),
        EvaluationPeriodStatus.open,
        EVALUATION_PERIOD_REOPEN,
        "period_not_finalized",
        detail="只有已定档的考评周期可以重新开放",
    )
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
    return _read(session, principal, period)
