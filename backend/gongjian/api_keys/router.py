from __future__ import annotations

from typing import Annotated

from fastapi import Response

from gongjian.api_keys import service
from gongjian.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyListQuery, ApiKeyRead
from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import PathId

router = DomainRouter(tags=["api-keys"])

AdminUser = Annotated[Principal, caller()]


@router.get("/api-keys", summary="API 密钥列表（平台管理员）")
async def list_api_keys(
    principal: AdminUser, query: Annotated[ApiKeyListQuery, query_of(ApiKeyListQuery)]
) -> Page[ApiKeyRead]:
    return service.list_keys(principal, query)


@router.post("/api-keys", summary="创建 API 密钥（完整密钥只返回一次）", status_code=201)
async def create_api_key(body: ApiKeyCreate, principal: AdminUser, response: Response) -> ApiKeyCreated:
    with unit_of_work() as session:
        result = service.create_key(session, principal, body)
    created(response, f"/api-keys/{result.id}")
    return result


@router.get("/api-keys/{key_id}", summary="API 密钥详情（不含密钥本身）")
async def get_api_key(key_id: PathId, principal: AdminUser) -> ApiKeyRead:
    with unit_of_work() as session:
        return service.get_key(session, principal, key_id)


@router.delete("/api-keys/{key_id}", summary="吊销 API 密钥")
async def revoke_api_key(key_id: PathId, principal: AdminUser) -> ApiKeyRead:
    with unit_of_work() as session:
        return service.revoke_key(session, principal, key_id)
