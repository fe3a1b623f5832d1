"""Which activities a unit's admin sees: those in the communities it partners with (共建)."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from gongjian.models import Activity
from gongjian.organizations.permissions import partner_community_ids


def partner_communities(org_id: int | None) -> ColumnElement[bool]:
    """Activities in a community the organisation partners with (a unit's 共建 communities)."""
    return Activity.community_org_id.in_(partner_community_ids(org_id))
