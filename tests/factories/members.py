"""Factories for the members domain: members through the service layer, and a small world of
organisations in which to test dual management."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from factories import headers_for, login, make_org, make_user, username_of
from gongjian.db import unit_of_work
from gongjian.kit.principal import SYSTEM
from gongjian.members import service as member_service
from gongjian.members.schemas import MemberCreate, MemberUpdate
from gongjian.models.enums import Role

PHONE = "13812345678"
MASKED = "138****5678"
_seq = itertools.count(1)


def make_member(community_org_id: int, category: str = "retired", unit_org_id: int | None = None, **extra: Any) -> int:
    body: dict[str, Any] = {
        "name": extra.pop("name", f"党员{next(_seq)}"),
        "gender": "female",
        "category": category,
        "community_org_id": community_org_id,
        "unit_org_id": unit_org_id,
        **extra,
    }
    with unit_of_work() as session:
        return member_service.create_member(session, SYSTEM, MemberCreate.model_validate(body)).id


def link_user(member_id: int, user_id: int) -> None:
    with unit_of_work() as session:
        member_service.update_member(session, SYSTEM, member_id, MemberUpdate(user_id=user_id), None)


@dataclass
class World:
    """A court (unit) whose in-service member reports to a community; and outsiders."""

    unit: int
    community: int
    other_unit: int
    other_community: int
    member: int  # in-service, unit → community, with PHONE

    def member_login(self, client: TestClient, member_id: int | None = None) -> dict[str, str]:
        """A `member` account of the unit, linked to `member_id` (default: the world's member)."""
        user_id = make_user(Role.member, self.unit)
        link_user(member_id or self.member, user_id)
        return login(client, username_of(user_id))


def make_world() -> World:
    unit, community = make_org("unit"), make_org("community")
    other_unit, other_community = make_org("unit"), make_org("community")
    member = make_member(community, "in_service", unit, name="张红", phone=PHONE, joined_party_on="2001-07-01")
    return World(unit, community, other_unit, other_community, member)


def role_headers(client: TestClient, world: World, who: str) -> dict[str, str]:
    """Bearer headers for one of the roles around the world's member."""
    match who:
        case "admin":
            return headers_for(client, Role.admin)
        case "unit_admin":
            return headers_for(client, Role.unit_admin, world.unit)
        case "community_admin":
            return headers_for(client, Role.community_admin, world.community)
        case "self":
            return world.member_login(client)
        case "other_unit_admin":
            return headers_for(client, Role.unit_admin, world.other_unit)
        case "other_community_admin":
            return headers_for(client, Role.community_admin, world.other_community)
        case "unlinked_member":
            return headers_for(client, Role.member, world.unit)
    raise ValueError(who)
