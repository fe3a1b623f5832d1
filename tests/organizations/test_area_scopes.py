"""District and street admins (issue 17): every endpoint family shows them the rows under their
organisation and answers 404 for the rows beside (another street, another district) and above.

One world, table-driven: two districts; the first has two streets, each with a community and a
partner unit; the second one street with one. Each community gets one row of every family.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories.claims import load_categories, make_item, make_wish
from factories.governance import add_topics, create_meeting, create_task
from factories.members import MASKED, PHONE, make_member
from factories.orgs import make_org, make_partnership
from factories.problems import assert_problem
from factories.residents import make_resident
from factories.users import headers_for, login, make_user, username_of
from factories.volunteering import activity_body, iso, make_activity
from gongjian.models.base import utcnow
from gongjian.models.enums import OrganizationKind, Role


@dataclass
class Rows:
    """One row of every family in a community (ids), and the community's own admin."""

    community: int
    unit: int
    admin: dict[str, str]
    ids: dict[str, int]


def _populate(client: TestClient, community: int, unit: int) -> Rows:
    ca = headers_for(client, Role.community_admin, community)
    unit_admin_id = make_user(Role.unit_admin, unit)
    member = make_member(community, unit_org_id=unit, phone=PHONE)
    activity = make_activity(client, ca, community)
    now = utcnow()
    record = client.post(
        "volunteer-records",
        json={
            "member_id": member,
            "content": "清扫楼道",
            "location": "3 栋",
            "started_at": iso(now - timedelta(hours=3)),
            "ended_at": iso(now - timedelta(hours=1)),
            "hours": 2,
        },
        headers=ca,
    )
    assert record.status_code == 201, record.text
    concern = client.post("concerns", json={"category": "sanitation", "title": "楼道堆放杂物"}, headers=ca)
    assert concern.status_code == 201, concern.text
    meeting = create_meeting(client, ca)
    (topic,) = add_topics(client, ca, meeting["id"], 1)
    task = create_task(client, ca, topic, unit, "2017-04-30")
    reporter = login(client, username_of(make_user(Role.member, unit)))
    code = client.get(f"organizations/{community}/report-code", headers=ca).json()["code"]
    report = client.post(
        "reports",
        json={
            "code": code,
            "name": "李报到",
            "gender": "male",
            "mobile": f"139{community:08d}",
            "category": "in_service",
            "unit_org_id": unit,
            "joined_party_on": "2010-07-01",
        },
        headers=reporter,
    )
    assert report.status_code == 201, report.text
    resource = make_item(unit)
    claim = client.post(f"service-items/{resource}/claims", json={"note": "社区认领"}, headers=ca)
    assert claim.status_code == 201, claim.text
    partnership = client.get("partnerships", params={"community_org_id": community}, headers=ca).json()["items"][0]
    cards = client.get(f"members/{member}/cards", headers=ca).json()["items"]
    return Rows(
        community,
        unit,
        ca,
        {
            "organizations": community,
            "units": unit,
            "partnerships": partnership["id"],
            "users": unit_admin_id,
            "members": member,
            "cards": cards[0]["id"],
            "activities": activity["id"],
            "volunteer-records": record.json()["id"],
            "wishes": make_wish(community, status="submitted"),
            "concerns": concern.json()["id"],
            "meetings": meeting["id"],
            "tasks": task["id"],
            "service-items": make_item(community),
            "claims": claim.json()["id"],
            "residents": make_resident(community),
            "reports": report.json()["id"],
        },
    )


# family -> (detail path, list path or None, list params)
FAMILIES: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "organizations": ("organizations/{id}", "organizations", {"page_size": 100}),
    "units": ("organizations/{id}", "organizations", {"page_size": 100}),
    "partnerships": ("partnerships/{id}", "partnerships", {"page_size": 100}),
    "users": ("users/{id}", "users", {"page_size": 100}),
    "members": ("members/{id}", "members", {"page_size": 100}),
    "cards": ("cards/{id}", None, {}),
    "activities": ("activities/{id}", "activities", {"page_size": 100}),
    "volunteer-records": ("volunteer-records/{id}", "volunteer-records", {"page_size": 100}),
    "wishes": ("wishes/{id}", "wishes", {"page_size": 100}),
    "concerns": ("concerns/{id}", "concerns", {"page_size": 100}),
    "meetings": ("meetings/{id}", "meetings", {"page_size": 100}),
    "tasks": ("tasks/{id}", "tasks", {"page_size": 100}),
    "service-items": ("service-items/{id}", "service-items", {"page_size": 100}),
    "claims": ("claims/{id}", "claims", {"page_size": 100}),
    "residents": ("residents/{id}", "residents", {"page_size": 100}),
    "reports": ("reports/{id}", "reports", {"page_size": 100}),
    "evaluations": ("evaluations/{id}", None, {}),  # listed per period: see the World
}


