"""报到: the community's code, a member's report, and the community's decision on it.

- The code (reports/codes.py) names the community and the version it was signed with; rotation
  bumps the version kept in `report_codes` and may set an expiry.
- A report is submitted by a `member` account (bearer token) or by a WeChat identity that no
  account is bound to yet, with the binding ticket `POST /auth/wechat` gave it (the ticket proves
  the openid; it is not spent, so the user can still bind an account with it). One pending report
  per reporter per community (409 `report_pending`).
- Approval, in one transaction: the community's member with the same mobile (its keyed hash,
  `members.service.find_by_phone`) is linked, else one is created by `members.service.create_member`
  (its placement rules, its card); the reporter's account is linked to it or its WeChat bound to the
  member's login (`members.service.link_reported_login`, `wechat.service.bind_reported`); an entry
  goes on the member's contact card (双向联系卡) for its unit to read; audit events; and the webhook
  event `member.reported`. Rejection keeps the reason, which the reporter reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongjian import notifications
from gongjian.cards import service as cards
from gongjian.cards.schemas import ContactEntryCreate
from gongjian.kit import audit
from gongjian.kit.calendar import local_today
from gongjian.kit.errors import conflict, forbidden, not_found, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, page_of, read_rows
from gongjian.kit.personal_data import encrypt, mask_mobile, phone_lookup, reveal
from gongjian.kit.principal import Principal, set_stamp
from gongjian.kit.rows import one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.kit.transitions import check_move
from gongjian.members import service as members
from gongjian.members.rules import date_issues, load_orgs, placement_issues, raise_first
from gongjian.members.schemas import MemberCreate
from gongjian.models import Card, Member, Organization, Report, ReportCode
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    REPORT_MOVES,
    ActorType,
    AuditAction,
    CardStatus,
    CardType,
    OrganizationKind,
    ReportStatus,
    Role,
    WebhookEventType,
)
from gongjian.organizations.permissions import is_partner, partner_org_ids
from gongjian.reports import codes, permissions
from gongjian.reports.schemas import (
    OwnReportListQuery,
    PartnerUnit,
    ReportCodeCommunity,
    ReportCodeRead,
    ReportCodeRotate,
    ReportCreate,
    ReportListQuery,
    ReportRead,
    ReportReject,
    WechatReportCreate,
)
from gongjian.settings import get_settings
from gongjian.webhooks.outbox import emit
from gongjian.wechat import service as wechat

LABEL = "报到申请"
COMMUNITY_LABEL = "社区党组织"
PENDING = conflict("report_pending", "已向该社区提交报到，正在等待社区确认，请勿重复提交")
NO_PARTNERSHIP = unprocessable(
    "no_partnership", "所填工作单位不是该社区的共建单位，请核对或联系社区", field="body.unit_org_id"
)
SORT_COLUMNS = {"created_at": Report.created_at, "id": Report.id}

# --- the code ------------------------------------------------------------------------------------


def _community(session: Session, principal: Principal, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or org.kind != OrganizationKind.community.value:
        raise not_found(COMMUNITY_LABEL)
    if not permissions.may_manage_code(principal, org_id):
        raise forbidden("只有平台管理员或本社区管理员可以查看和更换报到码")
    if org.archived_at is not None:
        raise conflict("organization_archived", "社区党组织已归档，不能报到")
    return org


def _code_read(org_id: int, row: ReportCode | None) -> ReportCodeRead:
    version = row.code_version if row is not None else 1
    code = codes.sign(org_id, version)
    page = get_settings().wechat_report_page
    return ReportCodeRead(
        community_org_id=org_id,
        code=code,
        version=version,
        expires_at=row.expires_at if row is not None else None,
        page=page,
        scene=code,
        path=f"{page}?scene={code}",
    )


def _code_row(session: Session, org_id: int, *, lock: bool = False) -> ReportCode | None:
    stmt = select(ReportCode).where(ReportCode.community_org_id == org_id)
    return session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()


def get_code(session: Session, principal: Principal, org_id: int) -> ReportCodeRead:
    _community(session, principal, org_id)
    return _code_read(org_id, _code_row(session, org_id))


def rotate_code(session: Session, principal: Principal, org_id: int, body: ReportCodeRotate) -> ReportCodeRead:
    _community(session, principal, org_id)
    now = utcnow()
    if body.expires_at is not None and body.expires_at <= now:
        raise unprocessable("expiry_in_past", "失效时间须晚于现在", field="body.expires_at")
    row = _code_row(session, org_id, lock=True)
    if row is None:
        row = ReportCode(community_org_id=org_id, code_version=1)
        session.add(row)
    before = row.code_version
    row.code_version = before + 1
    row.expires_at = body.expires_at
    row.rotated_at = now
    set_stamp(row, "rotated", principal)
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.update,
        "report_code",
        org_id,
        {"version": [before, row.code_version], "expires_at": body.expires_at.isoformat() if body.expires_at else None},
    )
    return _code_read(org_id, row)


def community_of_code(session: Session, code: str) -> int:
    """The community a genuine, current code names (422 `report_code_*` otherwise). Residents
    register with the same code (residents/service.py): it shows they scanned the community's."""
    parsed = codes.parse(code)
    org = session.get(Organization, parsed.community_org_id)
    if org is None or org.kind != OrganizationKind.community.value or org.archived_at is not None:
        raise codes.INVALID
    row = _code_row(session, org.id)
    codes.check_current(parsed, row.code_version if row else 1, row.expires_at if row else None, utcnow())
    return org.id


