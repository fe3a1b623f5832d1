"""Who may do what in two-way evaluation (双向考评), built on `kit.access`.

- Periods and their schemes: every reader lists and reads them; only a platform admin creates,
  changes, opens and finalizes one; only a platform admin in person (not an API key) reopens a
  finalized one.
- Evaluations, filtered in the query (anything else is 404):
  - platform admin (a user): every evaluation;
  - unit admin: the evaluations of its unit, including the community's opinion;
  - community admin: the evaluations of the members who report to it;
  - member: its own evaluation, only once the period is finalized;
  - API clients (`evaluations:read`): finalized periods only (an organisation-limited key: its own
    organisation's members).
- Rankings and exports: not for members (403); the rows are those the caller may see.
- Scores: the community admin of the evaluation's community enters the community's part, the unit
  admin of its unit the unit's part. Nobody else, not even a platform admin.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from gongjian.kit.access import is_platform_admin, require_platform_admin
from gongjian.kit.errors import forbidden
from gongjian.kit.principal import Principal
from gongjian.members.permissions import own_member_ids
from gongjian.models import Evaluation, EvaluationPeriod
from gongjian.models.enums import ActorType, EvaluationPeriodStatus, Role
from gongjian.organizations.permissions import area_scope


def may_run_period(principal: Principal) -> bool:
    return is_platform_admin(principal)


def may_reopen(principal: Principal) -> bool:
    return is_platform_admin(principal, person=True)


def require_period_admin(principal: Principal) -> None:
    require_platform_admin(principal, "仅平台管理员可以维护考评周期")


def require_reopener(principal: Principal) -> None:
    require_platform_admin(principal, "只有平台管理员（本人账号）可以重新开放已定档的考评周期", person=True)


def visible_evaluations(principal: Principal) -> ColumnElement[bool]:
    """The WHERE clause of every evaluation read (the query joins the period and the member)."""
    finalized = EvaluationPeriod.status == EvaluationPeriodStatus.finalized.value
    if principal.actor_type is ActorType.api_key:
        if principal.is_admin:
            return finalized
        org = principal.organization_id
        return and_(finalized, or_(Evaluation.unit_org_id == org, Evaluation.community_org_id == org))
    if principal.is_admin:
        return true()
    if principal.is_area_admin:
        return area_scope(principal, Evaluation.unit_org_id, Evaluation.community_org_id)
    if principal.role is Role.unit_admin:
        return Evaluation.unit_org_id == principal.organization_id
    if principal.role is Role.community_admin:
        return Evaluation.community_org_id == principal.organization_id
    if principal.role is Role.member:
        return and_(finalized, Evaluation.member_id.in_(own_member_ids(principal)))
    return false()


def unscored_by(principal: Principal) -> ColumnElement[bool] | None:
    """Evaluations whose score is still the caller's to give: the community's part for a community
    admin, the unit's part for a unit admin (the scorers of `require_community_scorer` and
    `require_unit_scorer`); None for everyone else, who scores nothing."""
    if principal.actor_type is not ActorType.user:
        return None
    if principal.role is Role.community_admin:
        return and_(
            Evaluation.community_org_id == principal.organization_id, Evaluation.community_score_tenths.is_(None)
        )
    if principal.role is Role.unit_admin:
        return and_(Evaluation.unit_org_id == principal.organization_id, Evaluation.unit_score_tenths.is_(None))
    return None


def scores_evaluations(principal: Principal) -> bool:
    """The caller has a part of some evaluations to score (`unscored_by`'s scorers)."""
    return unscored_by(principal) is not None


def may_read_period_results(principal: Principal, period: EvaluationPeriod) -> bool:
    """API clients read finalized periods only: to them an open one doesn't exist (404)."""
    return principal.actor_type is not ActorType.api_key or period.status == EvaluationPeriodStatus.finalized.value


def may_read_ranking(principal: Principal) -> bool:
    """Rankings and exports are for administrators (and API clients), not members."""
    return principal.role is not Role.member


def require_ranking_reader(principal: Principal) -> None:
    if not may_read_ranking(principal):
        raise forbidden("排名只对管理员开放；党员可在定档后查看本人考评结果")


def may_score_community(principal: Principal, community_org_id: int) -> bool:
    return principal.role is Role.community_admin and principal.organization_id == community_org_id


def may_score_unit(principal: Principal, unit_org_id: int) -> bool:
    return principal.role is Role.unit_admin and principal.organization_id == unit_org_id


def require_community_scorer(principal: Principal, evaluation: Evaluation) -> None:
    if not may_score_community(principal, evaluation.community_org_id):
        raise forbidden("社区评分只能由该党员所报到社区的管理员填写")


def require_unit_scorer(principal: Principal, evaluation: Evaluation) -> None:
    if not may_score_unit(principal, evaluation.unit_org_id):
        raise forbidden("单位评分只能由该党员所在单位的管理员填写")


def allowed_actions(principal: Principal, period_status: str, community_org_id: int, unit_org_id: int) -> list[str]:
    """What the caller may do to an evaluation now (`EvaluationRead.allowed_actions`), by the rules
    the score endpoints enforce: its own part, while the period is not finalized."""
    if period_status == EvaluationPeriodStatus.finalized.value:
        return []
    actions = []
    if may_score_community(principal, community_org_id):
        actions.append("score_community")
    if may_score_unit(principal, unit_org_id):
        actions.append("score_unit")
    return actions
