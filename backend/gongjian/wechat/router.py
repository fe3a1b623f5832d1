"""WeChat mini-program login and binding, the invitations administrators issue for binding, and
unbinding (by the account itself or by who manages it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from gongjian.auth.dependencies import caller
from gongjian.auth.schemas import TokenResponse
from gongjian.auth.throttle import client_address
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter
from gongjian.kit.types import PathId
from gongjian.wechat import service
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
    return await service.login(body.code)


@router.post(
    "/auth/wechat/bind",
    summary="绑定微信到党员账号（账号密码或邀请码），返回令牌",
    responses=problem_responses(401, 403, 409, 422, 429),
)
async def wechat_bind(body: WechatBindRequest, client: Annotated[str, Depends(client_address)]) -> TokenResponse:
    return await service.bind(body, client)


@router.post(
    "/members/{member_id}/wechat-invitations",
    summary="为党员发放微信绑定邀请码（7 天有效，只显示一次；仅平台管理员或党员登录账号所属组织的管理员）",
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


@router.delete(
    "/me/wechat-binding",
    summary="解除本人账号的微信绑定（该账号的所有令牌随即失效）",
    status_code=204,
)
async def unbind_my_wechat(principal: Annotated[Principal, caller(residents=True)]) -> Response:
    with unit_of_work() as session:
        service.unbind_own(session, principal)
    return Response(status_code=204)


@router.delete(
    "/users/{user_id}/wechat-binding",
    summary="解除账号的微信绑定（本人、平台管理员或账号所属组织的管理员；该账号的所有令牌随即失效）",
    status_code=204,
)
async def unbind_user_wechat(user_id: PathId, principal: Annotated[Principal, caller("users:write")]) -> Response:
    with unit_of_work() as session:
        service.unbind_account(session, principal, user_id)
    return Response(status_code=204)
