from __future__ import annotations

from typing import Annotated

from fastapi import Response

from gongjian.auth.dependencies import caller
from gongjian.cards import service
from gongjian.cards.schemas import CardEntryCreate, CardEntryListQuery, CardEntryRead, CardListQuery, CardRead
from gongjian.db import unit_of_work
from gongjian.kit.pagination import Page
from gongjian.kit.principal import Principal
from gongjian.kit.query import query_of
from gongjian.kit.routing import DomainRouter, created
from gongjian.kit.types import PathId

router = DomainRouter(tags=["cards"])

# Cards belong to the members domain's data: the same scopes.
Reader = Annotated[Principal, caller("members:read")]
Writer = Annotated[Principal, caller("members:write")]


@router.get("/members/{member_id}/cards", summary="党员的服务卡（含已关闭的旧卡）")
async def list_member_cards(
    member_id: PathId, principal: Reader, query: Annotated[CardListQuery, query_of(CardListQuery)]
) -> Page[CardRead]:
    return service.list_member_cards(principal, member_id, query)


@router.get("/cards/{card_id}", summary="服务卡详情")
async def get_card(card_id: PathId, principal: Reader) -> CardRead:
    with unit_of_work() as session:
        return service.get_card(session, principal, card_id)


@router.get("/cards/{card_id}/entries", summary="服务卡记录")
async def list_card_entries(
    card_id: PathId, principal: Reader, query: Annotated[CardEntryListQuery, query_of(CardEntryListQuery)]
) -> Page[CardEntryRead]:
    return service.list_entries(principal, card_id, query)


@router.post("/cards/{card_id}/entries", summary="登记服务卡记录（记录不可修改；积分只能冲正）", status_code=201)
async def add_card_entry(
    card_id: PathId, body: CardEntryCreate, principal: Writer, response: Response
) -> CardEntryRead:
    with unit_of_work(write_lock=True) as session:
        entry = service.add_entry(session, principal, card_id, body)
        created(response, f"/cards/{card_id}/entries/{entry.id}")
        return entry


@router.get("/cards/{card_id}/entries/{entry_id}", summary="服务卡记录详情")
async def get_card_entry(card_id: PathId, entry_id: PathId, principal: Reader) -> CardEntryRead:
    with unit_of_work() as session:
        return service.get_entry(session, principal, card_id, entry_id)
