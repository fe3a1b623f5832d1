from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from gongjian.auth.dependencies import caller
from gongjian.claims import catalogue, claiming, items, summary
from gongjian.claims.schemas import (
    AdoptionCreate,
    AdoptionResult,
    ClaimComplete,
    ClaimCreate,
    ClaimListQuery,
    ClaimRead,
    ClaimReject,
    ClaimSummary,
    ClaimVerify,
    ClaimWithdraw,
    ItemClaimListQuery,
    ServiceCategoryRead,
    ServiceItemCreate,
    ServiceItemListQuery,
    ServiceItemRead,
    ServiceItemUpdate,
    ServiceTemplateCatalogue,
)
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import ListQuery, query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import ID_BOUNDS, IsoDate, PathId
from gongjian.models.enums import (
    ServiceCategoryCode,
    ServiceDirection,
    ServiceItemStatus,
)

router = DomainRouter(tags=["claims"])

Reader = Annotated[Principal, caller("claims:read")]
Writer = Annotated[Principal, caller("claims:write")]
STATE_PROBLEMS = problem_responses(412)


@router.get("/service-categories", summary="服务类别（五大类）")
async def list_service_categories(
    principal: Reader, query: Annotated[ListQuery, query_of(ListQuery)]
) -> Page[ServiceCategoryRead]:
    with unit_of_work() as session:
        return items.list_categories(session, query)


@router.get("/service-templates", summary="清单模板：参考清单的 35 项，按五大类分组")
async def list_service_templates(
    principal: Reader,
    category: Annotated[ServiceCategoryCode | None, Query(description="只列这一类")] = None,
    direction: Annotated[
        ServiceDirection | None, Query(description="只列可作为社区需求（need）或单位资源（resource）采用的模板")
    ] = None,
) -> ServiceTemplateCatalogue:
    with unit_of_work() as session:
        return catalogue.list_templates(session, principal, category=category, direction=direction)


@router.post(
    "/service-items/adopt",
    summary="从清单模板添加服务项目（社区需求或单位资源）",
    status_code=201,
)
async def adopt_service_templates(body: AdoptionCreate, principal: Writer) -> AdoptionResult:
    with unit_of_work(write_lock=True) as session:
        return catalogue.adopt(session, principal, body)


@router.get("/service-items", summary="双向认领清单：服务项目列表（本组织与共建伙伴的项目）")
async def list_service_items(
    principal: Reader, query: Annotated[ServiceItemListQuery, query_of(ServiceItemListQuery)]
) -> Page[ServiceItemRead]:
    with unit_of_work() as session:
        return items.list_items(session, principal, query)


@router.post("/service-items", summary="新建服务项目（草稿）", status_code=201)
async def create_service_item(body: ServiceItemCreate, principal: Writer, response: Response) -> ServiceItemRead:
    with unit_of_work() as session:
        item = items.create_item(session, principal, body)
    created(response, f"/service-items/{item.id}", item.version)
    return item


@router.get("/service-items/{item_id}", summary="服务项目详情")
async def get_service_item(item_id: PathId, principal: Reader, response: Response) -> ServiceItemRead:
    with unit_of_work() as session:
        item = items.get_item_read(session, principal, item_id)
    set_etag(response, item.version)
    return item


