"""党员在社区表现记录: written by the member's community, read by the member, its unit and the community."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import assert_problem, headers_for
from factories.members import make_world, role_headers
from gongjian.models.enums import Role

RECORD = {"occurred_on": "2017-08-01", "kind": "participation", "description": "参加社区“清洁家园”志愿服务"}


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("admin", 200, 201),
        ("community_admin", 200, 201),
        ("unit_admin", 200, 403),
        ("self", 200, 403),
        ("other_unit_admin", 404, 404),
        ("other_community_admin", 404, 404),
        ("unlinked_member", 404, 404),
    ],
)
def test_who_reads_and_writes_community_records(client: TestClient, who: str, read: int, write: int) -> None:
    world = make_world()
    url = f"members/{world.member}/community-records"
    existing = client.post(url, json=RECORD, headers=role_headers(client, world, "community_admin")).json()
    caller = role_headers(client, world, who)
    listed = client.get(url, headers=caller)
    assert listed.status_code == read
    if read == 200:
        assert listed.json()["items"] == [existing] and listed.json()["total"] == 1
        assert client.get(f"{url}/{existing['id']}", headers=caller).json() == existing
    else:
        assert_problem(listed, 404, "not_found")
        assert_problem(client.get(f"{url}/{existing['id']}", headers=caller), 404, "not_found")
    written = client.post(url, json={**RECORD, "kind": "commendation"}, headers=caller)
    assert written.status_code == write
    if write == 201:
        assert written.json()["kind"] == "commendation" and written.json()["community_org_id"] == world.community
        assert written.headers["Location"] == f"/api/v1/{url}/{written.json()['id']}"
    else:
        assert_problem(written, write, "forbidden" if write == 403 else "not_found")


def test_record_content_filters_and_rules(client: TestClient) -> None:
    world = make_world()
    community_admin = headers_for(client, Role.community_admin, world.community)
    url = f"members/{world.member}/community-records"
    first = client.post(url, json=RECORD, headers=community_admin).json()
    assert first["recorded_by"] == "测试用户" and first["member_id"] == world.member
    client.post(
        url,
        json={**RECORD, "occurred_on": "2017-09-01", "kind": "criticism", "description": "缺席两次"},
        headers=community_admin,
    )
    assert [r["kind"] for r in client.get(url, headers=community_admin).json()["items"]] == [
        "criticism",
        "participation",
    ]
    assert [r["kind"] for r in client.get(f"{url}?sort=occurred_on", headers=community_admin).json()["items"]] == [
        "participation",
        "criticism",
    ]
    assert client.get(f"{url}?kind=criticism", headers=community_admin).json()["total"] == 1
    assert_problem(
        client.post(url, json={**RECORD, "kind": "gossip"}, headers=community_admin), 422, "validation_error"
    )
    assert_problem(
        client.post(url, json={**RECORD, "description": ""}, headers=community_admin), 422, "validation_error"
    )
    future = {**RECORD, "occurred_on": "2999-01-01"}
    assert_problem(client.post(url, json=future, headers=community_admin), 422, "date_in_future")
    client.post(f"members/{world.member}/archive", headers=headers_for(client, Role.admin))
    assert_problem(client.post(url, json=RECORD, headers=community_admin), 409, "member_archived")
    assert client.get(url, headers=community_admin).json()["total"] == 2
