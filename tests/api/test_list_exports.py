"""导出 beside the lists reports are made from: the list's rows (same scoping, filters, order) as xlsx."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from factories import assert_problem, headers_for, make_member, make_org
from factories.claims import make_wish
from factories.volunteering import iso, make_activity
from gongjian.models.base import utcnow
from gongjian.models.enums import OrganizationKind, Role


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_activity_export_holds_the_list_rows_of_the_caller_only(client: TestClient) -> None:
    lht, other = make_org(OrganizationKind.community), make_org(OrganizationKind.community)
    admin = headers_for(client, Role.community_admin, lht)
    other_admin = headers_for(client, Role.community_admin, other)
    make_activity(client, admin, lht, title="老虎头清洁家园")
    make_activity(client, admin, lht, title="老虎头义诊", open_it=False)
    make_activity(client, other_admin, other, title="别处的活动")
    rows = _sheet(client.get("activities/export", params={"sort": "starts_at"}, headers=admin))
    assert rows[0] == ["活动"] and rows[1][:3] == ["活动", "类型", "社区"]
    listed = client.get("activities", params={"sort": "starts_at"}, headers=admin).json()["items"]
    assert [r[0] for r in rows[2:]] == [a["title"] for a in listed] and len(listed) == 2
    assert sorted(r[7] for r in rows[2:]) == ["报名中", "筹备中"]  # the statuses' labels, not their codes
    assert "别处的活动" not in [r[0] for r in rows[2:]]
    # The filters apply as in the list.
    filtered = _sheet(client.get("activities/export", params={"status": "planned"}, headers=admin))
    assert [r[0] for r in filtered[2:]] == ["老虎头义诊"]


def test_wish_and_concern_exports_mask_names_as_the_list_does(client: TestClient) -> None:
    community = make_org(OrganizationKind.community)
    unit = make_org(OrganizationKind.unit)
    from factories import make_partnership

    make_partnership(unit, community)
    admin = headers_for(client, Role.community_admin, community)
    unit_admin = headers_for(client, Role.unit_admin, unit)
    make_wish(community, status="published", resident_name="欧阳秀兰")
    full = _sheet(client.get("wishes/export", headers=admin))
    assert full[1][2] == "居民" and [r[2] for r in full[2:]] == ["欧阳秀兰"]
    seen = client.get("wishes", headers=unit_admin).json()["items"]
    masked = _sheet(client.get("wishes/export", headers=unit_admin))
    assert [r[2] for r in masked[2:]] == [w["resident_name"] for w in seen] and "欧阳秀兰" not in str(masked)

    body = {
        "category": "infrastructure",
        "title": "小区路灯损坏",
        "reporter_kind": "resident",
        "resident_name": "欧阳秀兰",
    }
    created = client.post("concerns", json=body, headers=admin)
    assert created.status_code == 201, created.text
    rows = _sheet(client.get("concerns/export", headers=admin))
    assert rows[1][:4] == ["编号", "社区", "类别", "事项"]
    assert [(r[0], r[3], r[5]) for r in rows[2:]] == [(created.json()["id"], "小区路灯损坏", "欧阳秀兰")]
    assert rows[2][2] != "infrastructure"  # the category's label, not its code
    unit_rows = _sheet(client.get("concerns/export", headers=unit_admin))
    assert "欧阳秀兰" not in str(unit_rows)


def test_hours_summary_export_follows_the_grouping_and_refuses_members(client: TestClient) -> None:
    community = make_org(OrganizationKind.community)
    recorder = headers_for(client, Role.community_admin, community)
    approver = headers_for(client, Role.community_admin, community)
    member_id = make_member(community, name="陈立新")
    end = utcnow()
    record = client.post(
        "volunteer-records",
        json={
            "member_id": member_id,
            "content": "法律咨询",
            "started_at": iso(end.replace(microsecond=0) - _hours(3)),
            "ended_at": iso(end.replace(microsecond=0) - _hours(1)),
            "hours": 2,
        },
        headers=recorder,
    )
    assert record.status_code == 201, record.text
    assert client.post(f"volunteer-records/{record.json()['id']}/approve", json={}, headers=approver).status_code == 200
    rows = _sheet(client.get("volunteer-hours/summary/export", headers=approver))
    listed = client.get("volunteer-hours/summary", headers=approver).json()["items"]
    assert rows[1] == ["党员", "时长（小时）", "记录数", "星级"]
    assert [(r[0], r[1], r[2]) for r in rows[2:]] == [(x["name"], x["hours"], x["record_count"]) for x in listed]
    assert ("陈立新", 2, 1) in [(r[0], r[1], r[2]) for r in rows[2:]]
    by_org = _sheet(client.get("volunteer-hours/summary/export", params={"group_by": "community"}, headers=approver))
    assert by_org[1] == ["社区", "时长（小时）", "记录数"]
    assert_problem(
        client.get("volunteer-hours/summary/export", params={"group_by": "x"}, headers=approver),
        422,
        "validation_error",
    )
    assert client.get("volunteer-hours/summary/export").status_code == 401


def _hours(n: int) -> Any:
    from datetime import timedelta

    return timedelta(hours=n)
