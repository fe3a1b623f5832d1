"""WeChat login and binding.

- A login whose openid is bound gets our tokens; otherwise a binding ticket (10 minutes, one use,
  only its hash stored) that `bind` spends with either the member's credentials or an invitation
  code an administrator issued for that member.
- One WeChat identity per account and one account per identity (409 `wechat_already_bound`).
- Who may invite and unbind: `permissions.py`. An invitation binds only the login it was issued for.
- Binding by invitation to a member without a login creates one: role `member` in the member's
  community, linked to the member, with no usable password (WeChat is its way in; an admin can set
  a password later with reset-password).
- Unbinding (the account itself, or who manages it) and an admin's password reset remove the
  binding, void the account's unredeemed invitations and end every session of the account (the
  WeChat ones are ordinary tokens of the account: `token_version`).
- A resident registering from WeChat (residents/service.py) spends its ticket the same way
  (`bind_ticket`) on the resident login it gets.
- Audit: a binding by password names the account (it proved the password); a binding by invitation,
  and the login it creates, name the WeChat identity that redeemed it; an unbinding names who did it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gongjian.auth import throttle
from gongjian.auth.schemas import TokenResponse
from gongjian.auth.service import tokens_for
from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.errors import ProblemError, conflict, forbidden, unprocessable
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import one_or_404
from gongjian.members import permissions as member_permissions
from gongjian.models import Member, User, WechatBindingTicket, WechatIdentity, WechatInvitation
from gongjian.models.base import utcnow
from gongjian.models.enums import ActorType, AuditAction, MemberStatus, Role
from gongjian.users.permissions import user_scope
from gongjian.wechat import permissions
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
NOT_BOUND = ProblemError(404, "wechat_not_bound", "未绑定微信", "该账号没有绑定微信")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_invitation_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _actor(user: User) -> Principal:
    return Principal(ActorType.user, user.id, user.display_name, Role(user.role), user.organization_id)


def _wechat_actor(identity: WechatIdentity, invitation: WechatInvitation) -> Principal:
    """The WeChat identity redeeming an invitation: it acts, not the account it is bound to."""
    name = f"微信用户（{invitation.created_by_name} 发放的邀请码）"[:100]
    return Principal(ActorType.wechat, identity.id, name, Role.member, None)


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
        audit.record(
            session,
            _actor(user),
            AuditAction.login,
            "user",
            user.id,
            {"via": "wechat", "wechat_identity_id": identity.id},
        )
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


def check_ticket(session: Session, ticket: str, *, lock: bool = False) -> WechatBindingTicket:
    """The live ticket (binding spends it; a 报到 only proves its openid with it), else 401."""
    stmt = select(WechatBindingTicket).where(WechatBindingTicket.ticket_hash == _digest(ticket))
    row = session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise TICKET_INVALID
    return row


def _bind(session: Session, ticket: WechatBindingTicket, user: User) -> WechatIdentity:
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
    return identity


def bind_ticket(session: Session, actor: Principal, ticket: WechatBindingTicket, user: User, via: str) -> None:
    """Spend the ticket on `user` (409 `wechat_already_bound` if the identity or the account is bound)."""
    identity = _bind(session, ticket, user)
    _audit_binding(session, actor, identity, {"via": via})


def wechat_only_username() -> str:
    """The user name of a login made for a WeChat (never typed: WeChat is its way in)."""
    return f"wx_{secrets.token_hex(5)}"


def bind_reported(
    session: Session, principal: Principal, member: Member, openid: str, unionid: str | None
) -> WechatIdentity | None:
    """A 报到 approved: bind the WeChat identity that reported to the member's login, creating the
    login (as an invitation would) when the member has none. Binding hands the WeChat the login's
    tokens, so an existing login is bound only by who may invite for it (`may_invite`), as with an
    invitation; the approving admin vouches for the reporter. None when it is bound there already."""
    login = session.get_one(User, member.user_id) if member.user_id is not None else None
    bound = session.execute(select(WechatIdentity).where(WechatIdentity.openid == openid)).scalar_one_or_none()
    if bound is not None and login is not None and bound.user_id == login.id:
        return None
    if bound is not None:
        raise ALREADY_BOUND
    if not permissions.may_invite(principal, member, login):
        raise forbidden("该党员已有登录账号，只有平台管理员或该账号所属组织的管理员可以为其绑定微信")
    if login is not None and not login.is_active:
        raise ProblemError(403, "account_inactive", "账号已停用", "该党员的登录账号已停用，请联系管理员")
    if (
        login is not None
        and session.execute(select(WechatIdentity.id).where(WechatIdentity.user_id == login.id)).first()
    ):
        raise ALREADY_BOUND
    user = login or _member_login(session, member)
    if login is None:
        _audit_member_login(session, principal, member, user)
    identity = WechatIdentity(openid=openid, unionid=unionid, user_id=user.id, bound_at=utcnow())
    session.add(identity)
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.create,
        "wechat_identity",
        identity.id,
        {"user_id": user.id, "via": "report", "member_id": member.id},
    )
    return identity


def _audit_binding(session: Session, actor: Principal, identity: WechatIdentity, changes: dict[str, object]) -> None:
    audit.record(
        session, actor, AuditAction.create, "wechat_identity", identity.id, {"user_id": identity.user_id, **changes}
    )
    audit.record(
        session,
        actor,
        AuditAction.login,
        "user",
        identity.user_id,
        {"via": "wechat", "wechat_identity_id": identity.id},
    )


async def bind(body: WechatBindRequest, client: str) -> TokenResponse:
    """Spend a binding ticket with the member's credentials or an invitation code."""
    try:
        if body.invitation_code is not None:
            with unit_of_work(write_lock=True) as session:
                return _bind_with_invitation(session, body.binding_ticket, body.invitation_code)
        assert body.username is not None and body.password is not None
        with unit_of_work() as session:
            check_ticket(session, body.binding_ticket)
        # The same throttle and timing as password login.
        user_id = await throttle.verify_credentials(body.username.strip(), body.password, client, via="wechat")
        with unit_of_work(write_lock=True) as session:
            ticket = check_ticket(session, body.binding_ticket, lock=True)
            user = session.get_one(User, user_id)
            identity = _bind(session, ticket, user)
            _audit_binding(session, _actor(user), identity, {"via": "password"})
            return tokens_for(user)
    except IntegrityError:
        # Two binds of one openid or one account raced past the check: the unique index decided.
        raise ALREADY_BOUND from None


