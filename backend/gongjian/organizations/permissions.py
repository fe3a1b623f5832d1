"""Partnerships (共建关系) as permissions: which communities a unit works with, and who may act for
an organisation. Activities, concerns, meetings, statistics and the placing of members ask here
rather than each reading the partnerships table its own way.

Also who may change an organisation: a platform admin, or the organisation's own admin, who may
not change its kind or code."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from gongjian.kit.access import acts_for, is_platform_admin
from gongjian.kit.errors import forbidden
from gongjian.kit.principal import Principal
from gongjian.models import Partnership

# Fields of an organisation only a platform admin changes.
PLATFORM_FIELDS = frozenset({"kind", "code"})


def _live() -> ColumnElement[bool]:
    """A partnership in force: one not archived (the one meaning of "partners" everywhere)."""
    return Partnership.archived_at.is_(None)


def partner_community_ids(unit_org_id: int | None) -> Select[Any]:
    """SQL: the communities a unit (or social organisation) has a live partnership with."""
    return select(Partnership.community_org_id).where(Partnership.unit_org_id == unit_org_id, _live())


def partner_unit_ids(community_org_id: int) -> Select[Any]:
    """SQL: the units (and social organisations) with a live partnership with a community."""
    return select(Partnership.unit_org_id).where(Partnership.community_org_id == community_org_id, _live())


def is_partner(session: Session, unit_org_id: int | None, community_org_id: int) -> bool:
    """Whether a live partnership joins the unit and the community."""
    found = session.execute(
        select(Partnership.id).where(
            Partnership.unit_org_id == unit_org_id, Partnership.community_org_id == community_org_id, _live()
        )
    ).first()
    return found is not None


def partner_pairs(session: Session, org_ids: Collection[int | None]) -> set[tuple[int, int]]:
    """The (unit, community) pairs among these organisations that a live partnership joins, in one
    query: a member import checks all its rows at once."""
    wanted = sorted({i for i in org_ids if i is not None})
    if not wanted:
        return set()
    rows = session.execute(
        select(Partnership.unit_org_id, Partnership.community_org_id).where(
            Partnership.unit_org_id.in_(wanted), Partnership.community_org_id.in_(wanted), _live()
        )
    )
    return {(unit, community) for unit, community in rows}


def partnership_scope(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition: the partnerships the caller's organisation is a party to; None for all."""
    if is_platform_admin(principal):
        return None
    org = principal.organization_id
    return or_(Partnership.unit_org_id == org, Partnership.community_org_id == org)


def require_may_edit_organization(principal: Principal, org_id: int) -> None:
    if not acts_for(principal, org_id):
        raise forbidden("只有平台管理员或本组织管理员可以修改")


def require_may_change_fields(principal: Principal, fields: Collection[str]) -> None:
    if not is_platform_admin(principal) and PLATFORM_FIELDS.intersection(fields):
        raise forbidden("组织类型和简码只能由平台管理员修改")
