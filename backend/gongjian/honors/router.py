from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.honors import service
from gongjian.honors.schemas import HonorCreate, HonorRead, HonorSort, HonorUpdate
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.pagination import Page, PageQuery, page_of
from gongjian.kit.principal import Principal
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import PathId, QueryId
from gongjian.models.enums import HonorLevel, HonorRecipientKind

router = DomainRouter(tags=["honors"])

Reader = Annotated[Principal, caller("honors:read")]
Writer = Annotated[Principal, caller("honors:write")]


@router.get("/honors", summary="荣誉列表")
async def list_honors(
    principal: Reader,
    page: PageQuery,
    community_org_id: QueryId = None,
    level: HonorLevel | None = None,
    recipient_kind: HonorRecipientKind | None = None,
    year: Annotated[int | None, Query(ge=1900, le=2999, description="获奖年份")] = None,
    sort: HonorSort = HonorSort.awarded_on_desc,
) -> Page[HonorRead]:
    with unit_of_work() as session:
        rows, total = service.list_honors(
            session,
            principal,
            page,
            community_org_id=community_org_id,
            level=level,
            recipient_kind=recipient_kind,
            year=year,
            sort=sort,
        )
    return page_of(HonorRead, rows, total, page)


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
