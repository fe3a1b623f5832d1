"""Finding 10: members placed across tenants.

The attack: an organisation's admin registered an in-service member whose other organisation was
one it has no partnership (共建) with — a community admin naming any unit, a unit admin naming any
community — or moved one of its members to such a community (`PATCH community_org_id`), after which
that community read the member's records and the member counted in the unit's evaluation quota.

The safe answer: placing or moving a member by an organisation's admin needs a live partnership
between the member's unit and community, as publishing an activity does: 422 `no_partnership` on
the field that names the other organisation, nothing written; the bulk import names the same code
on each such row. (A platform admin, who belongs to no tenant, still places anywhere.)
"""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from factories import assert_problem, login, make_member, make_org, make_partnership, make_user, username_of
from gongjian.members.spreadsheet import COLUMNS
from gongjian.models.enums import Role


def _admin_of(http: httpx.Client, role: Role, org: int | None = None) -> dict[str, str]:
    return login(http, username_of(make_user(role, org)))


def _member_body(unit: int | None, community: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": "注入",
        "gender": "male",
        "category": "in_service" if unit else "retired",
        "unit_org_id": unit,
        "community_org_id": community,
        **extra,
    }


def _member_count(http: httpx.Client, headers: dict[str, str]) -> int:
    response = http.get("members", headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def test_a_community_admin_cannot_place_a_member_in_a_unit_it_has_no_partnership_with(http: httpx.Client) -> None:
    community, stranger_unit, partner_unit = make_org("community"), make_org("unit"), make_org("unit")
    make_partnership(partner_unit, community)
    admin = _admin_of(http, Role.community_admin, community)
    stranger_admin = _admin_of(http, Role.unit_admin, stranger_unit)

    body = assert_problem(
        http.post("members", json=_member_body(stranger_unit, community), headers=admin), 422, "no_partnership"
    )
    assert body["errors"][0]["field"] == "body.unit_org_id"
    # Not as a retired member naming the unit either: the unit would manage it.
    retired = {**_member_body(None, community), "unit_org_id": stranger_unit}
    assert_problem(http.post("members", json=retired, headers=admin), 422, "no_partnership")
    assert _member_count(http, stranger_admin) == 0

    assert http.post("members", json=_member_body(partner_unit, community), headers=admin).status_code == 201


def test_a_unit_admin_cannot_place_a_member_in_a_community_it_has_no_partnership_with(http: httpx.Client) -> None:
    unit, stranger_community = make_org("unit"), make_org("community")
    admin = _admin_of(http, Role.unit_admin, unit)
    stranger_admin = _admin_of(http, Role.community_admin, stranger_community)

    body = assert_problem(
        http.post("members", json=_member_body(unit, stranger_community), headers=admin), 422, "no_partnership"
    )
    assert body["errors"][0]["field"] == "body.community_org_id"
    assert _member_count(http, stranger_admin) == 0


def test_a_unit_admin_cannot_move_a_member_to_a_community_it_has_no_partnership_with(http: httpx.Client) -> None:
    unit, community, stranger_community = make_org("unit"), make_org("community"), make_org("community")
    make_partnership(unit, community)
    member = make_member(community, unit_org_id=unit, phone="13812345678")
    admin = _admin_of(http, Role.unit_admin, unit)
    stranger_admin = _admin_of(http, Role.community_admin, stranger_community)

    moved = http.patch(f"members/{member}", json={"community_org_id": stranger_community}, headers=admin)
    assert_problem(moved, 422, "no_partnership")
    # The member stayed where it was: the other community can't read it or its records.
    assert http.get(f"members/{member}", headers=admin).json()["community_org"]["id"] == community
    assert_problem(http.get(f"members/{member}", headers=stranger_admin), 404, "not_found")
    assert_problem(http.get(f"members/{member}/community-records", headers=stranger_admin), 404, "not_found")


def test_the_import_names_the_same_code_on_each_row(http: httpx.Client) -> None:
    platform = _admin_of(http, Role.admin)
    community, stranger_unit, partner_unit = make_org("community"), make_org("unit"), make_org("unit")
    make_partnership(partner_unit, community)
    codes = {
        o: http.get(f"organizations/{o}", headers=platform).json()["code"]
        for o in (community, stranger_unit, partner_unit)
    }
    admin = _admin_of(http, Role.community_admin, community)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.header for column in COLUMNS])  # the import template's own header row
    writer.writerow(["甲", "男", "", "", "", "在职党员", codes[partner_unit], codes[community], "", "", ""])
    writer.writerow(["乙", "男", "", "", "", "在职党员", codes[stranger_unit], codes[community], "", "", ""])
    writer.writerow(["丙", "男", "", "", "", "在职党员", codes[stranger_unit], codes[community], "", "", ""])
    content = out.getvalue().encode("utf-8-sig")

    response = http.post("members/import", files={"file": ("members.csv", content)}, headers=admin)
    body = assert_problem(response, 422, "import_rejected")
    assert [(r["line"], r["column"], r["code"]) for r in body["rows"]] == [
        (3, "工作单位党组织", "no_partnership"),
        (4, "工作单位党组织", "no_partnership"),
    ]
    assert _member_count(http, admin) == 0


def test_a_member_injected_across_tenants_no_longer_shifts_a_units_quota(http: httpx.Client) -> None:
    platform = _admin_of(http, Role.admin)
    unit, own_community, stranger_community = make_org("unit"), make_org("community"), make_org("community")
    make_partnership(unit, own_community)
    make_member(own_community, unit_org_id=unit)
    period = http.post(
        "evaluation-periods",
        json={"name": "2017年度", "start_date": "2017-01-01", "end_date": "2017-12-31"},
        headers=platform,
    ).json()["id"]
    assert http.post(f"evaluation-periods/{period}/open", headers=platform).status_code == 200
    attacker = _admin_of(http, Role.community_admin, stranger_community)

    injected = http.post("members", json=_member_body(unit, stranger_community), headers=attacker)
    assert_problem(injected, 422, "no_partnership")
    ranking = http.get(f"evaluation-periods/{period}/ranking", params={"unit_org_id": unit}, headers=platform)
    assert ranking.status_code == 200, ranking.text
    assert ranking.json()["member_count"] == 1
