from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from gongjian.auth import service
from gongjian.auth.dependencies import caller
from gongjian.auth.schemas import ChangePasswordRequest, MeRead, RefreshRequest, TokenResponse
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter
from gongjian.models import Organization, User
from gongjian.models.enums import ActorType

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
        org_name = (
            session.execute(
                select(Organization.name).where(Organization.id == principal.organization_id)
            ).scalar_one_or_none()
            if principal.organization_id
            else None
        )
        username = (
            session.execute(select(User.username).where(User.id == principal.id)).scalar_one()
            if principal.actor_type is ActorType.user
            else None
        )
    return MeRead(
        actor_type="user" if principal.actor_type is ActorType.user else "api_key",
        id=principal.id,
        name=principal.name,
        role=principal.role,
        organization_id=principal.organization_id,
        organization_name=org_name,
        username=username,
        scopes=sorted(principal.scopes),
    )


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