def code_community(session: Session, code: str) -> ReportCodeCommunity:
    """The community a genuine, current code names and its partner units, for the form. The code is
    the credential: it is shown on the community's wall, and names nothing more than that."""
    community_id = community_of_code(session, code)
    name = session.execute(select(Organization.name).where(Organization.id == community_id)).scalar_one()
    units = session.execute(
        select(Organization.id, Organization.name)
        .where(Organization.id.in_(partner_org_ids(community_id)), Organization.archived_at.is_(None))
        .order_by(Organization.name, Organization.id)
    ).all()
    return ReportCodeCommunity(
        community_org_id=community_id,
        community_name=name,
        units=[PartnerUnit(id=unit_id, name=unit_name) for unit_id, unit_name in units],
    )


# --- submitting ----------------------------------------------------------------------------------


def submit(session: Session, principal: Principal, body: ReportCreate) -> ReportRead:
    """A member account reports."""
    if not permissions.may_report(principal):
        raise forbidden("只有党员本人（党员账号或微信）可以报到")
    return _submit(session, principal, body, reporter_user_id=principal.id)


def submit_by_wechat(session: Session, body: WechatReportCreate) -> ReportRead:
    """A WeChat identity no account is bound to reports, proving its openid with a binding ticket."""
    ticket = wechat.check_ticket(session, body.binding_ticket)
    actor = Principal(ActorType.wechat, ticket.id, "微信用户（报到）", Role.member, None)
    data = ReportCreate.model_validate(body.model_dump(exclude={"binding_ticket"}))
    return _submit(session, actor, data, openid=ticket.openid, unionid=ticket.unionid)


