"""Factories for the evaluation tests: a scene of one unit and its community, with periods and
scores through the API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from factories.members import link_user
from factories.orgs import make_org
from factories.users import headers_for, login, make_user, username_of
from gongjian.models.enums import Role

_seq = itertools.count(1)
DEFAULT_CRITERIA = [("reporting", 30), ("volunteering", 30), ("contact", 20), ("discipline", 20)]
# A 报到日期 early in 2017, the year of the test periods: members who reported then escape the
# never-reported veto.
REPORTED = date(2017, 3, 1)


def points_for(total: float) -> dict[str, float]:
    """Split a community score over the default criteria, filling each up to its maximum."""
    left = Decimal(str(total))
    points: dict[str, float] = {}
    for code, maximum in DEFAULT_CRITERIA:
        take = min(left, Decimal(maximum))
        points[code] = float(take)
        left -= take
    assert left == 0
    return points


@dataclass
class Scene:
    """One unit with its community; an admin and the two organisations' admins logged in."""

    client: TestClient
    unit: int
    community: int
    admin: dict[str, str]
    unit_admin: dict[str, str]
    community_admin: dict[str, str]
    period: int = 0
    members: dict[str, int] = field(default_factory=dict)

    def create_period(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": f"{2000 + next(_seq)}年度", "start_date": "2017-01-01", "end_date": "2017-12-31", **overrides}
        response = self.client.post("evaluation-periods", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        self.period = response.json()["id"]
        return dict(response.json())

    def open(self) -> dict[str, Any]:
        response = self.client.post(f"evaluation-periods/{self.period}/open", headers=self.admin)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def finalize(self) -> Any:
        return self.client.post(f"evaluation-periods/{self.period}/finalize", headers=self.admin)

    def evaluations(self, headers: dict[str, str] | None = None, **params: Any) -> list[dict[str, Any]]:
        response = self.client.get(
            f"evaluation-periods/{self.period}/evaluations",
            params={"page_size": 100, **params},
            headers=headers or self.admin,
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def evaluation_of(self, member_id: int) -> dict[str, Any]:
        return next(e for e in self.evaluations() if e["member"]["id"] == member_id)

    def score(self, member_id: int, community: float | None, unit: float | None, opinion: str = "表现良好") -> None:
        eid = self.evaluation_of(member_id)["id"]
        if community is not None:
            body = {"points": points_for(community), "opinion": opinion}
            r = self.client.put(f"evaluations/{eid}/community-score", json=body, headers=self.community_admin)
            assert r.status_code == 200, r.text
        if unit is not None:
            body2 = {"score": unit, "comment": "工作认真"}
            r = self.client.put(f"evaluations/{eid}/unit-score", json=body2, headers=self.unit_admin)
            assert r.status_code == 200, r.text

    def member_login(self, member_id: int) -> dict[str, str]:
        user_id = make_user(Role.member, self.unit)
        link_user(member_id, user_id)
        return login(self.client, username_of(user_id))


def make_scene(client: TestClient) -> Scene:
    unit, community = make_org("unit"), make_org("community")
    return Scene(
        client,
        unit,
        community,
        headers_for(client, Role.admin),
        headers_for(client, Role.unit_admin, unit),
        headers_for(client, Role.community_admin, community),
    )
