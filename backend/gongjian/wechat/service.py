"""WeChat login and binding.

- A login whose openid is bound gets our tokens; otherwise a binding ticket (10 minutes, one use,
  only its hash stored) that `bind` spends with either the member's credentials or an invitation
  code an administrator issued for that member.
- One WeChat identity per account and one account per identity (409 `wechat_already_bound`).
- Binding by invitation to a member without a login creates one: role `member` in the member's
  community, linked to the member, with no usable password (WeChat is its way in; an admin can set
  a password later with reset-password).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongjian.auth import throttle
from gongjian.auth.schemas import TokenResponse
from gongjian.auth.service import tokens_for
from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.errors import ProblemError, conflict, forbidden, unprocessable
from gongjian.kit.principal import Principal, stamp
from gongjian.members import permissions as member_permissions
from gongjian.models import Member, User, WechatBindingTicket, WechatIdentity, WechatInvitation
from gongjian.models.base import utcnow
from gongjian.models.enums import ActorType, AuditAction, MemberStatus, Role
from gongjian.wechat.client import WechatSession, code_to_session
from gongjian.wechat.schemas import (
    WechatBindingRequired,
    WechatBindRequest,
    WechatInvitationCreated,
    WechatLoginBound,
)

TICKET_LIFETIME = timedelta(minutes=10)
INVITATION_LIFETIME = timedelta(days=7)
# No 0/O, 1/I: codes are read aloud and typed on a phone.
INVITATION_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
INVITATION_LENGTH = 10
# argon2 never produces this, so password login to such an account always fails.
NO_PASSWORD = "!wechat-only"

TICKET_INVALID = ProblemError(
    401, "wechat_ticket_invalid", "绑定凭证无效", "绑定凭证无效、已使用或已过期，请重新进入小程序登录"
)
INVITATION_INVALID = unprocessable(
    "invitation_invalid", "邀请码无效、已使用或已过期，请向管理员重新索取", field="body.invitation_code"
)
ALREADY_BOUND = conflict("wechat_already_bound", "该微信或该账号已绑定，不能重复绑定")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_invitation_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _actor(user: User) -> Principal:
    return Principal(ActorType.user, user.id, user.display_name, Role(user.role), user.organization_id)


async def login(code: str) -> WechatLoginBound | WechatBindingRequired:
    """Ask WeChat who this is first, then open the transaction: no connection is held while
    waiting on WeChat (a unit of work never spans an await)."""
    wx = await code_to_session(code)
    with unit_of_work() as session:
        return _login(session, wx)


def _login(session: Session, wx: WechatSession) -> WechatLoginBound | WechatBindingRequired:
    now = utcnow()
    identity = session.execute(select(WechatIdentity).where(WechatIdentity.openid == wx.openid)).scalar_one_or_none()
    if identity is not None:
        user = session.get_one(User, identity.user_id)
        if not user.is_active:
            raise ProblemError(403, "account_inactive", "账号已停用", "绑定的账号已停用，请联系管理员")
        identity.last_login_at = now
        identity.unionid = wx.unionid or identity.unionid
        user.last_login_at = now
        audit.record(session, _actor(user), AuditAction.login, "user", user.id, {"via": "wechat"})
        return WechatLoginBound(**tokens_for(user).model_dump(exclude={"token_type"}))
    ticket = secrets.token_urlsafe(32)
    session.add(
        WechatBindingTicket(
            ticket_hash=_digest(ticket),
            openid=wx.openid,
            unionid=wx.unionid,
            created_at=now,
            expires_at=now + TICKET_LIFETIME,
        )
    )
    return WechatBindingRequired(binding_ticket=ticket, expires_in=int(TICKET_LIFETIME.total_seconds()))


def _check_ticket(session: Session, ticket: str, *, lock: bool = False) -> WechatBindingTicket:
    stmt = select(WechatBindingTicket).where(WechatBindingTicket.ticket_hash == _digest(ticket))
    row = session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise TICKET_INVALID
    return row


def _bind(session: Session, ticket: WechatBindingTicket, user: User) -> TokenResponse:
    if not user.is_active:
        raise ProblemError(403, "account_inactive", "账号已停用", "该账号已停用，请联系管理员")
    taken = session.execute(
        select(WechatIdentity.id).where((WechatIdentity.openid == ticket.openid) | (WechatIdentity.user_id == user.id))
    ).first()
    if taken:
        raise ALREADY_BOUND
    now = utcnow()
    ticket.used_at = now
    identity = WechatIdentity(
        openid=ticket.openid, unionid=ticket.unionid, user_id=user.id, bound_at=now, last_login_at=now
    )
    session.add(identity)
    user.last_login_at = now
    session.flush()
    actor = _actor(user)
    audit.record(session, actor, AuditAction.create, "wechat_identity", identity.id, {"user_id": user.id})
    audit.record(session, actor, AuditAction.login, "user", user.id, {"via": "wechat"})
    return tokens_for(user)


async def bind(body: WechatBindRequest, client: str) -> TokenResponse:
    """Spend a binding ticket with the member's credentials or an invitation code."""
    try:
        if body.invitation_code is not None:
            with unit_of_work(write_lock=True) as session:
                return _bind_with_invitation(session, body.binding_ticket, body.invitation_code)
        assert body.username is not None and body.password is not None
        with unit_of_work() as session:
            _check_ticket(session, body.binding_ticket)
        # The same throttle and timing as password login.
        user_id = await throttle.verify_credentials(body.username.strip(), body.password, client, via="wechat")
        with unit_of_work(write_lock=True) as session:
            ticket = _check_ticket(session, body.binding_ticket, lock=True)
            return _bind(session, ticket, session.get_one(User, user_id))
    except IntegrityError:
        # Two binds of one openid or one account raced past the check: the unique index decided.
        raise ALREADY_BOUND from None