def _submit(
    session: Session,
    actor: Principal,
    body: ReportCreate,
    *,
    reporter_user_id: int | None = None,
    openid: str | None = None,
    unionid: str | None = None,
) -> ReportRead:
    community_id = community_of_code(session, body.code)
    orgs = load_orgs(session, [body.unit_org_id, community_id])
    raise_first(
        placement_issues(actor, body.category, body.unit_org_id, community_id, orgs)
        + date_issues(None, body.joined_party_on, None)
    )
    # A reporter has no tie to either organisation: its unit must be one of the community's partners.
    if body.unit_org_id is not None and not is_partner(session, body.unit_org_id, community_id):
        raise NO_PARTNERSHIP
    mine = (
        Report.reporter_user_id == reporter_user_id
        if reporter_user_id is not None
        else Report.reporter_openid == openid
    )
    pending = select(Report.id).where(
        Report.community_org_id == community_id, Report.status == ReportStatus.pending.value, mine
    )
    if session.execute(pending).first() is not None:
        raise PENDING
    report = Report(
        community_org_id=community_id,
        status=ReportStatus.pending.value,
        name=body.name,
        gender=body.gender.value,
        phone_ciphertext=encrypt(body.mobile),
        phone_lookup=phone_lookup(body.mobile),
        category=body.category.value,
        unit_org_id=body.unit_org_id,
        joined_party_on=body.joined_party_on,
        skills=body.skills,
        reporter_user_id=reporter_user_id,
        reporter_openid=openid,
        reporter_unionid=unionid,
    )
    session.add(report)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # A second submission raced past the check: the partial unique index decided.
        raise PENDING from None
    audit.record(
        session,
        actor,
        AuditAction.create,
        "report",
        report.id,
        {
            "community_org_id": community_id,
            "category": body.category.value,
            "unit_org_id": body.unit_org_id,
            "via": "account" if reporter_user_id is not None else "wechat",
        },
    )
    return to_read(actor, report)


def has_pending_wechat_report(session: Session, openid: str) -> bool:
    """Whether this WeChat identity waits on a 报到 (whose approval will bind it to a member's login)."""
    pending = select(Report.id).where(Report.reporter_openid == openid, Report.status == ReportStatus.pending.value)
    return session.execute(pending).first() is not None


# --- reading -------------------------------------------------------------------------------------


def to_read(principal: Principal, report: Report) -> ReportRead:
    phone = reveal(report.phone_ciphertext)
    full = permissions.sees_full_mobile(principal, report) or principal.actor_type is ActorType.wechat
    return ReportRead.model_validate(
        {
            **{name: getattr(report, name) for name in ReportRead.model_fields if hasattr(report, name)},
            "mobile": phone if full else mask_mobile(phone),
            "mobile_masked": not full,
            "via": "account" if report.reporter_user_id is not None else "wechat",
            "decided_by": report.decided_by_name,
            "allowed_actions": permissions.allowed_actions(principal, report),
        }
    )


def _listed(stmt: Select[Any], query: ReportListQuery | OwnReportListQuery) -> Select[Any]:
    if query.status is not None:
        stmt = stmt.where(Report.status == query.status.value)
    if isinstance(query, ReportListQuery):
        if query.community_org_id is not None:
            stmt = stmt.where(Report.community_org_id == query.community_org_id)
        if query.unit_org_id is not None:
            stmt = stmt.where(Report.unit_org_id == query.unit_org_id)
    return apply_sort(stmt, query.sort.value, SORT_COLUMNS, Report.id)


def list_reports(session: Session, principal: Principal, query: ReportListQuery) -> Page[ReportRead]:
    stmt = _listed(select(Report).where(permissions.visible_reports(principal)), query)
    rows, total = read_rows(stmt, query, session=session)
    return page_of(ReportRead, [to_read(principal, r) for r in rows], total, query)


def list_own_reports(session: Session, principal: Principal, query: OwnReportListQuery) -> Page[ReportRead]:
    stmt = _listed(select(Report).where(permissions.own_reports(principal)), query)
    rows, total = read_rows(stmt, query, session=session)
    return page_of(ReportRead, [to_read(principal, r) for r in rows], total, query)


def _report(session: Session, principal: Principal, report_id: int, *, lock: bool = False) -> Report:
    seen = permissions.visible_reports(principal) | permissions.own_reports(principal)
    return one_or_404(session, select(Report).where(Report.id == report_id, seen), LABEL, lock=lock)  # type: ignore[no-any-return]


def get_report(session: Session, principal: Principal, report_id: int) -> ReportRead:
    return to_read(principal, _report(session, principal, report_id))


# --- deciding ------------------------------------------------------------------------------------