class World:
    def __init__(self, client: TestClient) -> None:
        load_categories()
        self.district = make_org(OrganizationKind.district)
        self.street = make_org(OrganizationKind.street, parent_id=self.district)
        self.other_street = make_org(OrganizationKind.street, parent_id=self.district)
        self.far_district = make_org(OrganizationKind.district)
        self.far_street = make_org(OrganizationKind.street, parent_id=self.far_district)
        self.rows: dict[str, Rows] = {}
        for name, street in (("here", self.street), ("beside", self.other_street), ("far", self.far_street)):
            community = make_org(OrganizationKind.community, parent_id=street)
            unit = make_org(OrganizationKind.unit, parent_id=street)
            make_partnership(unit, community)
            self.rows[name] = _populate(client, community, unit)
        self._open_an_evaluation_period(client)
        self.street_admin = headers_for(client, Role.street_admin, self.street)
        self.district_admin = headers_for(client, Role.district_admin, self.district)

    def _open_an_evaluation_period(self, client: TestClient) -> None:
        """One platform-wide period, opened: every member gets its evaluation row."""
        admin = headers_for(client, Role.admin)
        body = {"name": "2017年度", "start_date": "2017-01-01", "end_date": "2017-12-31"}
        period = client.post("evaluation-periods", json=body, headers=admin)
        assert period.status_code == 201, period.text
        self.period = period.json()["id"]
        assert client.post(f"evaluation-periods/{self.period}/open", headers=admin).status_code == 200
        listed = client.get(f"evaluation-periods/{self.period}/evaluations", params={"page_size": 100}, headers=admin)
        by_member = {e["member"]["id"]: e["id"] for e in listed.json()["items"]}
        for rows in self.rows.values():
            rows.ids["evaluations"] = by_member[rows.ids["members"]]

    def callers(self) -> dict[str, tuple[dict[str, str], set[str]]]:
        """Each area admin, and which of the three communities lie under it."""
        return {
            "street_admin": (self.street_admin, {"here"}),
            "district_admin": (self.district_admin, {"here", "beside"}),
        }


@pytest.fixture
def w(client: TestClient) -> World:
    return World(client)


def _ids(client: TestClient, path: str, params: dict[str, Any], headers: dict[str, str]) -> set[int]:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, (path, response.text)
    return {row["id"] for row in response.json()["items"]}


def test_area_admins_see_below_and_nothing_beside_or_above(client: TestClient, w: World) -> None:
    for role, (headers, under) in w.callers().items():
        for family, (detail, listing, params) in FAMILIES.items():
            listed = _ids(client, listing, params, headers) if listing else set()
            for name, rows in w.rows.items():
                row_id = rows.ids[family]
                response = client.get(detail.format(id=row_id), headers=headers)
                if name in under:
                    assert response.status_code == 200, (role, family, name, response.text)
                    assert response.json()["id"] == row_id
                    if listing:
                        assert row_id in listed, (role, family, name)
                else:
                    assert_problem(response, 404, "not_found")
                    assert row_id not in listed, (role, family, name)


def test_area_admins_list_the_evaluations_below_them_only(client: TestClient, w: World) -> None:
    for role, (headers, under) in w.callers().items():
        listed = _ids(client, f"evaluation-periods/{w.period}/evaluations", {"page_size": 100}, headers)
        assert listed == {rows.ids["evaluations"] for name, rows in w.rows.items() if name in under}, role


def test_organisations_above_and_beside_are_not_found(client: TestClient, w: World) -> None:
    street = w.street_admin
    assert client.get(f"organizations/{w.street}", headers=street).json()["parent_id"] == w.district
    for org in (w.district, w.other_street, w.far_district, w.far_street):
        assert_problem(client.get(f"organizations/{org}", headers=street), 404, "not_found")
    district = w.district_admin
    assert client.get(f"organizations/{w.other_street}", headers=district).status_code == 200
    for org in (w.far_district, w.far_street):
        assert_problem(client.get(f"organizations/{org}", headers=district), 404, "not_found")
    # The list is the caller's organisation and everything under it.
    listed = _ids(client, "organizations", {"page_size": 100}, street)
    here = w.rows["here"]
    assert listed == {w.street, here.community, here.unit}


def test_area_admins_read_members_masked_and_run_the_reports(client: TestClient, w: World) -> None:
    here, beside = w.rows["here"], w.rows["beside"]
    for headers in (w.street_admin, w.district_admin):
        member = client.get(f"members/{here.ids['members']}", headers=headers).json()
        assert member["phone"] == MASKED
        stats = client.get("stats/annual", params={"year": 2017, "community_id": here.community}, headers=headers)
        assert stats.status_code == 200, stats.text
        assert stats.json()["community"]["id"] == here.community
    # The community's own admin sees the phone in full: masking is the area admin's, not the row's.
    assert client.get(f"members/{here.ids['members']}", headers=here.admin).json()["phone"] == PHONE
    params = {"year": 2017, "community_id": beside.community}
    assert_problem(client.get("stats/annual", params=params, headers=w.street_admin), 404, "not_found")
    assert client.get("stats/annual", params=params, headers=w.district_admin).status_code == 200
    far = {"year": 2017, "community_id": w.rows["far"].community}
    assert_problem(client.get("stats/annual", params=far, headers=w.district_admin), 404, "not_found")


def test_area_admins_neither_act_for_communities_nor_read_the_audit_log(client: TestClient, w: World) -> None:
    here = w.rows["here"]
    for headers in (w.street_admin, w.district_admin):
        assert client.get("audit-events", headers=headers).status_code == 403
        # Reading, not running the community's business: its activities are published by its admins.
        response = client.post("activities", json=activity_body(here.community), headers=headers)
        assert_problem(response, 403, "forbidden")
        assert client.post(f"wishes/{here.ids['wishes']}/verify", json={}, headers=headers).status_code == 403
