"""Residents: registering from WeChat, entered by their community (with a password login or none),
read, changed and deactivated by it, and their own profile.

- From WeChat: a WeChat identity bound to no account scans its community's 报到 code (the same code
  members report with: reports/codes.py) and sends its binding ticket with its name, mobile,
  building and room. One transaction makes the resident's login (role `resident`, in the community,
  no usable password), the resident row and the binding (the ticket is spent:
  `wechat.service.bind_ticket`), and answers the login's tokens. One account per identity (409
  `wechat_already_bound`); an identity whose 报到 waits for approval is refused (409
  `report_pending`), since approving it will bind the identity to a member's login.
- By the community: a community's admin (or a platform admin naming the community) enters a
  resident, with a login (user name + initial password under the password rule) or without.
- One active resident per mobile per community (409 `resident_mobile_taken`): the mobile's keyed
  lookup under every data key, checked with the community's row locked so two registrations can't
  both pass.
- Deactivating a resident deactivates its login too (its sessions end); activating it back
  reactivates the login.
Who sees what (the mobile and room in full only for the resident and its community's admins):
residents/permissions.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from gongjian.auth.passwords import hash_password, require_acceptable
from gongjian.auth.service import tokens_for
from gongjian.kit import audit
from gongjian.kit.errors import ProblemError, conflict, forbidden, not_found
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, page_of, read_rows
from gongjian.kit.personal_data import ADDRESS, encrypt, mask_mobile, phone_lookup, phone_lookups, reveal
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.kit.sorting import LIKE_ESCAPE, apply_sort, like_pattern
from gongjian.models import Organization, Resident, User
from gongjian.models.base import utcnow
from gongjian.models.enums import ActorType, AuditAction, OrganizationKind, Role
from gongjian.reports import service as reports
from gongjian.residents import permissions
from gongjian.residents.schemas import (
    ResidentCreate,
    ResidentListQuery,
    ResidentRead,
    ResidentRegistered,
    ResidentUpdate,
    ResidentWechatCreate,
)
from gongjian.users import service as users
from gongjian.wechat import service as wechat

LABEL = permissions.LABEL
FIELDS = (
    "community_org_id",
    "user_id",
    "name",
    "phone_ciphertext",
    "building",
    "room_ciphertext",
    "is_active",
)
SORT_COLUMNS = {"name": Resident.name, "created_at": Resident.created_at, "id": Resident.id}
MOBILE_TAKEN = conflict(
    "resident_mobile_taken", "该手机号已登记为本社区居民；如需更正，请联系社区", field="body.mobile"
)
REPORT_PENDING = conflict("report_pending", "该微信已提交党员报到，正在等待社区确认，不能再登记为居民")

# --- reading -------------------------------------------------------------------------------------


def _readable(principal: Principal) -> Select[Any]:
    return (
        select(Resident)
        .options(joinedload(Resident.community_org, innerjoin=True), joinedload(Resident.user))
        .where(permissions.visible_residents(principal))
    )


def to_read(principal: Principal, resident: Resident) -> ResidentRead:
    full = permissions.sees_personal_data(principal, resident)
    mobile = reveal(resident.phone_ciphertext)
    return ResidentRead.model_validate(
        {
            **{name: getattr(resident, name) for name in ResidentRead.model_fields if hasattr(resident, name)},
            "mobile": mobile if full else mask_mobile(mobile),
            "mobile_masked": not full,
            "room": reveal(resident.room_ciphertext, ADDRESS) if full else None,
            "username": resident.user.username if resident.user is not None else None,
        }
    )


def list_residents(session: Session, principal: Principal, query: ResidentListQuery) -> Page[ResidentRead]:
    # Built per request: the scope is a where clause of the caller (residents/permissions.py).
    stmt = _readable(principal)
    if query.community_org_id is not None:
        stmt = stmt.where(Resident.community_org_id == query.community_org_id)
    if query.is_active is not None:
        stmt = stmt.where(Resident.is_active.is_(query.is_active))
    if query.building:
        stmt = stmt.where(Resident.building == query.building)
    if query.q:
        stmt = stmt.where(Resident.name.like(like_pattern(query.q), escape=LIKE_ESCAPE))
    rows, total = read_rows(apply_sort(stmt, query.sort.value, SORT_COLUMNS, Resident.id), query, session=session)
    return page_of(ResidentRead, [to_read(principal, r) for r in rows], total, query)


def _resident(session: Session, principal: Principal, resident_id: int, *, lock: bool = False) -> Resident:
    stmt = _readable(principal).where(Resident.id == resident_id)
    return one_or_404(session, stmt, LABEL, lock=lock, of=Resident)  # type: ignore[no-any-return]


def get_resident(session: Session, principal: Principal, resident_id: int) -> ResidentRead:
    return to_read(principal, _resident(session, principal, resident_id))


def _reread(session: Session, resident_id: int, reader: Principal) -> ResidentRead:
    session.flush()
    row = session.execute(
        select(Resident)
        .options(joinedload(Resident.community_org, innerjoin=True), joinedload(Resident.user))
        .where(Resident.id == resident_id)
        .execution_options(populate_existing=True)
    ).scalar_one()
    return to_read(reader, row)


# --- creating ------------------------------------------------------------------------------------


def _require_mobile_free(session: Session, community_id: int, mobile: str, resident_id: int | None = None) -> None:
    """One active resident per mobile per community. The caller holds the community's row lock."""
    stmt = select(Resident.id).where(
        Resident.community_org_id == community_id,
        Resident.is_active.is_(True),
        Resident.phone_lookup.in_(phone_lookups(mobile)),
    )
    if resident_id is not None:
        stmt = stmt.where(Resident.id != resident_id)
    if session.execute(stmt).first() is not None:
        raise MOBILE_TAKEN


