from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from gongjian.auth import service
from gongjian.auth.dependencies import caller
from gongjian.auth.schemas import ChangePasswordRequest, LogoutRequest, MeRead, RefreshRequest, TokenResponse
from gongjian.auth.throttle import client_address
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter

router = DomainRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    summary="用户名密码登录（OAuth2 密码模式）",
    description="失败过多时按客户端地址和账号逐步延时（429 `login_throttled`，带 Retry-After）；"
    "服务器忙于校验密码时为 429 `server_busy`。",
    responses=problem_responses(401, 422, 429),
)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], client: Annotated[str, Depends(client_address)]
) -> TokenResponse:
    return await service.login(form.username, form.password, client)


@router.post(
    "/auth/refresh",
    response_model=TokenResponse,
    summary="用刷新令牌换取新令牌（刷新令牌随之轮换，旧的作废）",
    description="每个刷新令牌只能用一次；已用过的刷新令牌再次出现时，该次登录的全部令牌作废（401）。",
    responses=problem_responses(401, 422),
)
async def refresh_token(body: RefreshRequest) -> TokenResponse:
    return service.refresh(body.refresh_token)


@router.post(
    "/auth/logout",
    status_code=204,
    summary="退出登录：结束该刷新令牌所属的登录会话",
    description="已签发的访问令牌在其有效期（expires_in）内仍可使用。",
    responses=problem_responses(401, 422),
)
async def logout(body: LogoutRequest) -> Response:
    service.logout(body.refresh_token)
    return Response(status_code=204)


@router.get("/me", response_model=MeRead, summary="当前身份", responses=problem_responses(401))
async def read_me(principal: Annotated[Principal, caller(residents=True)]) -> MeRead:
    with unit_of_work() as session:
        return service.me(session, principal)


@router.post(
    "/me/password",
    response_model=TokenResponse,
    summary="修改本人密码（其他会话随之失效）",
    responses=problem_responses(401, 403, 422),
)
async def change_my_password(
    body: ChangePasswordRequest, principal: Annotated[Principal, caller(residents=True)]
) -> TokenResponse:
    def work() -> TokenResponse:
        with unit_of_work() as session:
            return service.change_own_password(session, principal, body.current_password, body.new_password)

    return await run_in_threadpool(work)
