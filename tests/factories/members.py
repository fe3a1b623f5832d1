"""Party members: the one member factory every test uses, and a small world of organisations in
which to test dual management."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from factories.orgs import make_org, make_partnership
from factories.users import headers_for, login, make_user, username_of
from gongjian.db import unit_of_work
from gongjian.kit.principal import SYSTEM
from gongjian.members import service as member_service
from gongjian.members.schemas import MemberCreate, MemberUpdate
from gongjian.models.enums import MemberCategory, Role

PHONE = "13812345678"
MASKED = "138****5678"
_seq = itertools.count(1)


def make_member(
    community_org_id: int,
    *,
    category: MemberCategory | str | None = None,
    unit_org_id: int | None = None,
    user_id: int | None = None,
    name: str | None = None,
    archived: bool = False,
    **fields: Any,
) -> int:
    """Register a member through the members service, as a platform admin would (so with its audit
    entry and service card), and return its id.

    `category` defaults to in-service when a unit is given, retired otherwise. `fields` are any other
    `MemberCreate` fields (gender, phone, joined_party_on, reported_on, volunteer_number, …);
    `archived=True` archives the member right after.
    """
    body: dict[str, Any] = {
        "name": name or f"党员{next(_seq)}",
        "gender": "female",
        "category": category or (MemberCategory.in_service if unit_org_id else MemberCategory.retired),
        "community_org_id": community_org_id,
        "unit_org_id": unit_org_id,
        "user_id": user_id,
        **fields,
    }
    with unit_of_work() as session:
        member_id = member_service.create_member(session, SYSTEM, MemberCreate.model_validate(body)).id
        if archived:
            member_service.set_member_archived(session, SYSTEM, member_id, True)
    return member_id


def link_user(member_id: int, user_id: int) -> None:
    """Link a `member`-role account to an existing member."""
    with unit_of_work() as session:
        member_service.update_member(session, SYSTEM, member_id, MemberUpdate(user_id=user_id), None)


@dataclass
class World:
    """A court (unit) whose in-service member reports to a community it partners with (共建); and
    outsiders (with no partnership to anyone)."""

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
    make_partnership(unit, community)
    member = make_member(
        community, category="in_service", unit_org_id=unit, name="张红", phone=PHONE, joined_party_on="2001-07-01"
    )
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
