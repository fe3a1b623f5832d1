"""WeChat mini-program login. The WeChat call happens before any database work, so no connection
is held while waiting on WeChat (a unit of work never spans an await)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from gongjian.auth import service as auth_service
from gongjian.auth.dependencies import caller
from gongjian.auth.schemas import TokenResponse
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter
from gongjian.kit.types import PathId
from gongjian.wechat import service
from gongjian.wechat.client import code_to_session
from gongjian.wechat.schemas import (
    WechatBindingRequired,
    WechatBindRequest,
    WechatInvitationCreated,
    WechatLoginBound,
    WechatLoginRequest,
    WechatLoginResponse,
)

router = DomainRouter(tags=["wechat"])


@router.post(
    "/auth/wechat",
    summary="微信小程序登录：已绑定返回令牌，未绑定返回一次性绑定凭证",
    response_model=WechatLoginResponse,
    responses=problem_responses(401, 403, 422, 429, 502, 503),
)
async def wechat_login(body: WechatLoginRequest) -> WechatLoginBound | WechatBindingRequired:
    wx = await code_to_session(body.code)
    with unit_of_work() as session:
        return service.login(session, wx)


@router.post(
    "/auth/wechat/bind",
    summary="绑定微信到党员账号（账号密码或邀请码），返回令牌",
    responses=problem_responses(401, 403, 409, 422, 429),
)
async def wechat_bind(body: WechatBindRequest) -> TokenResponse:
    try:
        if body.invitation_code is not None:
            with unit_of_work(write_lock=True) as session:
                return service.bind_with_invitation(session, body.binding_ticket, body.invitation_code)
        assert body.username is not None and body.password is not None
        username = body.username.strip()
        with unit_of_work() as session:
            service.check_ticket(session, body.binding_ticket)
            candidate = auth_service.check_not_locked(session, username)
        # The same throttle and timing as password login: argon2 off the event loop.
        if not await run_in_threadpool(auth_service.verify_candidate, candidate, body.password):
            with unit_of_work(write_lock=True) as session:
                auth_service.record_failure(session, username)
            raise auth_service.BAD_LOGIN
        assert candidate.user_id is not None
        with unit_of_work(write_lock=True) as session:
            return service.bind_with_credentials(session, body.binding_ticket, candidate.user_id)
    except IntegrityError:
        # Two binds of one openid or one account raced past the check: the unique index decided.
        raise service.ALREADY_BOUND from None


@router.post(
    "/members/{member_id}/wechat-invitations",
    summary="为党员发放微信绑定邀请码（7 天有效，只显示一次）",
    status_code=201,
)
async def create_wechat_invitation(
    member_id: PathId,
    principal: Annotated[Principal, caller("members:write")],
    response: Response,
) -> WechatInvitationCreated:
    with unit_of_work() as session:
        result = service.issue_invitation(session, principal, member_id)
    response.status_code = 201
    return result