def _lock_community(session: Session, community_id: int) -> None:
    # Two registrations with one mobile in one community queue here (PostgreSQL; SQLite holds the
    # write lock): the second sees the first's row.
    session.execute(select(Organization.id).where(Organization.id == community_id).with_for_update())


def _new_resident(
    session: Session,
    actor: Principal,
    community_id: int,
    data: ResidentCreate | ResidentWechatCreate,
    user: User | None,
) -> Resident:
    resident = Resident(
        community_org_id=community_id,
        user_id=user.id if user is not None else None,
        name=data.name,
        phone_ciphertext=encrypt(data.mobile),
        phone_lookup=phone_lookup(data.mobile),
        building=data.building,
        room_ciphertext=encrypt(data.room, ADDRESS),
        is_active=True,
        **stamp(actor, "created"),
    )
    session.add(resident)
    session.flush()
    audit.record(session, actor, AuditAction.create, "resident", resident.id, audit.snapshot(resident, FIELDS))
    return resident


def create_resident(session: Session, principal: Principal, data: ResidentCreate) -> ResidentRead:
    """Hashes a password when a login is made: call from the thread pool."""
    community = live_organization(
        session,
        permissions.community_for_new(principal, data.community_org_id),
        "body.community_org_id",
        kind=OrganizationKind.community,
        detail="社区党组织不存在或已归档",
    )
    _lock_community(session, community.id)
    _require_mobile_free(session, community.id, data.mobile)
    user = None
    if data.username is not None and data.password is not None:
        users.require_username_free(session, data.username)
        require_acceptable(data.password, "body.password", data.username, data.name)
        user = users.add_account(
            session,
            principal,
            username=data.username,
            display_name=data.name,
            role=Role.resident,
            organization_id=community.id,
            password_hash=hash_password(data.password),
        )
    resident = _new_resident(session, principal, community.id, data, user)
    return _reread(session, resident.id, principal)


def register_by_wechat(session: Session, data: ResidentWechatCreate) -> ResidentRegistered:
    """A WeChat identity bound to no account registers as a resident of the code's community."""
    ticket = wechat.check_ticket(session, data.binding_ticket, lock=True)
    community_id = reports.community_of_code(session, data.code)
    if reports.has_pending_wechat_report(session, ticket.openid):
        raise REPORT_PENDING
    actor = Principal(ActorType.wechat, ticket.id, "微信用户（居民登记）", Role.resident, None)
    _lock_community(session, community_id)
    _require_mobile_free(session, community_id, data.mobile)
    user = users.add_account(
        session,
        actor,
        username=wechat.wechat_only_username(),
        display_name=data.name,
        role=Role.resident,
        organization_id=community_id,
        password_hash=wechat.NO_PASSWORD,
    )
    resident = _new_resident(session, actor, community_id, data, user)
    try:
        with session.begin_nested():
            wechat.bind_ticket(session, actor, ticket, user, "resident_registration")
    except IntegrityError:
        # Another binding of this identity raced past the check: the unique index decided.
        raise wechat.ALREADY_BOUND from None
    tokens = tokens_for(user)
    me = Principal(ActorType.user, user.id, user.display_name, Role.resident, community_id)
    return ResidentRegistered(**tokens.model_dump(exclude={"token_type"}), resident=_reread(session, resident.id, me))


