"""The audit log as people read it: Chinese object names, 字段 / 原值 / 新值, newest first, by person, export."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from factories import (
    PASSWORD,
    assert_problem,
    headers_for,
    make_member,
    make_org,
    make_partnership,
    make_user,
    username_of,
)
from gongjian.models.enums import OrganizationKind, Role


def _me(client: TestClient, headers: dict[str, str]) -> int:
    return int(client.get("me", headers=headers).json()["id"])


def test_events_name_their_objects_and_list_each_field_in_chinese(client: TestClient) -> None:
    community = make_org(OrganizationKind.community, name="老虎头社区党委")
    unit = make_org(OrganizationKind.unit, name="黄石市中级人民法院机关党委")
    make_partnership(unit, community)
    admin = headers_for(client, Role.admin)
    lht = headers_for(client, Role.community_admin, community)
    base = {"title": "卫生社区", "awarding_body": "黄石市爱卫会", "awarded_on": "2017-10-30", "level": "city"}
    honour = client.post(
        "honors", json={**base, "recipient_kind": "community", "recipient_org_id": community}, headers=lht
    )
    honour_id = honour.json()["id"]
    client.patch(f"honors/{honour_id}", json={"level": "district", "title": "卫生社区（复评）"}, headers=lht)
    member = make_member(community, category="in_service", unit_org_id=unit, name="张红")
    client.patch(f"members/{member}", json={"category": "retired"}, headers=admin)

    events = client.get("audit-events", params={"entity": "honor", "entity_id": honour_id}, headers=admin).json()
    assert [e["action"] for e in events["items"]] == ["update", "create"]  # newest first
    update, create = events["items"]
    # Named as it is now, in Chinese, never "honor #10".
    assert update["entity_label"] == "荣誉「卫生社区（复评）」" == create["entity_label"]
    rows = {f["label"]: (f["old"], f["new"]) for f in update["fields"]}
    assert rows == {"级别": ("市级", "区级"), "荣誉名称": ("卫生社区", "卫生社区（复评）")}
    created = {f["label"]: (f["old"], f["new"]) for f in create["fields"]}
    # A creation's empty fields (no team name, no note) say nothing and are left out.
    assert all(f["new"] is not None for f in create["fields"]) and "团队名称" not in created
    # Organisations by name, enums by label, nothing as a code.
    assert created["获奖组织"] == (None, "老虎头社区党委") and created["获奖对象类型"] == (None, "社区")

    member_events = client.get("audit-events", params={"entity": "member", "entity_id": member}, headers=admin).json()
    change = member_events["items"][0]
    assert change["entity_label"] == "党员「张红」"
    assert {f["label"]: (f["old"], f["new"]) for f in change["fields"]} == {"党员类别": ("在职党员", "离退休党员")}

    # A deleted object keeps the name its events recorded.
    assert client.delete(f"honors/{honour_id}", headers=lht).status_code == 204
    gone = client.get("audit-events", params={"entity": "honor", "action": "delete"}, headers=admin).json()["items"]
    assert gone[0]["entity_label"] == "荣誉「卫生社区（复评）」"
    assert {f["label"]: f["old"] for f in gone[0]["fields"]}["级别"] == "区级"


def test_filter_by_person_and_export(client: TestClient) -> None:
    community = make_org(OrganizationKind.community, name="团城山社区党委")
    admin = headers_for(client, Role.admin)
    one = headers_for(client, Role.community_admin, community)
    two = headers_for(client, Role.community_admin, community)
    base = {"awarding_body": "区委", "awarded_on": "2017-10-30", "level": "city", "recipient_kind": "community"}
    r = client.post("honors", json={**base, "title": "甲奖项", "recipient_org_id": community}, headers=one)
    assert r.status_code == 201, r.text
    client.post("honors", json={**base, "title": "乙奖项", "recipient_org_id": community}, headers=two)
    two_id = _me(client, two)
    mine = client.get(
        "audit-events", params={"actor_type": "user", "actor_id": two_id, "entity": "honor"}, headers=admin
    )
    assert [e["entity_label"] for e in mine.json()["items"]] == ["荣誉「乙奖项」"]

    sheet = client.get("audit-events/export", params={"entity": "honor"}, headers=admin)
    assert sheet.status_code == 200, sheet.text
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(sheet.content)).worksheets[0]
    lines = [tuple(row) for row in ws.iter_rows(values_only=True)]
    assert lines[0] == ("时间", "操作者", "操作", "对象", "字段", "原值", "新值")
    titles = [line for line in lines[1:] if line[4] == "荣誉名称"]
    # Newest first: 乙 was created after 甲.
    assert [t[6] for t in titles] == ["乙奖项", "甲奖项"] and titles[0][2] == "创建"
    # The export is for platform admins, like the list.
    assert_problem(client.get("audit-events/export", headers=one), 403, "forbidden")
    bad = client.get("audit-events/export", params={"actor_id": -1}, headers=admin)
    assert_problem(bad, 422, "validation_error")


def test_entity_kinds_have_chinese_names(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    kinds = {k["code"]: k["label"] for k in client.get("audit-entities", headers=admin).json()}
    assert kinds["honor"] == "荣誉" and kinds["member"] == "党员" and kinds["evaluation"] == "考评记录"
    community = make_org(OrganizationKind.community)
    lht = headers_for(client, Role.community_admin, community)
    assert_problem(client.get("audit-entities", headers=lht), 403, "forbidden")


def test_a_logout_reads_as_words_naming_the_account(client: TestClient) -> None:
    community = make_org(OrganizationKind.community, name="花湖社区党委")
    admin = headers_for(client, Role.admin)
    user = make_user(Role.community_admin, community)
    token = client.post("auth/token", data={"username": username_of(user), "password": PASSWORD}).json()
    assert client.post("auth/logout", json={"refresh_token": token["refresh_token"]}).status_code == 204
    events = client.get("audit-events", params={"entity": "login_session", "action": "logout"}, headers=admin).json()
    fields = {f["label"]: f["new"] for f in events["items"][0]["fields"]}
    # Not "logout" and the account's number: the reason in words and the account by its name.
    assert fields["原因"] == "退出登录"
    display_name = client.get(f"users/{user}", headers=admin).json()["display_name"]
    assert fields["账号"] == display_name


def test_an_evaluation_scheme_reads_as_words_not_codes(client: TestClient) -> None:
    """Seen in the screenshots: 考评项 showed `code：reporting；name：…；max_points：30`, 否决规则 `never_reported`."""
    admin = headers_for(client, Role.admin)
    created = client.post(
        "evaluation-periods",
        json={"name": "2017年度党员双向考评", "start_date": "2017-01-01", "end_date": "2017-12-31"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    period = created.json()
    events = client.get(
        "audit-events", params={"entity": "evaluation_period", "entity_id": period["id"]}, headers=admin
    ).json()["items"]
    fields = {f["label"]: f["new"] for f in events[-1]["fields"]}
    criteria = "；".join(f"{c['name']} {c['max_points']} 分" for c in period["criteria"])
    assert fields["考评项"] == criteria and "code" not in fields["考评项"]
    assert fields["否决规则"] == "考评期内未到社区报到的，不得评为合格及以上"