def _bind_with_invitation(session: Session, ticket_value: str, code: str) -> TokenResponse:
    ticket = check_ticket(session, ticket_value, lock=True)
    invitation = session.execute(
        select(WechatInvitation)
        .where(WechatInvitation.code_hash == _digest(normalise_invitation_code(code)))
        .with_for_update()
    ).scalar_one_or_none()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        raise INVITATION_INVALID
    member = session.get_one(Member, invitation.member_id)
    # Issued for another login (or for none) than the member has now: who could invite has changed.
    if member.status == MemberStatus.archived.value or member.user_id != invitation.user_id:
        raise INVITATION_INVALID
    created = member.user_id is None
    user = _member_login(session, member) if created else session.get_one(User, member.user_id)
    identity = _bind(session, ticket, user)
    invitation.used_at = utcnow()
    invitation.used_by_user_id = user.id
    actor = _wechat_actor(identity, invitation)
    if created:
        _audit_member_login(session, actor, member, user)
    _audit_binding(
        session, actor, identity, {"via": "invitation", "invitation_id": invitation.id, "member_id": member.id}
    )
    return tokens_for(user)


def _member_login(session: Session, member: Member) -> User:
    user = User(
        username=wechat_only_username(),
        display_name=member.name,
        role=Role.member.value,
        organization_id=permissions.login_organization_id(member),
        password_hash=NO_PASSWORD,
        is_active=True,
        token_version=1,
        version=1,
    )
    session.add(user)
    session.flush()
    member.user_id = user.id
    member.version += 1
    return user


def _audit_member_login(session: Session, actor: Principal, member: Member, user: User) -> None:
    changes = {"username": user.username, "role": user.role, "organization_id": user.organization_id, "via": "wechat"}
    audit.record(session, actor, AuditAction.create, "user", user.id, changes)
    audit.record(session, actor, AuditAction.update, "member", member.id, {"user_id": [None, user.id]})


def issue_invitation(session: Session, principal: Principal, member_id: int) -> WechatInvitationCreated:
    member = member_permissions.visible_member(session, principal, member_id)
    login = session.get_one(User, member.user_id) if member.user_id is not None else None
    if not permissions.may_invite(principal, member, login):
        raise forbidden("只有平台管理员或该党员登录账号所属组织的管理员可以发放邀请码")
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
        user_id=member.user_id,
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


# --- unbinding ----------------------------------------------------------------------------------


def unbind_own(session: Session, principal: Principal) -> None:
    """`DELETE /me/wechat-binding`: the signed-in account drops its own WeChat."""
    if principal.actor_type is not ActorType.user:
        raise forbidden("API 密钥没有微信绑定")
    _unbind(session, principal, session.get_one(User, principal.id))


def unbind_account(session: Session, principal: Principal, user_id: int) -> None:
    """`DELETE /users/{id}/wechat-binding`: the account, or who manages it (404 for an account the
    caller doesn't see, as the users endpoints answer)."""
    scope = user_scope(principal)
    stmt = select(User).where(User.id == user_id)
    user: User = one_or_404(session, stmt if scope is None else stmt.where(scope), "账号")
    if not permissions.may_unbind(principal, user):
        raise forbidden("只有本人、平台管理员或该账号所属组织的管理员可以解除微信绑定")
    _unbind(session, principal, user)


def _unbind(session: Session, principal: Principal, user: User) -> None:
    if not end_binding(session, principal, user, "unbind"):
        raise NOT_BOUND
    # Whatever the WeChat obtained dies with the binding: they are ordinary tokens of the account.
    user.token_version += 1


def end_binding(session: Session, principal: Principal, user: User, reason: str) -> bool:
    """Remove the account's WeChat binding, if any, and void its unredeemed invitations (an admin's
    password reset does this too: users/service.py). Ending the sessions is the caller's part
    (`token_version`). Whether there was a binding."""
    now = utcnow()
    session.execute(
        update(WechatInvitation)
        .where(
            WechatInvitation.user_id == user.id, WechatInvitation.used_at.is_(None), WechatInvitation.expires_at > now
        )
        .values(expires_at=now)
    )
    identity = session.execute(select(WechatIdentity).where(WechatIdentity.user_id == user.id)).scalar_one_or_none()
    if identity is None:
        return False
    session.delete(identity)
    session.flush()
    audit.record(
        session, principal, AuditAction.delete, "wechat_identity", identity.id, {"user_id": user.id, "reason": reason}
    )
    return True
