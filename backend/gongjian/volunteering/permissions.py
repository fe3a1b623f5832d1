"""Who may see and act on volunteer records, members' correction requests and proofs of service.

- Seeing records: a platform admin sees every record; an organisation's admin sees the records it
  organised and those of the members it looks after; a member sees its own (everything else is
  filtered out of the query, so it answers 404).
- Entering: a platform admin or an organisation's admin. For an activity, only the admin of its
  organiser; without one, in the admin's own organisation's name, for the members it looks after.
- Approving (and rejecting): only an admin of the organiser organisation, signed in as a person,
  and never the one who entered the record. A platform admin does not approve. An API key never
  does: it acts for its whole organisation, the recorder included, so it can't show that it is
  not the recorder (`self_approval`); keys may enter records, people of the organiser review them.
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

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from gongjian.kit.access import acts_for, require_admin_role
from gongjian.kit.errors import ProblemError, forbidden, unprocessable
from gongjian.kit.principal import Principal
from gongjian.members.permissions import looks_after_member, own_member_ids, require_own_member, visible_members
from gongjian.models import Member, VolunteerCertificateRequest, VolunteerRecord
from gongjian.models.enums import ActorType, CertificateRequestStatus, Role, VolunteerRecordStatus
from gongjian.organizations.permissions import area_scope

MEMBER_LABEL = "党员"
KEY_REVIEWS = "API 密钥代表整个组织（包括录入人），不能审核记录；请由组织单位的管理员登录后审核"


def record_scope(principal: Principal) -> ColumnElement[bool] | None:
    """The WHERE clause of every record read (and of requests, through their record); None: all."""
    if principal.is_admin:
        return None
    of_visible_members = VolunteerRecord.member_id.in_(select(Member.id).where(visible_members(principal)))
    if principal.is_org_admin:
        return or_(VolunteerRecord.organizer_org_id == principal.organization_id, of_visible_members)
    if principal.is_area_admin:
        return or_(area_scope(principal, VolunteerRecord.organizer_org_id), of_visible_members)
    return of_visible_members


# --- entering and reviewing records ------------------------------------------------------------


def require_recorder(principal: Principal) -> None:
    require_admin_role(principal, "志愿服务记录由组织单位录入")


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


def approver_refusal(principal: Principal, record: VolunteerRecord) -> ProblemError | None:
    """Why the caller may not review the record (None: it may); `require_approver` raises it."""
    # The organiser's admin only: a platform admin does not approve (README, Approval).
    if principal.is_admin or not acts_for(principal, record.organizer_org_id):
        return forbidden("只有组织单位的管理员可以审核该记录")
    if principal.actor_type is not ActorType.user:
        return ProblemError(403, "self_approval", "无权操作", KEY_REVIEWS)
    if record.recorded_by == principal.key:
        return ProblemError(403, "self_approval", "无权操作", "录入人不能审核自己录入的记录")
    return None


def require_approver(principal: Principal, record: VolunteerRecord) -> None:
    refusal = approver_refusal(principal, record)
    if refusal is not None:
        raise refusal


def review_hint(principal: Principal, record: VolunteerRecord, organizer_name: str) -> str | None:
    """For a pending record the caller may not review: who may (shown instead of an empty 操作)."""
    refusal = approver_refusal(principal, record)
    if refusal is None:
        return None
    if refusal.code == "self_approval" and principal.actor_type is ActorType.user:
        return f"录入人不能审核自己录入的记录，请由{organizer_name}的其他管理员审核"
    return f"由{organizer_name}（组织单位）的管理员审核，录入人本人除外"


def may_correct(principal: Principal, record: VolunteerRecord) -> bool:
    return acts_for(principal, record.organizer_org_id)


def approvable_records(principal: Principal) -> ColumnElement[bool] | None:
    """SQL form of `require_approver` over pending records: what waits for the caller's review
    (None: the caller reviews none — a platform admin, an API key, a member)."""
    if principal.is_admin or not principal.is_org_admin or principal.actor_type is not ActorType.user:
        return None
    return and_(
        VolunteerRecord.status == VolunteerRecordStatus.pending.value,
        VolunteerRecord.organizer_org_id == principal.organization_id,
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


def require_answerer(principal: Principal, record: VolunteerRecord) -> None:
    if not acts_for(principal, record.organizer_org_id):
        raise forbidden("更正申请由组织单位答复")


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
