"""Who may see and act on volunteer records, members' correction requests and proofs of service.

- Seeing records: a platform admin sees every record; an organisation's admin sees the records it
  organised, those of activities in its community (a neighbour's hours served there, which it may
  have to approve) and those of the members it looks after (a member's hours served in another
  community too); a member sees its own (everything else is filtered out of the query: 404).
- Entering: a platform admin or an organisation's admin. For an activity, only the admin of its
  organiser; without one, in the admin's own organisation's name, for the members it looks after.
- Approving (and rejecting), never a dead end while someone else can: the admins of ONE
  organisation review a record, `reviewing_org_id` (the one rule, in SQL, read by the check, the
  list of what waits for the caller, the record's `allowed_actions` and its `review_hint`):
  the organiser while it has an active admin other than the recorder; else the community the
  service belongs to (the activity's; without an activity, the member's). Always a person signed
  in, never the one who entered the record. A platform admin does not approve. An API key never
  does: it acts for its whole organisation, the recorder included, so it can't show that it is
  not the recorder (`self_approval`); keys may enter records, people review them.
- Correcting a record and answering a member's request: the organiser's admin or a platform admin.
- Asking for a correction: the member whose record it is.
- Hours and proofs of service: of a member the caller sees (its own, or one it looks after). A
  member's proof is issued by its community or unit; an organisation's admin issues in its own
  organisation's name; a platform admin names the issuing organisation.
- Requests for a proof: a member asks for its own; the request names the issuing organisation (the
  member's community or unit), whose admins (and platform admins) see it and answer it. A member
  sees its own requests; nobody else sees any.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import QueryableAttribute, Session, aliased

from gongjian.kit.access import acts_for, has_admin_role
from gongjian.kit.errors import ProblemError, forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.members.permissions import looks_after_member, own_member_ids, require_own_member, visible_members
from gongjian.models import Activity, Member, Organization, User, VolunteerCertificateRequest, VolunteerRecord
from gongjian.models.enums import (
    ActorType,
    CertificateRequestStatus,
    CorrectionRequestStatus,
    Role,
    VolunteerRecordStatus,
)
from gongjian.organizations.permissions import area_scope

MEMBER_LABEL = "党员"
KEY_REVIEWS = "API 密钥代表整个组织（包括录入人），不能审核记录；请由组织单位的管理员登录后审核"


def record_scope(principal: Principal) -> ColumnElement[bool] | None:
    """The WHERE clause of every record read (and of requests, through their record); None: all."""
    if principal.is_admin:
        return None
    of_visible_members = VolunteerRecord.member_id.in_(select(Member.id).where(visible_members(principal)))
    if principal.is_org_admin:
        org = principal.organization_id
        in_its_community = VolunteerRecord.activity_id.in_(select(Activity.id).where(Activity.community_org_id == org))
        return or_(VolunteerRecord.organizer_org_id == org, in_its_community, of_visible_members)
    if principal.is_area_admin:
        return or_(area_scope(principal, VolunteerRecord.organizer_org_id), of_visible_members)
    return of_visible_members


# --- entering and reviewing records ------------------------------------------------------------


def may_enter_records(principal: Principal) -> bool:
    """Entering records at all (for which member and organiser: the checks below)."""
    return has_admin_role(principal)


def require_recorder(principal: Principal) -> None:
    if not may_enter_records(principal):
        raise forbidden("志愿服务记录由组织单位录入")


def require_activity_organizer(principal: Principal, organizer_org_id: int) -> None:
    if not acts_for(principal, organizer_org_id):
        raise forbidden("只有活动主办组织的管理员可以录入该活动的志愿服务记录")


def require_own_organization(principal: Principal, organizer_org_id: int) -> None:
    """A record without an activity is entered in the caller's own organisation's name."""
    if not acts_for(principal, organizer_org_id):
        raise forbidden("只能以本组织名义录入志愿服务记录")


def require_looks_after(principal: Principal, member: Member) -> None:
    """Without an activity, only the members the caller looks after."""
    if not looks_after_member(principal, member):
        raise forbidden("不属于本组织的党员，请通过活动录入")


# Accounts that review for their organisation (people: `approver_refusal` turns API keys away).
# Accounts that review records: an organisation's admins, and a street's (the last resort below).
REVIEWING_ROLES = (Role.community_admin.value, Role.unit_admin.value, Role.street_admin.value)


def _has_reviewer(org_id: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[bool]:
    """SQL, beside a `VolunteerRecord`: organisation `org_id` has an active admin account other than
    the record's recorder (an aliased `User`, so the test nests inside another one)."""
    user = aliased(User)
    # Correlated by name: nested in another of these (`reviewers_of`), auto-correlation would only
    # look one level up and drag in a second, unrelated `volunteer_records`.
    return (
        exists()
        .where(
            user.organization_id == org_id,
            user.role.in_(REVIEWING_ROLES),
            user.is_active.is_(True),
            literal(f"{ActorType.user.value}:").concat(cast(user.id, String)) != VolunteerRecord.recorded_by,
        )
        .correlate(VolunteerRecord)
    )