def _bind_with_invitation(session: Session, ticket_value: str, code: str) -> TokenResponse:
    ticket = _check_ticket(session, ticket_value, lock=True)
    invitation = session.execute(
        select(WechatInvitation)
        .where(WechatInvitation.code_hash == _digest(normalise_invitation_code(code)))
        .with_for_update()
    ).scalar_one_or_none()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        raise INVITATION_INVALID
    member = session.get_one(Member, invitation.member_id)
    if member.status == MemberStatus.archived.value:
        raise INVITATION_INVALID
    user = session.get_one(User, member.user_id) if member.user_id is not None else _member_login(session, member)
    tokens = _bind(session, ticket, user)
    invitation.used_at = utcnow()
    invitation.used_by_user_id = user.id
    return tokens


def _member_login(session: Session, member: Member) -> User:
    username = f"wx_{secrets.token_hex(5)}"
    user = User(
        username=username,
        display_name=member.name,
        role=Role.member.value,
        organization_id=member.community_org_id,
        password_hash=NO_PASSWORD,
        is_active=True,
        token_version=1,
        version=1,
    )
    session.add(user)
    session.flush()
    member.user_id = user.id
    member.version += 1
    actor = _actor(user)
    audit.record(
        session,
        actor,
        AuditAction.create,
        "user",
        user.id,
        {"username": username, "role": user.role, "organization_id": user.organization_id, "via": "wechat"},
    )
    audit.record(session, actor, AuditAction.update, "member", member.id, {"user_id": [None, user.id]})
    return user


def issue_invitation(session: Session, principal: Principal, member_id: int) -> WechatInvitationCreated:
    member = member_permissions.visible_member(session, principal, member_id)
    if not member_permissions.looks_after_member(principal, member):
        raise forbidden("只有平台管理员或该党员所在单位、社区的管理员可以发放邀请码")
    if member.status == MemberStatus.archived.value:
        raise conflict("member_archived", "党员已归档，恢复后才能发放邀请码")
    if (
        member.user_id is not None
        and session.execute(select(WechatIdentity.id).where(WechatIdentity.user_id == member.user_id)).first()
    ):
        raise ALREADY_BOUND
    raw = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(INVITATION_LENGTH))
    now = utcnow()
    invitation = WechatInvitation(
        code_hash=_digest(raw),
        member_id=member.id,
        **stamp(principal, "created"),
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    audit.record(session, principal, AuditAction.create, "wechat_invitation", invitation.id, {"member_id": member.id})
    half = INVITATION_LENGTH // 2
    code = f"{raw[:half]}-{raw[half:]}"
    return WechatInvitationCreated(member_id=member.id, code=code, expires_at=invitation.expires_at)