def _deciding(
    session: Session, principal: Principal, report_id: int, target: ReportStatus, if_match: str | None
) -> Report:
    report = _report(session, principal, report_id, lock=True)
    if not permissions.may_decide(principal, report):
        raise forbidden("只有平台管理员或报到社区的管理员可以确认或退回报到")
    check_if_match(if_match, report.version)
    check_move(ReportStatus(report.status), target, REPORT_MOVES, "report_decided", "报到申请")
    return report


def _decide(session: Session, principal: Principal, report: Report, status: ReportStatus) -> None:
    report.status = status.value
    report.decided_at = utcnow()
    set_stamp(report, "decided", principal)
    report.version += 1


def reject(
    session: Session, principal: Principal, report_id: int, body: ReportReject, if_match: str | None
) -> ReportRead:
    report = _deciding(session, principal, report_id, ReportStatus.rejected, if_match)
    _decide(session, principal, report, ReportStatus.rejected)
    report.reason = body.reason
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.update,
        "report",
        report.id,
        {"status": ["pending", "rejected"], "reason": body.reason},
    )
    notifications.notify_report_decided(session, report)
    return to_read(principal, report)


def approve(session: Session, principal: Principal, report_id: int, if_match: str | None) -> ReportRead:
    report = _deciding(session, principal, report_id, ReportStatus.approved, if_match)
    # Two approvals with one mobile in one community must not both miss the member and both create
    # it: the community's row is the lock they queue on (PostgreSQL; SQLite holds the write lock).
    session.execute(select(Organization.id).where(Organization.id == report.community_org_id).with_for_update())
    phone = reveal(report.phone_ciphertext)
    member = members.find_by_phone(session, report.community_org_id, phone)
    linked = member is not None
    if member is not None and member.archived_at is not None:
        raise conflict("member_archived", f"该手机号对应的党员（{member.name}）已归档，恢复后再确认报到")
    if member is None:
        created = members.create_member(
            session,
            principal,
            MemberCreate.model_validate(
                {
                    "name": report.name,
                    "gender": report.gender,
                    "phone": phone,
                    "joined_party_on": report.joined_party_on,
                    "category": report.category,
                    "unit_org_id": report.unit_org_id,
                    "community_org_id": report.community_org_id,
                    "reported_on": local_today(),
                    "skills": report.skills,
                }
            ),
        )
        member = session.get_one(Member, created.id)
    if report.reporter_user_id is not None:
        members.link_reported_login(session, principal, member, report.reporter_user_id)
    elif report.reporter_openid is not None:
        wechat.bind_reported(session, principal, member, report.reporter_openid, report.reporter_unionid)
    _note_on_contact_card(session, principal, member.id, report)
    _decide(session, principal, report, ReportStatus.approved)
    report.member_id = member.id
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.update,
        "report",
        report.id,
        {"status": ["pending", "approved"], "member_id": member.id, "linked_existing": linked},
    )
    emit(
        session,
        WebhookEventType.member_reported,
        {
            "report_id": report.id,
            "member_id": member.id,
            "community_org_id": report.community_org_id,
            "unit_org_id": member.unit_org_id,
            "linked_existing_member": linked,
            "reported_at": report.decided_at,
        },
    )
    notifications.notify_report_decided(session, report)
    return to_read(principal, report)


def _note_on_contact_card(session: Session, principal: Principal, member_id: int, report: Report) -> None:
    """The unit learns of the 报到 on the member's 双向联系卡 (in-service members hold one)."""
    card_id = session.execute(
        select(Card.id).where(
            Card.member_id == member_id,
            Card.status == CardStatus.open.value,
            Card.card_type == CardType.contact.value,
        )
    ).scalar_one_or_none()
    if card_id is None:
        return
    community = session.get_one(Organization, report.community_org_id)
    entry = ContactEntryCreate(
        card_type="contact",
        occurred_on=local_today(),
        content=f"到{community.name}报到，社区已确认（报到申请第 {report.id} 号）",
        contact_person=principal.name[:50],
    )
    cards.add_entry(session, principal, card_id, entry)
