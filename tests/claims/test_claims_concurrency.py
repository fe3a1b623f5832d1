"""Real races against a live, multi-process server: 20 organisations claim at the same instant.

Run on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set (the same test, both)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import headers_for, make_org, make_partnership
from factories.claims import load_categories, make_item, make_wish
from factories.live_server import live_server
from gongjian.db import unit_of_work
from gongjian.models import Claim, Wish
from gongjian.models.enums import OrganizationKind, Role

RACERS = 20


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    with live_server(workers=3) as base:
        yield base


def _race(server: str, path: str, racers: list[dict[str, str]], body: dict[str, Any] | None) -> list[httpx.Response]:
    barrier = threading.Barrier(len(racers))
    results: list[httpx.Response | None] = [None] * len(racers)

    def run(index: int, headers: dict[str, str]) -> None:
        with httpx.Client(base_url=f"{server}/api/v1/", timeout=60) as http:
            http.get("health")  # connect before the barrier, so the requests leave together
            barrier.wait()
            results[index] = http.post(path, json=body, headers=headers)

    threads = [threading.Thread(target=run, args=(i, h)) for i, h in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def _unit_admins(client: TestClient, partner_of: int | None = None) -> list[dict[str, str]]:
    admins = []
    for _ in range(RACERS):
        unit = make_org(OrganizationKind.unit)
        if partner_of is not None:
            make_partnership(unit, partner_of)
        admins.append(headers_for(client, Role.unit_admin, unit))
    return admins


def test_twenty_concurrent_claims_on_capacity_three_leave_exactly_three(client: TestClient, server: str) -> None:
    load_categories()
    community = make_org(OrganizationKind.community)
    item_id = make_item(community, capacity=3)
    responses = _race(server, f"service-items/{item_id}/claims", _unit_admins(client, partner_of=community), {})
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 3, 409: RACERS - 3}, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"capacity_full"}
    with unit_of_work() as session:
        claims = session.execute(select(Claim).where(Claim.item_id == item_id)).scalars().all()
    assert len(claims) == 3 and {c.status for c in claims} == {"claimed"}
    assert len({c.organization_id for c in claims}) == 3


def test_twenty_concurrent_claims_on_one_wish_leave_one_claimant(client: TestClient, server: str) -> None:
    wish_id = make_wish(make_org(OrganizationKind.community), status="published")
    responses = _race(server, f"wishes/{wish_id}/claim", _unit_admins(client), None)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: RACERS - 1}, [r.text for r in responses if r.status_code not in (200, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"wish_already_claimed"}
    winner = next(r.json() for r in responses if r.status_code == 200)
    with unit_of_work() as session:
        wish = session.get_one(Wish, wish_id)
    assert wish.status == "claimed" and wish.claimant_org_id == winner["claimant_org"]["id"]
    assert wish.claimant_member_id is None and wish.version == winner["version"]
