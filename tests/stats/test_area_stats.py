"""A street's and the district's year side by side (issue 17), on the demo: their totals are the
sums of their communities' own reports, figure by figure, in JSON and in the xlsx."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from factories import assert_problem, headers_for, login
from gongjian.demo import data
from gongjian.demo.loader import DemoResult
from gongjian.models.enums import Role

PASSWORD = "demo-password-1"
FIGURES = ("activities_by_kind", "volunteer", "wishes", "claims", "meetings", "concerns", "honors")


def _flat(figures: dict[str, Any]) -> dict[str, float]:
    """Every number of a report, keyed by where it sits (lists keyed by their kind/category)."""
    out: dict[str, float] = {}
    for section in FIGURES:
        value = figures[section]
        if section == "activities_by_kind":
            for a in value:
                out[f"activities.{a['kind']}.n"] = a["activities"]
                out[f"activities.{a['kind']}.times"] = a["participant_times"]
            continue
        for name, item in value.items():
            if isinstance(item, int | float):
                out[f"{section}.{name}"] = item
        for c in value.get("by_category_and_status", []):
            out[f"claims.{c['category']}.{c['status']}"] = c["count"]
        for m in value.get("by_kind", []):
            out[f"meetings.{m['kind']}"] = m["count"]
    return out


def _sum(reports: list[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for report in reports:
        for key, value in report.items():
            total[key] = total.get(key, 0) + value
    return total


def _org_id(client: TestClient, headers: dict[str, str], name: str) -> int:
    found = client.get("organizations", params={"q": name}, headers=headers).json()["items"]
    return int(next(o["id"] for o in found if o["name"] == name))


def test_street_and_district_equal_the_sum_of_their_communities(client: TestClient, demo: DemoResult) -> None:
    admin = headers_for(client, Role.admin)
    district = _org_id(client, admin, data.DISTRICT["name"])
    street = _org_id(client, admin, data.STREET["name"])
    second = _org_id(client, admin, data.SECOND_STREET["name"])
    callers = {
        district: login(client, "district-admin", PASSWORD),
        street: login(client, "street-admin", PASSWORD),
        second: admin,
    }
    seen_sizes = set()
    for org_id, headers in callers.items():
        params = {"year": 2017, "org_id": org_id}
        area = client.get("stats/annual", params=params, headers=headers)
        assert area.status_code == 200, area.text
        body = area.json()
        assert body["organization"]["id"] == org_id and body["year"] == 2017
        assert body["communities"], "every demo street and the district have communities"
        # Each row is the community's own report, as its own admin gets it.
        own_reports = []
        for row in body["communities"]:
            own = client.get(
                "stats/annual", params={"year": 2017, "community_id": row["community"]["id"]}, headers=admin
            ).json()
            assert row == own
            own_reports.append(_flat(own))
            seen_sizes.add(own["wishes"]["submitted"])
        expected = _sum(own_reports)
        totals = _flat(body["totals"])
        assert {k: v for k, v in totals.items() if v} == {k: v for k, v in expected.items() if v}
        assert body["totals"]["honors"]["count"] == sum(len(r["honors"]["items"]) for r in body["communities"])
        assert body["latest_year"] == 2017

        # The xlsx: the side-by-side sheet's rows are the communities' figures, its last row their sum.
        sheet = client.get("stats/annual", params={**params, "format": "xlsx"}, headers=headers)
        assert sheet.status_code == 200
        book = load_workbook(io.BytesIO(sheet.content))
        assert book.sheetnames == ["2017年度汇总", "各社区对比"]
        rows = [list(r) for r in book["各社区对比"].iter_rows(values_only=True)]
        header_at = next(i for i, r in enumerate(rows) if r[0] == "社区")
        headings = rows[header_at]
        community_rows = rows[header_at + 1 : -1]
        total_row = rows[-1]
        assert total_row[0] == "合计"
        assert [r[0] for r in community_rows] == [c["community"]["name"] for c in body["communities"]]
        for column in range(1, len(headings)):
            assert total_row[column] == sum(r[column] for r in community_rows), headings[column]
        by_heading = dict(zip(headings, total_row, strict=True))
        assert by_heading["微心愿登记（个）"] == body["totals"]["wishes"]["submitted"]
        assert by_heading["经审核志愿服务时长（小时）"] == body["totals"]["volunteer"]["approved_hours"]
        assert by_heading["社情民意收集"] == body["totals"]["concerns"]["reported"]
        # The totals sheet has the community report's layout, with the area's numbers.
        summary = [list(r) for r in book["2017年度汇总"].iter_rows(values_only=True)]
        lines = {r[0]: r[1] for r in summary if r and r[0]}
        assert lines["登记（个）"] == body["totals"]["wishes"]["submitted"]
        assert lines["实现（个）"] == body["totals"]["wishes"]["fulfilled"]
    # The communities differ in size, so the comparison means something.
    assert len(seen_sizes) >= 3


def test_area_report_is_scoped(client: TestClient, demo: DemoResult) -> None:
    result = demo
    admin = headers_for(client, Role.admin)
    district = _org_id(client, admin, data.DISTRICT["name"])
    street = _org_id(client, admin, data.STREET["name"])
    second = _org_id(client, admin, data.SECOND_STREET["name"])
    street_admin = login(client, "street-admin", PASSWORD)
    # Beside and above: not found. A community's admin reads no street's report.
    for org_id in (second, district):
        response = client.get("stats/annual", params={"year": 2017, "org_id": org_id}, headers=street_admin)
        assert_problem(response, 404, "not_found")
    lht = login(client, "lht-admin", PASSWORD)
    response = client.get("stats/annual", params={"year": 2017, "org_id": street}, headers=lht)
    assert_problem(response, 404, "not_found")
    # A community is not an area; and exactly one of community_id / org_id.
    response = client.get("stats/annual", params={"year": 2017, "org_id": result.community_id}, headers=admin)
    assert_problem(response, 404, "not_found")
    assert_problem(client.get("stats/annual", params={"year": 2017}, headers=admin), 422, "stats_scope_required")
    both = {"year": 2017, "org_id": street, "community_id": result.community_id}
    assert_problem(client.get("stats/annual", params=both, headers=admin), 422, "stats_scope_required")
    # The street's report lists 老虎头 only; the district's every community.
    names = [
        c["community"]["name"]
        for c in client.get("stats/annual", params={"year": 2017, "org_id": street}, headers=street_admin).json()[
            "communities"
        ]
    ]
    assert names == [data.COMMUNITY["name"]]
    everything = client.get("stats/annual", params={"year": 2017, "org_id": district}, headers=admin).json()
    assert sorted(c["community"]["name"] for c in everything["communities"]) == sorted(
        [data.COMMUNITY["name"], *(str(n["name"]) for n in data.NEIGHBOURS)]
    )
