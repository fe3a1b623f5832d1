from __future__ import annotations

from typing import Annotated

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import PathId
from gongjian.users import service
from gongjian.users.schemas import (
    PasswordReset,
    PasswordResetResult,
    UserCreate,
    UserCreated,
    UserListQuery,
    UserRead,
    UserUpdate,
)

router = DomainRouter(tags=["users"])

Reader = Annotated[Principal, caller("users:read")]
Writer = Annotated[Principal, caller("users:write")]


@router.get("/users", summary="账号列表")
async def list_users(principal: Reader, query: Annotated[UserListQuery, query_of(UserListQuery)]) -> Page[UserRead]:
    return service.list_users(principal, query)


@router.post("/users", summary="新建账号", status_code=201)
async def create_user(body: UserCreate, principal: Writer, response: Response) -> UserCreated:
    def work() -> UserCreated:  # argon2 hashing: off the event loop
        with unit_of_work() as session:
            return service.create_user(session, principal, body)

    result = await run_in_threadpool(work)
    created(response, f"/users/{result.id}", result.version)
    return result


@router.get("/users/{user_id}", summary="账号详情")
async def get_user(user_id: PathId, principal: Reader, response: Response) -> UserRead:
    with unit_of_work() as session:
        user = service.get_user(session, principal, user_id)
    set_etag(response, user.version)
    return user


@router.patch("/users/{user_id}", summary="修改账号", responses=problem_responses(412))
async def update_user(
    user_id: PathId, body: UserUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> UserRead:
    with unit_of_work() as session:
        user = service.update_user(session, principal, user_id, body, if_match)
    set_etag(response, user.version)
    return user


@router.post("/users/{user_id}/deactivate", summary="停用账号（令牌随即失效）")
async def deactivate_user(user_id: PathId, principal: Writer) -> UserRead:
    with unit_of_work() as session:
        return service.set_active(session, principal, user_id, active=False)


@router.post("/users/{user_id}/activate", summary="重新启用账号")
async def activate_user(user_id: PathId, principal: Writer) -> UserRead:
    with unit_of_work() as session:
        return service.set_active(session, principal, user_id, active=True)


@router.post("/users/{user_id}/reset-password", summary="重置密码（该账号的令牌随即失效）")
async def reset_user_password(
    user_id: PathId, principal: Writer, body: PasswordReset | None = None
) -> PasswordResetResult:
    new_password = body.new_password if body else None

    def work() -> PasswordResetResult:
        with unit_of_work() as session:
            return service.reset_password(session, principal, user_id, new_password)

    return await run_in_threadpool(work)
