"""Honours: recipients of each kind, validation, who may record them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from factories import api_key_headers, assert_problem, headers_for, make_org, make_partnership
from gongjian.models.enums import OrganizationKind, Role


def test_honours_for_a_community_a_team_and_an_organisation(client: TestClient) -> None:
    community = make_org(OrganizationKind.community)
    unit = make_org(OrganizationKind.unit)
    other = make_org(OrganizationKind.unit)
    make_partnership(unit, community)
    lht = headers_for(client, Role.community_admin, community)
    unit_admin = headers_for(client, Role.unit_admin, unit)
    base = {"title": "黄石市“卫生社区”", "awarding_body": "黄石市爱卫会", "awarded_on": "2017-10-30", "level": "city"}
    first = client.post(
        "honors", json={**base, "recipient_kind": "community", "recipient_org_id": community}, headers=lht
    )
    assert first.status_code == 201, first.text
    assert first.json()["community_org_id"] == community and first.json()["level"] == "city"
    team = {**base, "recipient_kind": "team", "team_name": "社区舞蹈队", "community_org_id": community}
    assert client.post("honors", json=team, headers=lht).json()["recipient_name"] == "社区舞蹈队"
    # The recipient must match its kind.
    wrong = client.post("honors", json={**base, "recipient_kind": "community", "recipient_org_id": unit}, headers=lht)
    assert_problem(wrong, 422, "wrong_organization_kind")
    assert client.post("honors", json={**base, "recipient_kind": "team"}, headers=lht).status_code == 422
    # A unit records its own honour; not another organisation's.
    own = {**base, "recipient_kind": "organization", "recipient_org_id": unit, "community_org_id": community}
    assert client.post("honors", json=own, headers=unit_admin).status_code == 201
    stranger = headers_for(client, Role.unit_admin, other)
    assert_problem(client.post("honors", json=own, headers=stranger), 403, "forbidden")
    listed = client.get("honors", params={"community_org_id": community, "year": 2017}, headers=stranger).json()
    assert listed["total"] == 3
    assert client.get("honors", params={"year": 2018}, headers=lht).json()["total"] == 0
    # Each honour says who may correct or delete it: the community it counts for and the organisation
    # it honours (and a platform admin); anyone else reads it only.
    by_name = {
        who: {h["recipient_name"]: h["allowed_actions"] for h in client.get("honors", headers=headers).json()["items"]}
        for who, headers in (("lht", lht), ("unit", unit_admin), ("stranger", stranger))
    }
    assert all(v == ["edit", "delete"] for v in by_name["lht"].values()) and len(by_name["lht"]) == 3
    assert sorted(v == ["edit", "delete"] for v in by_name["unit"].values()) == [False, False, True]
    assert all(v == [] for v in by_name["stranger"].values())
    honour_id = first.json()["id"]
    assert_problem(client.patch(f"honors/{honour_id}", json={"level": "district"}, headers=stranger), 403, "forbidden")
    patched = client.patch(f"honors/{honour_id}", json={"level": "district"}, headers=lht)
    assert patched.json()["level"] == "district" and patched.json()["version"] == 2
    assert client.delete(f"honors/{honour_id}", headers=lht).status_code == 204
    assert client.get(f"honors/{honour_id}", headers=lht).status_code == 404
    reader = api_key_headers(client, headers_for(client, Role.admin), ["honors:read"])
    assert client.get("honors", headers=reader).json()["total"] == 2
    assert_problem(client.post("honors", json=team, headers=reader), 403, "insufficient_scope")
