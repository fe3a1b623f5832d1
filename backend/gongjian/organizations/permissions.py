"""Partnerships (共建关系) as permissions: which communities a unit works with, and who may act for
an organisation. Activities, concerns, meetings and statistics ask here rather than each reading
the partnerships table its own way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gongjian.models import Partnership


def partner_community_ids(unit_org_id: int | None) -> Select[Any]:
    """SQL: the communities a unit (or social organisation) has a live partnership with."""
    return select(Partnership.community_org_id).where(
        Partnership.unit_org_id == unit_org_id, Partnership.archived_at.is_(None)
    )


def is_partner(session: Session, unit_org_id: int | None, community_org_id: int) -> bool:
    """Whether a live partnership joins the unit and the community."""
    found = session.execute(
        select(Partnership.id).where(
            Partnership.unit_org_id == unit_org_id,
            Partnership.community_org_id == community_org_id,
            Partnership.archived_at.is_(None),
        )
    ).first()
    return found is not None
