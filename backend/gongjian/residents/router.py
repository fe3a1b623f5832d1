"""Residents (居民): registration from WeChat, the community's register of its residents, and the
resident's own profile."""

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
from gongjian.residents import service
from gongjian.residents.schemas import (
    ResidentCreate,
    ResidentListQuery,
    ResidentRead,
    ResidentRegistered,
    ResidentUpdate,
    ResidentWechatCreate,
)

router = DomainRouter(tags=["residents"])

Reader = Annotated[Principal, caller("residents:read")]
Writer = Annotated[Principal, caller("residents:write")]
Me = Annotated[Principal, caller(residents=True)]


@router.post(
    "/residents/wechat",
    summary="未绑定账号的微信用户扫社区报到码登记为居民（消耗绑定凭证，建立居民账号并绑定微信，返回令牌）",
    status_code=201,
    responses=problem_responses(401, 409),
)
async def register_resident_by_wechat(body: ResidentWechatCreate, response: Response) -> ResidentRegistered:
    with unit_of_work(write_lock=True) as session:
        registered = service.register_by_wechat(session, body)
    created(response, "/me/resident", registered.resident.version)
    return registered


@router.get("/residents", summary="居民列表（本社区管理员、平台管理员）")
async def list_residents(
    principal: Reader, query: Annotated[ResidentListQuery, query_of(ResidentListQuery)]
) -> Page[ResidentRead]:
    with unit_of_work() as session:
        return service.list_residents(session, principal, query)


@router.post(
    "/residents",
    summary="登记居民（社区）；可同时建立登录账号（登录名和初始密码，供手机网页登录）",
    status_code=201,
    responses=problem_responses(409),
)
async def create_resident(body: ResidentCreate, principal: Writer, response: Response) -> ResidentRead:
    def work() -> ResidentRead:  # argon2 hashing: off the event loop
        with unit_of_work(write_lock=True) as session:
            return service.create_resident(session, principal, body)

    resident = await run_in_threadpool(work)
    created(response, f"/residents/{resident.id}", resident.version)
    return resident


@router.get("/residents/{resident_id}", summary="居民详情")
async def get_resident(resident_id: PathId, principal: Reader, response: Response) -> ResidentRead:
    with unit_of_work() as session:
        resident = service.get_resident(session, principal, resident_id)
    set_etag(response, resident.version)
    return resident


@router.patch("/residents/{resident_id}", summary="修改居民信息（社区）", responses=problem_responses(409, 412))
async def update_resident(
    resident_id: PathId, body: ResidentUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> ResidentRead:
    with unit_of_work(write_lock=True) as session:
        resident = service.update_resident(session, principal, resident_id, body, if_match)
    set_etag(response, resident.version)
    return resident


@router.post(
    "/residents/{resident_id}/deactivate",
    summary="停用居民（其登录账号随之停用，令牌随即失效）",
    responses=problem_responses(409),
)
async def deactivate_resident(resident_id: PathId, principal: Writer, response: Response) -> ResidentRead:
    with unit_of_work(write_lock=True) as session:
        resident = service.set_active(session, principal, resident_id, active=False)
    set_etag(response, resident.version)
    return resident


@router.post(
    "/residents/{resident_id}/activate", summary="重新启用居民（及其登录账号）", responses=problem_responses(409)
)
async def activate_resident(resident_id: PathId, principal: Writer, response: Response) -> ResidentRead:
    with unit_of_work(write_lock=True) as session:
        resident = service.set_active(session, principal, resident_id, active=True)
    set_etag(response, resident.version)
    return resident


@router.get("/me/resident", summary="本人的居民信息（居民账号）", responses=problem_responses(401, 403))
async def read_my_resident(principal: Me, response: Response) -> ResidentRead:
    with unit_of_work() as session:
        resident = service.get_own(session, principal)
    set_etag(response, resident.version)
    return resident


@router.patch("/me/resident", summary="修改本人的居民信息（居民账号）", responses=problem_responses(401, 403, 409, 412))
async def update_my_resident(
    body: ResidentUpdate, principal: Me, response: Response, if_match: IfMatch = None
) -> ResidentRead:
    with unit_of_work(write_lock=True) as session:
        resident = service.update_own(session, principal, body, if_match)
    set_etag(response, resident.version)
    return resident
