"""Factories for the claim list and micro-wishes: they add rows through the services and return ids."""

from __future__ import annotations

import itertools
import json
from datetime import date
from typing import Any

from factories.members import make_member
from gongjian.claims import items as claim_items
from gongjian.claims.reference import DATA_FILE
from gongjian.claims.schemas import ServiceItemCreate
from gongjian.db import unit_of_work
from gongjian.kit.principal import SYSTEM
from gongjian.models import ServiceCategory
from gongjian.models.enums import ServiceCategoryCode, ServiceItemStatus
from gongjian.wishes import service as wish_service
from gongjian.wishes.schemas import WishClaim, WishClose, WishCreate, WishFulfil

_seq = itertools.count(1)


def load_categories() -> None:
    """Just the five categories (the whole reference list would add 35 items to every test)."""
    entries = json.loads(DATA_FILE.read_text(encoding="utf-8"))["categories"]
    with unit_of_work() as session:
        for entry in entries:
            session.add(ServiceCategory(**entry))


def make_item(
    provider_org_id: int,
    *,
    category: ServiceCategoryCode | str = ServiceCategoryCode.volunteer,
    capacity: int = 1,
    claim_deadline: date | None = None,
    status: ServiceItemStatus | str = ServiceItemStatus.published,
    title: str | None = None,
) -> int:
    data = ServiceItemCreate(
        title=title or f"服务项目{next(_seq)}",
        category=ServiceCategoryCode(category),
        provider_org_id=provider_org_id,
        capacity=capacity,
        claim_deadline=claim_deadline,
    )
    with unit_of_work() as session:
        item_id = claim_items.create_item(session, SYSTEM, data).id
        status = ServiceItemStatus(status)
        if status is not ServiceItemStatus.draft:
            claim_items.set_item_status(session, SYSTEM, item_id, ServiceItemStatus.published, None)
        if status is ServiceItemStatus.closed:
            claim_items.set_item_status(session, SYSTEM, item_id, ServiceItemStatus.closed, None)
    return item_id


def make_wish(community_org_id: int, *, status: str = "submitted", resident_name: str = "张三", **fields: Any) -> int:
    """A wish moved along the main flow up to `status` (submitted, verified, published, claimed by a
    new unit-less member record, fulfilled, closed)."""
    body = {"resident_name": resident_name, "content": "想要一台收音机", "kind": "goods", "estimated_value": 80}
    data = WishCreate(community_org_id=community_org_id, **{**body, **fields})
    order = ["submitted", "verified", "published", "claimed", "fulfilled", "closed"]
    with unit_of_work() as session:
        wish_id = wish_service.create_wish(session, SYSTEM, data).id
    target = order.index(status)
    with unit_of_work() as session:
        if target >= 1:
            wish_service.verify_wish(session, SYSTEM, wish_id, None)
        if target >= 2:
            wish_service.publish_wish(session, SYSTEM, wish_id, None)
    if target >= 3:
        member_id = make_member(community_org_id, name="赵志愿")
        with unit_of_work() as session:
            wish_service.claim_wish(session, SYSTEM, wish_id, WishClaim(member_id=member_id), None)
    with unit_of_work() as session:
        if target >= 4:
            wish_service.fulfil_wish(session, SYSTEM, wish_id, WishFulfil(note="已送达"), None)
        if target >= 5:
            wish_service.close_wish(session, SYSTEM, wish_id, WishClose(feedback="居民满意"), None)
    return wish_id
