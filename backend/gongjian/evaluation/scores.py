"""Scores: the community's part and the unit's part of an evaluation, and the final score.

The community admin of the evaluation's community enters the per-criterion points (0 … max, one
decimal) and a written opinion; the unit admin of its unit enters 0–100 (one decimal) and a comment
(`permissions`). Both may change until the period is finalized. The arithmetic is in `grading`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gongjian.evaluation import grading, permissions
from gongjian.evaluation.evaluations import evaluation_read, get_evaluation
from gongjian.evaluation.periods import get_period, refuse_if_finalized
from gongjian.evaluation.schemas import CommunityScoreInput, EvaluationRead, UnitScoreInput
from gongjian.kit import audit
from gongjian.kit.errors import unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.principal import Principal, set_stamp
from gongjian.models import Evaluation
from gongjian.models.base import utcnow
from gongjian.models.enums import EvaluationStatus

COMMUNITY_FIELDS = ("community_points", "community_score_tenths", "community_opinion", "final_score_tenths", "status")
UNIT_FIELDS = ("unit_score_tenths", "unit_comment", "final_score_tenths", "status")


def _scorable(session: Session, principal: Principal, evaluation_id: int, if_match: str | None) -> Evaluation:
    ev = get_evaluation(session, principal, evaluation_id)
    # Serialise with finalize (which locks the period for update) on PostgreSQL.
    period = get_period(session, ev.period_id, share=True)
    refuse_if_finalized(period)
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
) -> EvaluationRead:
    ev = _scorable(session, principal, evaluation_id, if_match)
    permissions.require_community_scorer(principal, ev)
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
    set_stamp(ev, "community_scored", principal)
    _recompute(ev)
    audit.finish_update(session, principal, "evaluation", ev, before, COMMUNITY_FIELDS)
    return evaluation_read(ev)


def set_unit_score(
    session: Session, principal: Principal, evaluation_id: int, data: UnitScoreInput, if_match: str | None
) -> EvaluationRead:
    ev = _scorable(session, principal, evaluation_id, if_match)
    permissions.require_unit_scorer(principal, ev)
    tenths = _tenths(data.score, "body.score")
    before = audit.snapshot(ev, UNIT_FIELDS)
    ev.unit_score_tenths = tenths
    ev.unit_comment = data.comment
    ev.unit_scored_at = utcnow()
    set_stamp(ev, "unit_scored", principal)
    _recompute(ev)
    audit.finish_update(session, principal, "evaluation", ev, before, UNIT_FIELDS)
    return evaluation_read(ev)
