"""Residents: added through the residents service (with a password login, or none) and signed in
over HTTP. Mobiles are distinct per call unless one is given."""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient

from factories.orgs import make_org, make_partnership
from factories.users import PASSWORD, headers_for, login
from factories.volunteering import member_login
from gongjian.db import unit_of_work
from gongjian.kit.principal import SYSTEM
from gongjian.models.enums import OrganizationKind, Role
from gongjian.residents import service as resident_service
from gongjian.residents.schemas import ResidentCreate

_seq = itertools.count(1)


def next_mobile() -> str:
    return f"137{next(_seq):08d}"


def make_resident(
    community_org_id: int,
    *,
    name: str = "王居民",
    mobile: str | None = None,
    building: str = "3 栋 2 单元",
    room: str = "502",
    username: str | None = None,
) -> int:
    """A resident of the community; with a login (password `PASSWORD`) when `username` is given."""
    data = ResidentCreate(
        community_org_id=community_org_id,
        name=name,
        mobile=mobile or next_mobile(),
        building=building,
        room=room,
        username=username,
        password=PASSWORD if username else None,
    )
    with unit_of_work(write_lock=True) as session:
        return resident_service.create_resident(session, SYSTEM, data).id


def resident_login(client: TestClient, community_org_id: int, **fields: str) -> tuple[int, dict[str, str]]:
    """A resident with a password login, and its bearer headers."""
    username = f"resident{next(_seq)}"
    resident_id = make_resident(community_org_id, username=username, **fields)
    return resident_id, login(client, username)


class ResidentsWorld:
    """A community with a partner unit, its admin, a member of it with a login, the resident under
    test (`resident`, with `mobile` and `room`), a neighbour in the same community and a stranger in
    another one: everyone a resident's own wishes and concerns must be checked against."""

    def __init__(self, client: TestClient, *, resident: str, neighbour: str, mobile: str, room: str) -> None:
        self.community = make_org(OrganizationKind.community)
        self.other_community = make_org(OrganizationKind.community)
        self.unit = make_org(OrganizationKind.unit)
        make_partnership(self.unit, self.community)
        self.admin = headers_for(client, Role.admin)
        self.community_admin = headers_for(client, Role.community_admin, self.community)
        self.other_admin = headers_for(client, Role.community_admin, self.other_community)
        self.unit_admin = headers_for(client, Role.unit_admin, self.unit)
        self.member_id, self.member = member_login(client, self.community, unit_org_id=self.unit, name="李党员")
        self.resident_id, self.resident = resident_login(
            client, self.community, name=resident, mobile=mobile, room=room
        )
        self.neighbour_id, self.neighbour = resident_login(client, self.community, name=neighbour)
        self.stranger_id, self.stranger = resident_login(client, self.other_community, name="孙奶奶")
