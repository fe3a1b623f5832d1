"""A rule a body breaks names the field to fix (`errors[].field`), also when it spans several
fields, so a form marks the input rather than the whole request."""

from __future__ import annotations

from fastapi.testclient import TestClient

from factories import assert_problem, headers_for, make_org
from gongjian.models.enums import OrganizationKind, Role


def test_cross_field_rules_name_their_field(client: TestClient) -> None:
    community = make_org(OrganizationKind.community)
    lht = headers_for(client, Role.community_admin, community)
    honour = {"title": "卫生社区", "awarding_body": "区委", "awarded_on": "2017-10-30", "level": "city"}
    wrong = client.post("honors", json={**honour, "recipient_kind": "community"}, headers=lht)
    assert_problem(wrong, 422, "validation_error")
    assert wrong.json()["errors"] == [
        {"field": "body.recipient_org_id", "message": "获奖社区或党组织时须填写且只在此时填写获奖组织"}
    ]
    admin = headers_for(client, Role.admin)
    period = {
        "name": "2017 年度",
        "start_date": "2017-12-31",
        "end_date": "2017-01-01",
        "thresholds": {"excellent": 80, "qualified": 90, "basically_qualified": 60},
    }
    both = client.post("evaluation-periods", json=period, headers=admin)
    assert_problem(both, 422, "validation_error")
    fields = {e["field"]: e["message"] for e in both.json()["errors"]}
    # A nested model's rule lands under its own path; messages carry no braces or English prefix.
    assert fields == {"body.thresholds.qualified": "分数线须满足 优秀 > 合格 > 基本合格"}
    period["thresholds"] = {"excellent": 90, "qualified": 70, "basically_qualified": 60}
    dates = client.post("evaluation-periods", json=period, headers=admin)
    assert dates.json()["errors"] == [{"field": "body.end_date", "message": "结束日期不能早于开始日期"}]
