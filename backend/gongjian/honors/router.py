from __future__ import annotations

from typing import Annotated

from fastapi import Response

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.honors import service
from gongjian.honors.schemas import HonorCreate, HonorListQuery, HonorRead, HonorUpdate
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import PathId

router = DomainRouter(tags=["honors"])

Reader = Annotated[Principal, caller("honors:read")]
Writer = Annotated[Principal, caller("honors:write")]


@router.get("/honors", summary="荣誉列表")
async def list_honors(principal: Reader, query: Annotated[HonorListQuery, query_of(HonorListQuery)]) -> Page[HonorRead]:
    with unit_of_work() as session:
        return service.list_honors(session, principal, query)


@router.post("/honors", summary="登记荣誉", status_code=201)
async def create_honor(body: HonorCreate, principal: Writer, response: Response) -> HonorRead:
    with unit_of_work() as session:
        honor = service.create_honor(session, principal, body)
    created(response, f"/honors/{honor.id}", honor.version)
    return honor


@router.get("/honors/{honor_id}", summary="荣誉详情")
async def get_honor(honor_id: PathId, principal: Reader, response: Response) -> HonorRead:
    with unit_of_work() as session:
        honor = service.get_honor(session, principal, honor_id)
    set_etag(response, honor.version)
    return honor


@router.patch("/honors/{honor_id}", summary="修改荣誉", responses=problem_responses(412))
async def update_honor(
    honor_id: PathId, body: HonorUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> HonorRead:
    with unit_of_work() as session:
        honor = service.update_honor(session, principal, honor_id, body, if_match)
    set_etag(response, honor.version)
    return honor


@router.delete("/honors/{honor_id}", summary="删除误登记的荣誉", status_code=204)
async def delete_honor(honor_id: PathId, principal: Writer) -> Response:
    with unit_of_work() as session:
        service.delete_honor(session, principal, honor_id)
    return Response(status_code=204)