@router.patch("/service-items/{item_id}", summary="修改服务项目（提供方）", responses=STATE_PROBLEMS)
async def update_service_item(
    item_id: PathId, body: ServiceItemUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> ServiceItemRead:
    with unit_of_work(write_lock=True) as session:
        item = items.update_item(session, principal, item_id, body, if_match)
    set_etag(response, item.version)
    return item


@router.post("/service-items/{item_id}/publish", summary="发布（或重新开放）服务项目", responses=STATE_PROBLEMS)
async def publish_service_item(
    item_id: PathId, principal: Writer, response: Response, if_match: IfMatch = None
) -> ServiceItemRead:
    with unit_of_work(write_lock=True) as session:
        item = items.set_item_status(session, principal, item_id, ServiceItemStatus.published, if_match)
    set_etag(response, item.version)
    return item


@router.post("/service-items/{item_id}/close", summary="关闭服务项目（不再接受认领）", responses=STATE_PROBLEMS)
async def close_service_item(
    item_id: PathId, principal: Writer, response: Response, if_match: IfMatch = None
) -> ServiceItemRead:
    with unit_of_work(write_lock=True) as session:
        item = items.set_item_status(session, principal, item_id, ServiceItemStatus.closed, if_match)
    set_etag(response, item.version)
    return item


@router.get("/service-items/{item_id}/claims", summary="某服务项目的认领记录")
async def list_item_claims(
    item_id: PathId, principal: Reader, query: Annotated[ItemClaimListQuery, query_of(ItemClaimListQuery)]
) -> Page[ClaimRead]:
    with unit_of_work() as session:
        return claiming.list_item_claims(session, principal, item_id, query)


@router.post("/service-items/{item_id}/claims", summary="认领服务项目", status_code=201)
async def create_claim(item_id: PathId, body: ClaimCreate, principal: Writer, response: Response) -> ClaimRead:
    with unit_of_work(write_lock=True) as session:
        claim = claiming.create_claim(session, principal, item_id, body)
    created(response, f"/claims/{claim.id}", claim.version)
    return claim


@router.get("/claims", summary="认领记录列表（跨项目）")
async def list_claims(principal: Reader, query: Annotated[ClaimListQuery, query_of(ClaimListQuery)]) -> Page[ClaimRead]:
    with unit_of_work() as session:
        return claiming.list_claims(session, principal, query)


@router.get("/claims/summary", summary="认领统计：按类别和状态（可按组织、期间）")
async def claims_summary(
    principal: Reader,
    organization_id: Annotated[int | None, Query(**ID_BOUNDS, description="认领组织")] = None,
    provider_org_id: Annotated[int | None, Query(**ID_BOUNDS, description="项目提供方")] = None,
    since: Annotated[IsoDate | None, Query(description="认领的业务日期起（含）")] = None,
    until: Annotated[IsoDate | None, Query(description="认领的业务日期止（含）")] = None,
) -> ClaimSummary:
    with unit_of_work() as session:
        return summary.claims_summary(
            session,
            principal,
            organization_id=organization_id,
            provider_org_id=provider_org_id,
            since=since,
            until=until,
        )


@router.get("/claims/{claim_id}", summary="认领记录详情")
async def get_claim(claim_id: PathId, principal: Reader, response: Response) -> ClaimRead:
    with unit_of_work() as session:
        claim = claiming.get_claim(session, principal, claim_id)
    set_etag(response, claim.version)
    return claim


@router.post("/claims/{claim_id}/start", summary="开始实施（认领组织）", responses=STATE_PROBLEMS)
async def start_claim(claim_id: PathId, principal: Writer, response: Response, if_match: IfMatch = None) -> ClaimRead:
    with unit_of_work(write_lock=True) as session:
        claim = claiming.start_claim(session, principal, claim_id, if_match)
    set_etag(response, claim.version)
    return claim


@router.post("/claims/{claim_id}/complete", summary="报告完成（认领组织）", responses=STATE_PROBLEMS)
async def complete_claim(
    claim_id: PathId, body: ClaimComplete, principal: Writer, response: Response, if_match: IfMatch = None
) -> ClaimRead:
    with unit_of_work(write_lock=True) as session:
        claim = claiming.complete_claim(session, principal, claim_id, body, if_match)
    set_etag(response, claim.version)
    return claim


@router.post("/claims/{claim_id}/verify", summary="验收并评价（项目提供方）", responses=STATE_PROBLEMS)
async def verify_claim(
    claim_id: PathId, body: ClaimVerify, principal: Writer, response: Response, if_match: IfMatch = None
) -> ClaimRead:
    with unit_of_work(write_lock=True) as session:
        claim = claiming.verify_claim(session, principal, claim_id, body, if_match)
    set_etag(response, claim.version)
    return claim


@router.post("/claims/{claim_id}/withdraw", summary="撤回认领（认领组织），释放名额", responses=STATE_PROBLEMS)
async def withdraw_claim(
    claim_id: PathId,
    principal: Writer,
    response: Response,
    body: ClaimWithdraw | None = None,
    if_match: IfMatch = None,
) -> ClaimRead:
    with unit_of_work(write_lock=True) as session:
        claim = claiming.withdraw_claim(session, principal, claim_id, body or ClaimWithdraw(), if_match)
    set_etag(response, claim.version)
    return claim


@router.post("/claims/{claim_id}/reject", summary="驳回认领（项目提供方），释放名额", responses=STATE_PROBLEMS)
async def reject_claim(
    claim_id: PathId, body: ClaimReject, principal: Writer, response: Response, if_match: IfMatch = None
) -> ClaimRead:
    with unit_of_work(write_lock=True) as session:
        claim = claiming.reject_claim(session, principal, claim_id, body, if_match)
    set_etag(response, claim.version)
    return claim
