"""Residents: added through the residents service (with a password login, or none) and signed in
over HTTP. Mobiles are distinct per call unless one is given."""

from __future__ import annotations

import itertools

from fastapi.testclient import TestClient

from factories.users import PASSWORD, login
from gongjian.db import unit_of_work
from gongjian.kit.principal import SYSTEM
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
