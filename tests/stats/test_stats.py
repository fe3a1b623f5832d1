"""Annual statistics against the demo community (loaded through the CLI's own function), and proof
that figures are computed from the records at request time."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from factories import assert_problem, headers_for, login, make_org
from gongjian.demo.loader import DemoResult, load_demo
from gongjian.models.enums import OrganizationKind, Role

LATEST_DEMO_YEAR = 2017


def test_demo_2017_figures_and_live_recount(client: TestClient, demo: DemoResult) -> None:
    result = demo  # what load_demo(password="demo-password-1") gave on an empty database
    assert result.created and [login.username for login in result.logins] == [
        "lht-admin",
        "court-admin",
        "demo-member",
        "district-admin",
        "street-admin",
        "hh-admin",
        "syg-admin",
    ]
    assert load_demo().created is False  # found by its code: nothing is created twice
    lht = login(client, "lht-admin", "demo-password-1")
    params = {"year": 2017, "community_id": result.community_id}
    stats = client.get("stats/annual", params=params, headers=lht).json()
    assert stats["community"]["name"] == "老虎头社区党委"
    # The demo's records end in 2018 (the court's honour is not the community's record): the
    # dashboard opens on the latest year with records, whichever year was asked.
    this_year = client.get("stats/annual", params={**params, "year": 2030}, headers=lht).json()
    assert stats["latest_year"] == this_year["latest_year"] == LATEST_DEMO_YEAR
    kinds = {a["kind"]: a for a in stats["activities_by_kind"]}
    assert stats["volunteer"]["collective_activities"] == 3
    assert stats["volunteer"]["participant_times"] >= 230
    assert stats["volunteer"]["approved_hours"] > 0
    assert stats["wishes"]["fulfilled"] == 110
    assert kinds["legal_publicity"]["activities"] + kinds["reception"]["activities"] == 3
    assert kinds["legal_publicity"]["participant_times"] + kinds["reception"]["participant_times"] == 30
    assert kinds["performance"]["activities"] == 3
    assert kinds["exhibition"]["activities"] == 1
    assert kinds["sports_match"]["activities"] >= 20
    assert stats["honors"]["count"] == 9  # the community's nine; the court's honour came in 2018
    assert stats["meetings"]["held"] == 5 and stats["meetings"]["tasks_overdue"] == 2
    assert stats["concerns"]["escalated"] == 2 and stats["concerns"]["resolved_locally"] == 5
    assert stats["claims"]["total"] == 4
    # The claims are on the resources the court offered from the catalogue (what the demo adopts is
    # tested in tests/claims/test_catalogue_demo.py).
    claimed = client.get("claims", params={"organization_id": result.community_id}, headers=lht).json()["items"]
    assert sorted(c["item"]["template_code"] for c in claimed) == ["SL-AD03", "SL-CS04", "SL-HA06", "SL-VO02"]
    assert {c["item"]["provider_org"]["id"] for c in claimed} == {result.court_id}
    assert {c["category"] for c in stats["claims"]["by_category_and_status"]} == {
        "hardship_aid",
        "volunteer",
        "advice",
        "culture_sports",
    }
    court_stats = client.get("stats/annual", params={**params, "year": 2018}, headers=lht).json()
    assert court_stats["honors"]["count"] == 1

    # Change a record: the figure follows at once (nothing cached or stored).
    wishes = client.get("wishes", params={"status": "claimed"}, headers=lht).json()["items"]
    client.post(f"wishes/{wishes[0]['id']}/fulfil", json={"note": "已送达"}, headers=lht)
    overdue = client.get("tasks", params={"status": "overdue"}, headers=lht).json()["items"]
    client.post(f"tasks/{overdue[0]['id']}/complete", json={"note": "已办结"}, headers=lht)
    again = client.get("stats/annual", params=params, headers=lht).json()
    # Fulfilled today, not in 2017: the 2017 count stays; the task is done now.
    assert again["wishes"]["fulfilled"] == 110
    assert (
        again["meetings"]["tasks_overdue"] == 1
        and again["meetings"]["tasks_done"] == stats["meetings"]["tasks_done"] + 1
    )
    concern = client.get("concerns", params={"status": "escalated"}, headers=lht).json()["items"][0]
    client.post(f"concerns/{concern['id']}/resolve", json={"note": "区住建局已疏通"}, headers=lht)
    assert (
        client.get("stats/annual", params=params, headers=lht).json()["concerns"]["resolved"]
        == stats["concerns"]["resolved"] + 1
    )

    sheet = client.get("stats/annual", params={**params, "format": "xlsx"}, headers=lht)
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(sheet.content))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if c is not None]
    assert "老虎头社区党委 2017 年度共驻共建工作统计" in cells and "全省社会治安综合治理先进集体" in cells

    # Who may read a community's figures.
    court_admin = login(client, "court-admin", "demo-password-1")
    assert client.get("stats/annual", params=params, headers=court_admin).status_code == 200
    other = headers_for(client, Role.community_admin, make_org(OrganizationKind.community))
    assert_problem(client.get("stats/annual", params=params, headers=other), 404, "not_found")
    member = login(client, "demo-member", "demo-password-1")
    assert client.get("stats/annual", params=params, headers=member).status_code == 200


def test_stats_count_a_new_volunteer_activity(client: TestClient) -> None:
    community = make_org(OrganizationKind.community)
    lht = headers_for(client, Role.community_admin, community)
    params = {"year": 2017, "community_id": community}
    before = client.get("stats/annual", params=params, headers=lht).json()
    assert before["volunteer"] == {
        "collective_activities": 0,
        "participant_times": 0,
        "approved_hours": 0,
        "approved_records": 0,
        "activity_hours": 0,
        "neighbour_hours": 0,
    }
    body = {
        "title": "学雷锋志愿服务",
        "kind": "volunteer_service",
        "community_org_id": community,
        "starts_at": "2017-03-05T09:00:00+08:00",
        "ends_at": "2017-03-05T12:00:00+08:00",
        "guest_count": 40,
    }
    created = client.post("activities", json=body, headers=lht)
    assert created.status_code == 201, created.text
    after = client.get("stats/annual", params=params, headers=lht).json()
    assert after["volunteer"]["collective_activities"] == 1 and after["volunteer"]["participant_times"] == 40
    client.post(f"activities/{created.json()['id']}/cancel", headers=lht)
    assert client.get("stats/annual", params=params, headers=lht).json()["volunteer"]["collective_activities"] == 0
