"""Who may see, report and handle residents' concerns (社情民意), in one place.

- Visibility: the community's admin; the admins of its partner units (共建, the 五百 work); and the
  account that reported it. Members see only what they reported.
- Reporting: a member for itself, in the community it reports to; an admin for its own community
  or a partner community (共建), for its organisation or on behalf of a resident.
- Handling (start, escalate, resolve): the community's admin, or a platform admin. They alone see
  a resident reporter's name in full.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from gongjian.concerns.schemas import ConcernCreate
from gongjian.kit.errors import ProblemError, forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.meetings.permissions import community_scope, manages_community
from gongjian.members.permissions import own_member
from gongjian.models import Concern
from gongjian.models.enums import ConcernReporterKind, Role
from gongjian.organizations.permissions import is_partner


def visibility(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition on `concerns` (None: the caller sees every concern)."""
    if principal.is_admin:
        return None
    mine = Concern.reported_by == principal.key
    if principal.role is Role.member:
        return mine
    scope = community_scope(principal, Concern.community_org_id)
    return mine if scope is None else or_(scope, mine)


class Reporter(NamedTuple):
    kind: ConcernReporterKind
    community_org_id: int
    name: str
    member_id: int | None


def reporter(session: Session, principal: Principal, data: ConcernCreate) -> Reporter:
    """Who reports a new concern, as what, and for which community (its liveness and kind, and an
    admin's tie to it, are checked next: `require_reporter_in`)."""
    if principal.role is Role.member:
        member = own_member(session, principal)
        if member is None:
            raise ProblemError(403, "no_member_profile", "无权操作", "当前账号没有关联党员档案")
        if data.reporter_kind not in (None, ConcernReporterKind.member):
            raise forbidden("党员只能以本人名义反映")
        community_id = data.community_org_id or member.community_org_id
        if community_id != member.community_org_id:
            raise forbidden("党员只能反映报到社区的问题")
        return Reporter(ConcernReporterKind.member, community_id, member.name, member.id)
    kind = data.reporter_kind or ConcernReporterKind.admin
    if kind is ConcernReporterKind.member:
        raise unprocessable("reporter_kind_invalid", "管理员请以组织或代居民的名义登记", field="body.reporter_kind")
    if data.community_org_id is None:
        if principal.role is not Role.community_admin or principal.organization_id is None:
            raise unprocessable("organization_required", "请指定所在社区", field="body.community_org_id")
        community_id = principal.organization_id
    else:
        community_id = data.community_org_id
    name = data.resident_name if kind is ConcernReporterKind.resident and data.resident_name else principal.name
    return Reporter(kind, community_id, name, None)


def require_reporter_in(session: Session, principal: Principal, community_org_id: int) -> None:
    """An admin reports for its own community or one its organisation partners with (a member was
    kept to the community it reports to by `reporter`)."""
    if principal.role is Role.member:
        return
    partner = principal.is_org_admin and is_partner(session, principal.organization_id, community_org_id)
    if not (manages_community(principal, community_org_id) or partner):
        raise forbidden("只能反映本社区或共建社区的问题")


def require_handler(principal: Principal, concern: Concern) -> None:
    if not manages_community(principal, concern.community_org_id):
        raise forbidden("只有本社区党组织管理员或平台管理员可以处理社情民意")


def masks_reporter(principal: Principal, concern: Concern) -> bool:
    """A resident's name is masked for everyone but those who handle the concern."""
    return concern.reporter_kind == ConcernReporterKind.resident.value and not manages_community(
        principal, concern.community_org_id
    )