def service_community_id() -> ColumnElement[Any]:
    """SQL, beside a `VolunteerRecord`: the community its service belongs to — the activity's, or
    without an activity the member's."""
    of_activity = select(Activity.community_org_id).where(Activity.id == VolunteerRecord.activity_id)
    of_member = select(Member.community_org_id).where(Member.id == VolunteerRecord.member_id)
    of_activity, of_member = of_activity.correlate(VolunteerRecord), of_member.correlate(VolunteerRecord)
    return func.coalesce(of_activity.scalar_subquery(), of_member.scalar_subquery())


def reviewing_org_id() -> ColumnElement[Any]:
    """SQL, beside a `VolunteerRecord`: THE rule of whose admins review the record (approve or reject
    it) — never the recorder, never a dead end while another organisation can take it:
    1. the organiser, while it has an admin besides the recorder (its other admins first);
    2. else the community the service belongs to (`service_community_id`), when it has one;
    3. else the street that community belongs to, when it has one.
    The check (`approver_refusal`), the list of what waits for the caller (`approvable_records`),
    the record's `allowed_actions` and `review_hint` all read this expression.
    """
    organiser = VolunteerRecord.organizer_org_id
    community = service_community_id()
    above = aliased(Organization)
    street = select(above.parent_id).where(above.id == community).correlate(VolunteerRecord).scalar_subquery()
    return case(
        (_has_reviewer(organiser), organiser),
        (_has_reviewer(community), community),
        # 3. else the street above that community, when it has an admin (a district never reviews:
        #    it is too far from the activity to vouch for it).
        (_has_reviewer(street), street),
        else_=community,
    )


@dataclass(frozen=True, slots=True)
class Reviewer:
    """Who reviews one record: `reviewing_org_id` with its name, and whether it has anyone to."""

    org_id: int
    name: str
    is_organiser: bool
    has_reviewer: bool


def reviewers_of(session: Session, record_ids: Collection[int]) -> dict[int, Reviewer]:
    """`reviewing_org_id` of each record, in one query."""
    if not record_ids:
        return {}
    rows = session.execute(_reviewers_statement(), {"record_ids": list(record_ids)}).all()
    return {
        rid: Reviewer(org_id=org, name=name, is_organiser=org == organiser, has_reviewer=bool(has))
        for rid, organiser, org, has, name in rows
    }


@cache
def _reviewers_statement() -> Select[Any]:
    """`reviewers_of`'s select, built once: building `reviewing_org_id` (four aliased subqueries)
    cost more than running it, on every list page with a pending record (issue 18)."""
    reviewing = reviewing_org_id().label("reviewing_org_id")
    inner = (
        select(VolunteerRecord.id, VolunteerRecord.organizer_org_id, reviewing, _has_reviewer(reviewing))
        .where(VolunteerRecord.id.in_(bindparam("record_ids", expanding=True)))
        .subquery()
    )
    return select(inner, Organization.name).join(Organization, Organization.id == inner.c.reviewing_org_id)


def _may_review(principal: Principal) -> bool:
    """The caller's role is one that reviews records for its own organisation (`REVIEWING_ROLES`)."""
    return principal.role.value in REVIEWING_ROLES


def _reviews_for(principal: Principal, org_id: int) -> bool:
    return _may_review(principal) and principal.organization_id == org_id


def approver_refusal(principal: Principal, record: VolunteerRecord, reviewer: Reviewer) -> ProblemError | None:
    """Why the caller may not review the record (None: it may); `require_approver` raises it."""
    # The reviewing organisation's admins only: a platform admin does not approve (README, Approval).
    if not principal.is_admin and record.recorded_by == principal.key:
        return ProblemError(403, "self_approval", "无权操作", "录入人不能审核自己录入的记录")
    if principal.is_admin or not _reviews_for(principal, reviewer.org_id):
        return forbidden(f"该记录由{reviewer.name}的管理员审核")
    if principal.actor_type is not ActorType.user:
        return ProblemError(403, "self_approval", "无权操作", KEY_REVIEWS)
    return None


def require_approver(session: Session, principal: Principal, record: VolunteerRecord) -> None:
    refusal = approver_refusal(principal, record, reviewers_of(session, [record.id])[record.id])
    if refusal is not None:
        raise refusal