# --- changing ------------------------------------------------------------------------------------


def _apply(session: Session, principal: Principal, resident: Resident, data: ResidentUpdate) -> None:
    changes = data.model_dump(exclude_unset=True)
    before = audit.snapshot(resident, FIELDS)
    if "mobile" in changes and reveal(resident.phone_ciphertext) != changes["mobile"]:
        _lock_community(session, resident.community_org_id)
        if resident.is_active:
            _require_mobile_free(session, resident.community_org_id, changes["mobile"], resident.id)
        resident.phone_ciphertext = encrypt(changes["mobile"])
        resident.phone_lookup = phone_lookup(changes["mobile"])
    if "room" in changes and reveal(resident.room_ciphertext, ADDRESS) != changes["room"]:
        resident.room_ciphertext = encrypt(changes["room"], ADDRESS)
    for name in ("name", "building"):
        if name in changes:
            setattr(resident, name, changes[name])
    if "name" in changes and resident.user_id is not None:
        # The login shows (and stamps with) the resident's name.
        login = session.get_one(User, resident.user_id)
        if login.display_name != resident.name:
            login.display_name = resident.name
            login.version += 1
    audit.finish_update(session, principal, "resident", resident, before, FIELDS)


def update_resident(
    session: Session, principal: Principal, resident_id: int, data: ResidentUpdate, if_match: str | None
) -> ResidentRead:
    resident = _resident(session, principal, resident_id, lock=True)
    if not permissions.manages(principal, resident):
        raise forbidden("只有本社区管理员或平台管理员可以修改居民信息")
    check_if_match(if_match, resident.version)
    _apply(session, principal, resident, data)
    return _reread(session, resident.id, principal)


def set_active(session: Session, principal: Principal, resident_id: int, active: bool) -> ResidentRead:
    resident = _resident(session, principal, resident_id, lock=True)
    if not permissions.manages(principal, resident):
        raise forbidden("只有本社区管理员或平台管理员可以停用或启用居民")
    if resident.is_active == active:
        raise conflict("already_active" if active else "already_inactive", "居民已是该状态")
    if active:
        _lock_community(session, resident.community_org_id)
        _require_mobile_free(session, resident.community_org_id, reveal(resident.phone_ciphertext), resident.id)
    before = audit.snapshot(resident, FIELDS)
    resident.is_active = active
    resident.deactivated_at = None if active else utcnow()
    audit.finish_update(
        session,
        principal,
        "resident",
        resident,
        before,
        FIELDS,
        action=AuditAction.activate if active else AuditAction.deactivate,
    )
    if resident.user_id is not None:
        users.change_active(session, principal, session.get_one(User, resident.user_id), active)
    return _reread(session, resident.id, principal)


# --- the resident's own profile ------------------------------------------------------------------


def _own(session: Session, principal: Principal, *, lock: bool = False) -> Resident:
    if principal.actor_type is not ActorType.user:
        raise ProblemError(403, "forbidden", "无权操作", "API 密钥没有“本人”，请以居民身份登录")
    stmt = (
        select(Resident)
        .options(joinedload(Resident.community_org, innerjoin=True), joinedload(Resident.user))
        .where(Resident.id.in_(permissions.own_resident_ids(principal)))
    )
    found = session.execute(stmt.with_for_update(of=Resident) if lock else stmt).scalar_one_or_none()
    if found is None:
        raise not_found("居民信息")
    return found


def get_own(session: Session, principal: Principal) -> ResidentRead:
    return to_read(principal, _own(session, principal))


def update_own(session: Session, principal: Principal, data: ResidentUpdate, if_match: str | None) -> ResidentRead:
    resident = _own(session, principal, lock=True)
    check_if_match(if_match, resident.version)
    _apply(session, principal, resident, data)
    return _reread(session, resident.id, principal)
