"""Who sees and decides 报到 reports, and who reads a community's 报到 code.

- A platform admin sees every report; a community's admin (user or org-limited API key) sees the
  reports to its community and decides them; a unit's admin sees, read-only, the reports naming its
  unit (its member reporting to a community); a reporter sees its own (`GET /me/reports`). Nobody
  else sees a report (404, filtered in the query).
- The mobile number in full: the reporter, platform admins and the community's admins — people, as
  members' phones (members/permissions.py); API keys and the unit's admin get it masked.
- A community's 报到 code is read and rotated by who acts for the community.
- Reporting is a person's act: a `member` account, or a WeChat identity with a binding ticket.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from gongjian.kit.access import acts_for, is_this_user, this_user
from gongjian.kit.principal import Principal
from gongjian.models import Report
from gongjian.models.enums import ActorType, ReportStatus, Role
from gongjian.organizations.permissions import area_scope


def visible_reports(principal: Principal) -> ColumnElement[bool]:
    if principal.is_admin:
        return true()
    if principal.is_area_admin:
        return area_scope(principal, Report.community_org_id, Report.unit_org_id)
    if principal.is_org_admin and principal.organization_id is not None:
        org = principal.organization_id
        return or_(Report.community_org_id == org, Report.unit_org_id == org)
    return false()


def own_reports(principal: Principal) -> ColumnElement[bool]:
    return this_user(principal, Report.reporter_user_id)


def may_decide(principal: Principal, report: Report) -> bool:
    return acts_for(principal, report.community_org_id)


def allowed_actions(principal: Principal, report: Report) -> list[str]:
    """What the caller may do to the report now (the read schema's `allowed_actions`)."""
    if report.status != ReportStatus.pending.value or not may_decide(principal, report):
        return []
    return ["approve", "reject"]


def may_manage_code(principal: Principal, community_org_id: int) -> bool:
    return acts_for(principal, community_org_id)


def may_report(principal: Principal) -> bool:
    return principal.actor_type is ActorType.user and principal.role is Role.member


def sees_full_mobile(principal: Principal, report: Report) -> bool:
    if principal.actor_type is not ActorType.user:
        return False
    return acts_for(principal, report.community_org_id) or is_this_user(principal, report.reporter_user_id)