def review_hint(principal: Principal, record: VolunteerRecord, reviewer: Reviewer, organizer_name: str) -> str | None:
    """For a pending record the caller may not review: who may, in a sentence (shown where the
    caller's buttons would be)."""
    if approver_refusal(principal, record, reviewer) is None:
        return None
    if not reviewer.has_reviewer:
        # A dead end until an admin is added (or, with streets, the street above takes it).
        if reviewer.is_organiser:
            return f"{reviewer.name} 没有其他管理员可以审核，请平台管理员为其添加管理员"
        return f"{organizer_name} 没有其他管理员，{reviewer.name} 也没有可以审核的管理员，请平台管理员添加管理员"
    if reviewer.is_organiser:
        mine = principal.actor_type is ActorType.user and record.recorded_by == principal.key
        return ("录入人不能审核自己录入的记录，" if mine else "") + f"待 {reviewer.name} 的其他管理员审核"
    return f"{organizer_name} 没有其他管理员，待 {reviewer.name} 的管理员审核"


def may_correct(principal: Principal, record: VolunteerRecord) -> bool:
    return acts_for(principal, record.organizer_org_id)


def approvable_records(principal: Principal) -> ColumnElement[bool] | None:
    """SQL form of `require_approver` over pending records: what waits for the caller's review
    (None: the caller reviews none — a platform admin, an API key, a member)."""
    if principal.is_admin or not _may_review(principal) or principal.actor_type is not ActorType.user:
        return None
    return and_(
        VolunteerRecord.status == VolunteerRecordStatus.pending.value,
        reviewing_org_id() == principal.organization_id,
        VolunteerRecord.recorded_by != principal.key,
    )


def require_corrector(principal: Principal, record: VolunteerRecord) -> None:
    if not may_correct(principal, record):
        raise forbidden("只有组织单位的管理员可以更正该记录")


# --- members' correction requests --------------------------------------------------------------


def require_record_owner(session: Session, principal: Principal, record: VolunteerRecord) -> Member:
    """The caller's member row, when the record is its own."""
    member = require_own_member(session, principal)
    if record.member_id != member.id:
        raise forbidden("只能对自己的记录申请更正")
    return member


def may_answer(principal: Principal, organizer_org_id: int) -> bool:
    """Answering a member's correction request (correcting the record, or declining): the
    organiser's admin or a platform admin."""
    return acts_for(principal, organizer_org_id)


def require_answerer(principal: Principal, record: VolunteerRecord) -> None:
    if not may_answer(principal, record.organizer_org_id):
        raise forbidden("更正申请由组织单位答复")


def correction_request_actions(principal: Principal, organizer_org_id: int, status: str) -> list[str]:
    """What the caller may do to a correction request now (the read schema's `allowed_actions`)."""
    if status != CorrectionRequestStatus.open.value or not may_answer(principal, organizer_org_id):
        return []
    return ["answer"]


# --- proofs of service -------------------------------------------------------------------------


def issuing_org_id(principal: Principal, member: Member, requested: int | None) -> int:
    """The organisation in whose name the caller issues the member's proof of service."""
    member_orgs = {member.community_org_id, member.unit_org_id} - {None}
    if principal.role is Role.member:
        if requested is not None and requested not in member_orgs:
            raise unprocessable("issuing_org_invalid", "出具组织应为本人所在社区或单位", field="body.issuing_org_id")
        issuing_id = requested or member.community_org_id
    elif principal.is_admin:
        if requested is None:
            raise unprocessable("issuing_org_required", "请指定出具证明的组织", field="body.issuing_org_id")
        issuing_id = requested
    elif principal.is_org_admin:
        if requested is not None and not acts_for(principal, requested):
            raise forbidden("只能以本组织名义出具证明")
        issuing_id = principal.organization_id or 0
    else:
        raise forbidden("志愿服务证明由党员本人申请、组织单位出具")
    if issuing_id not in member_orgs:
        raise unprocessable("issuing_org_invalid", "出具组织应为该党员所在社区或单位", field="body.issuing_org_id")
    return issuing_id


def certificate_request_scope(principal: Principal) -> ColumnElement[bool] | None:
    """The WHERE clause of every read of proof requests; None: all."""
    if principal.is_admin:
        return None
    if principal.role is Role.member:
        return VolunteerCertificateRequest.member_id.in_(own_member_ids(principal))
    if principal.is_area_admin:
        return area_scope(principal, VolunteerCertificateRequest.issuing_org_id)
    if not principal.is_org_admin:
        return false()
    return VolunteerCertificateRequest.issuing_org_id == principal.organization_id


def require_requester(principal: Principal) -> None:
    if principal.role is not Role.member:
        raise forbidden("只有党员本人可以申请志愿服务证明；管理员可直接出具")


def may_issue(principal: Principal, issuing_org_id: int) -> bool:
    return acts_for(principal, issuing_org_id)


def require_issuer(principal: Principal, request: VolunteerCertificateRequest) -> None:
    if not may_issue(principal, request.issuing_org_id):
        raise forbidden("只有出具组织的管理员可以答复证明申请")


def certificate_request_actions(principal: Principal, issuing_org_id: int, status: str) -> list[str]:
    """What the caller may do to a proof request now (the read schema's `allowed_actions`)."""
    if status != CertificateRequestStatus.pending.value or not may_issue(principal, issuing_org_id):
        return []
    return ["issue", "decline"]
