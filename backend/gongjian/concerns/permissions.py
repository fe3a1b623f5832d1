"""Who may see, report and handle residents' concerns (社情民意), in one place.

- Visibility: the community's admin; the admins of its partner units (共建, the 五百 work); and the
  account that reported it. Members see only what they reported.
- Reporting: a member for itself, in the community it reports to; an admin for its own community
  or a partner community (共建), for its organisation or on behalf of a resident.
- Handling (start, escalate, resolve): the community's admin, or a platform admin. They alone see
  a resident reporter's name in full.
- A resident (role `resident`) sees only the concerns that are its own (`resident_id` is its row:
  reported by it, or entered for it by its community's admin), with every step of the answer. It
  reports in its own community (from its resident row, never from the body), withdraws a concern
  while the community hasn't started on it (`cancelled` from `reported` only), rates the answer once
  it is resolved, and adds photos of the problem. The resident link and the rating are shown to the
  concern's handlers and its resident only.
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
from gongjian.models.enums import CONCERN_MOVES, AttachmentPurpose, ConcernReporterKind, ConcernStatus, Role
from gongjian.organizations.permissions import is_partner
from gongjian.residents.permissions import named_resident, own_resident_id, own_resident_ids, require_own_resident


def visibility(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition on `concerns` (None: the caller sees every concern)."""
    if principal.is_admin:
        return None
    if principal.is_resident:
        return Concern.resident_id.in_(own_resident_ids(principal))
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
    resident_id: int | None = None


def reporter(session: Session, principal: Principal, data: ConcernCreate) -> Reporter:
    """Who reports a new concern, as what, and for which community (its liveness and kind, and an
    admin's tie to it, are checked next: `require_reporter_in`)."""
    if principal.is_resident:
        resident = require_own_resident(session, principal)
        for field in ("resident_name", "resident_id"):
            if getattr(data, field) is not None:
                raise unprocessable("field_not_for_residents", "居民本人反映时不填此项", field=f"body.{field}")
        if data.reporter_kind not in (None, ConcernReporterKind.resident):
            raise unprocessable("reporter_kind_invalid", "居民只能以本人名义反映", field="body.reporter_kind")
        if data.community_org_id not in (None, resident.community_org_id):
            raise ProblemError(403, "not_own_organization", "无权操作", "居民只能反映本人所在社区的问题")
        return Reporter(ConcernReporterKind.resident, resident.community_org_id, resident.name, None, resident.id)
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
    kind = data.reporter_kind or (
        ConcernReporterKind.resident if data.resident_id is not None else ConcernReporterKind.admin
    )
    if kind is ConcernReporterKind.member:
        raise unprocessable("reporter_kind_invalid", "管理员请以组织或代居民的名义登记", field="body.reporter_kind")
    if data.community_org_id is None:
        if principal.role is not Role.community_admin or principal.organization_id is None:
            raise unprocessable("organization_required", "请指定所在社区", field="body.community_org_id")
        community_id = principal.organization_id
    else:
        community_id = data.community_org_id
    if data.resident_id is not None:
        # Only who manages the community's residents names one (a partner's admin sees none).
        resident = named_resident(session, principal, data.resident_id, "body.resident_id", community_id)
        return Reporter(kind, community_id, resident.name, None, resident.id)
    name = data.resident_name if kind is ConcernReporterKind.resident and data.resident_name else principal.name
    return Reporter(kind, community_id, name, None)


def require_reporter_in(session: Session, principal: Principal, community_org_id: int) -> None:
    """An admin reports for its own community or one its organisation partners with (a member and a
    resident were kept to their own community by `reporter`)."""
    if principal.role in (Role.member, Role.resident):
        return
    partner = principal.is_org_admin and is_partner(session, principal.organization_id, community_org_id)
    if not (manages_community(principal, community_org_id) or partner):
        raise forbidden("只能反映本社区或共建社区的问题")


def may_handle(principal: Principal, concern: Concern) -> bool:
    """The concern's community admin, or a platform admin: who starts, escalates and resolves it."""
    return manages_community(principal, concern.community_org_id)


def require_handler(principal: Principal, concern: Concern) -> None:
    if not may_handle(principal, concern):
        raise forbidden("只有本社区党组织管理员或平台管理员可以处理社情民意")


def is_author(own_resident: int | None, concern: Concern) -> bool:
    """The concern is the caller's own as a resident (`own_resident`: `own_resident_id`, read once)."""
    return own_resident is not None and concern.resident_id == own_resident


def sees_resident(principal: Principal, concern: Concern, own_resident: int | None = None) -> bool:
    """A resident reporter's name in full, the resident link and the rating: those who handle the
    concern, and the resident itself."""
    return manages_community(principal, concern.community_org_id) or is_author(own_resident, concern)


def masks_reporter(principal: Principal, concern: Concern, own_resident: int | None = None) -> bool:
    """A resident's name is masked for everyone but those who handle the concern and the resident."""
    return concern.reporter_kind == ConcernReporterKind.resident.value and not sees_resident(
        principal, concern, own_resident
    )


def require_author(session: Session, principal: Principal, concern: Concern, detail: str) -> None:
    """The resident whose concern it is (withdrawing it, rating the answer), nobody on its behalf."""
    if not is_author(own_resident_id(session, principal), concern):
        raise forbidden(detail)


def rateable(concern: Concern) -> bool:
    """The answer can be rated now: the concern is resolved and not rated yet."""
    return concern.status == ConcernStatus.resolved.value and concern.rated_at is None


# The community's steps, each the move the action makes (the service's `_transition` with its target).
_HANDLER_STEPS = (
    ("start", ConcernStatus.in_progress),
    ("escalate", ConcernStatus.escalated),
    ("resolve", ConcernStatus.resolved),
)


def allowed_actions(principal: Principal, concern: Concern, own_resident: int | None) -> list[str]:
    """What the caller may do to the concern now (the read schema's `allowed_actions`): start,
    escalate and resolve by the community (`require_handler` and the moves its steps check); cancel
    (withdraw) and rate by the resident whose concern it is (`cancel_concern`, `rate_concern`)."""
    actions = []
    if may_handle(principal, concern):
        actions += [a for a, target in _HANDLER_STEPS if ConcernStatus(concern.status) in CONCERN_MOVES[target]]
    if not is_author(own_resident, concern):
        return actions
    if ConcernStatus(concern.status) in CONCERN_MOVES[ConcernStatus.cancelled]:
        actions.append("cancel")
    if rateable(concern):
        actions.append("rate")
    return actions


def require_photo_attacher(
    session: Session, principal: Principal, concern: Concern, purpose: AttachmentPurpose
) -> None:
    """Photos of the problem: whoever reported the concern, or the resident it is of; of the
    resolution (and any photo): those who handle it."""
    if purpose is AttachmentPurpose.problem and (
        concern.reported_by == principal.key or is_author(own_resident_id(session, principal), concern)
    ):
        return
    require_handler(principal, concern)
