from __future__ import annotations

from typing import Annotated

from fastapi import Response

from gongjian.auth.dependencies import caller
from gongjian.db import unit_of_work
from gongjian.kit.errors import problem_responses
from gongjian.kit.etag import IfMatch, set_etag
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import PathId
from gongjian.organizations import service
from gongjian.organizations.schemas import (
    OrganizationCreate,
    OrganizationListQuery,
    OrganizationRead,
    OrganizationUpdate,
    PartnershipCreate,
    PartnershipListQuery,
    PartnershipRead,
    PartnershipUpdate,
)

router = DomainRouter(tags=["organizations"])

Reader = Annotated[Principal, caller("organizations:read")]
Writer = Annotated[Principal, caller("organizations:write")]


@router.get("/organizations", summary="党组织列表")
async def list_organizations(
    principal: Reader, query: Annotated[OrganizationListQuery, query_of(OrganizationListQuery)]
) -> Page[OrganizationRead]:
    return service.list_organizations(principal, query)


@router.post("/organizations", summary="新建党组织（平台管理员）", status_code=201)
async def create_organization(body: OrganizationCreate, principal: Writer, response: Response) -> OrganizationRead:
    with unit_of_work() as session:
        org = service.create_organization(session, principal, body)
    created(response, f"/organizations/{org.id}", org.version)
    return org


@router.get("/organizations/{org_id}", summary="党组织详情")
async def get_organization(org_id: PathId, principal: Reader, response: Response) -> OrganizationRead:
    with unit_of_work() as session:
        org = service.get_organization(session, principal, org_id)
    set_etag(response, org.version)
    return org


@router.patch("/organizations/{org_id}", summary="修改党组织", responses=problem_responses(412))
async def update_organization(
    org_id: PathId, body: OrganizationUpdate, principal: Writer, response: Response, if_match: IfMatch = None
) -> OrganizationRead:
    with unit_of_work() as session:
        org = service.update_organization(session, principal, org_id, body, if_match)
    set_etag(response, org.version)
    return org


@router.post("/organizations/{org_id}/archive", summary="归档党组织（平台管理员）")
async def archive_organization(org_id: PathId, principal: Writer, response: Response) -> OrganizationRead:
    with unit_of_work() as session:
        org = service.set_organization_archived(session, principal, org_id, archived=True)
    set_etag(response, org.version)
    return org


@router.post("/organizations/{org_id}/restore", summary="恢复已归档的党组织（平台管理员）")
async def restore_organization(org_id: PathId, principal: Writer, response: Response) -> OrganizationRead:
    with unit_of_work() as session:
        org = service.set_organization_archived(session, principal, org_id, archived=False)
    set_etag(response, org.version)
    return org


@router.get("/partnerships", summary="共建关系列表")
async def list_partnerships(
    principal: Reader, query: Annotated[PartnershipListQuery, query_of(PartnershipListQuery)]
) -> Page[PartnershipRead]:
    with unit_of_work() as session:
        return service.list_partnerships(session, principal, query)


@router.post("/partnerships", summary="建立共建关系（平台管理员）", status_code=201)
async def create_partnership(body: PartnershipCreate, principal: Writer, response: Response) -> PartnershipRead:
    with unit_of_work() as session:
        row = service.create_partnership(session, principal, body)
    created(response, f"/partnerships/{row.id}", row.version)
    return row


@router.get("/partnerships/{partnership_id}", summary="共建关系详情")
async def get_partnership(partnership_id: PathId, principal: Reader, response: Response) -> PartnershipRead:
    with unit_of_work() as session:
        row = service.get_partnership(session, principal, partnership_id)
    set_etag(response, row.version)
    return row


@router.patch("/partnerships/{partnership_id}", summary="修改共建关系", responses=problem_responses(412))
async def update_partnership(
    partnership_id: PathId,
    body: PartnershipUpdate,
    principal: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> PartnershipRead:
    with unit_of_work() as session:
        row = service.update_partnership(session, principal, partnership_id, body, if_match)
    set_etag(response, row.version)
    return row


@router.post("/partnerships/{partnership_id}/archive", summary="归档共建关系（平台管理员）")
async def archive_partnership(partnership_id: PathId, principal: Writer, response: Response) -> PartnershipRead:
    with unit_of_work() as session:
        row = service.set_partnership_archived(session, principal, partnership_id)
    set_etag(response, row.version)
    return row
