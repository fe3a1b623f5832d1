from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from gongjian.auth import service
from gongjian.auth.dependencies import caller
from gongjian.auth.schemas import ChangePasswordRequest, MeRead, RefreshRequest, TokenResponse
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter

router = DomainRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    summary="用户名密码登录（OAuth2 密码模式）",
    responses=problem_responses(401, 422, 429),
)
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenResponse:
    return await service.login(form.username, form.password)


@router.post(
    "/auth/refresh",
    response_model=TokenResponse,
    summary="用刷新令牌换取新令牌",
    responses=problem_responses(401, 422),
)
async def refresh_token(body: RefreshRequest) -> TokenResponse:
    with unit_of_work() as session:
        return service.refresh(session, body.refresh_token)


@router.get("/me", response_model=MeRead, summary="当前身份", responses=problem_responses(401))
async def read_me(principal: Annotated[Principal, caller()]) -> MeRead:
    with unit_of_work() as session:
        return service.me(session, principal)


@router.post(
    "/me/password",
    response_model=TokenResponse,
    summary="修改本人密码（其他会话随之失效）",
    responses=problem_responses(401, 403, 422),
)
async def change_my_password(body: ChangePasswordRequest, principal: Annotated[Principal, caller()]) -> TokenResponse:
    def work() -> TokenResponse:
        with unit_of_work() as session:
            return service.change_own_password(session, principal, body.current_password, body.new_password)

    return await run_in_threadpool(work)
