"""The organisation tree (issue 17): a district above streets above communities; units and social
organisations under a street or the district. Parents must be of the right kind; district and
street admins manage the organisations and admin accounts under theirs, and nothing else."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from factories.orgs import make_org
from factories.problems import assert_problem, ok
from factories.users import PASSWORD, headers_for, make_user
from gongjian.models.enums import OrganizationKind, Role


def made(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return dict(response.json())


def _org(kind: str, code: str, parent_id: int | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": f"{code}党组织", "kind": kind, "code": code, "parent_id": parent_id, **extra}


def test_parents_must_be_of_the_right_kind(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    district = made(client.post("organizations", json=_org("district", "D1"), headers=admin))
    assert district["parent_id"] is None
    street = made(client.post("organizations", json=_org("street", "S1", district["id"]), headers=admin))
    assert street["parent_id"] == district["id"]
    community = made(client.post("organizations", json=_org("community", "C1", street["id"]), headers=admin))
    for parent in (street["id"], district["id"]):
        unit = made(client.post("organizations", json=_org("unit", f"U{parent}", parent), headers=admin))
        assert unit["parent_id"] == parent
    wrong = [
        ("community", district["id"]),  # a community's parent is a street
        ("street", street["id"]),
        ("district", district["id"]),  # a district has no parent
        ("unit", community["id"]),
        ("social", community["id"]),
    ]
    for n, (kind, parent) in enumerate(wrong):
        problem = assert_problem(
            client.post("organizations", json=_org(kind, f"W{n}", parent), headers=admin),
            422,
            "organization_parent_invalid",
        )
        assert problem["errors"][0]["field"] == "body.parent_id"
    assert_problem(
        client.post("organizations", json=_org("community", "C9", 999_999), headers=admin),
        422,
        "organization_not_found",
    )
    # Changing the parent (or the kind) is checked the same way; a community is never its own parent.
    patch = client.patch(f"organizations/{community['id']}", json={"parent_id": district["id"]}, headers=admin)
    assert_problem(patch, 422, "organization_parent_invalid")
    patch = client.patch(f"organizations/{street['id']}", json={"parent_id": street["id"]}, headers=admin)
    assert_problem(patch, 422, "organization_parent_invalid")
    assert_problem(
        client.patch(f"organizations/{community['id']}", json={"kind": "street"}, headers=admin),
        422,
        "organization_parent_invalid",
    )
    # Existing organisations keep working without a parent; a parent can be removed.
    detached = ok(client.patch(f"organizations/{community['id']}", json={"parent_id": None}, headers=admin))
    assert detached["parent_id"] is None
    # The list filters by parent.
    children = client.get("organizations", params={"parent_id": district["id"]}, headers=admin).json()["items"]
    assert {o["kind"] for o in children} == {"street", "unit"}


def test_area_admins_manage_organisations_under_theirs(client: TestClient) -> None:
    district = make_org(OrganizationKind.district)
    street = make_org(OrganizationKind.street, parent_id=district)
    other_street = make_org(OrganizationKind.street, parent_id=district)
    community = make_org(OrganizationKind.community, parent_id=street)
    beside = make_org(OrganizationKind.community, parent_id=other_street)
    street_admin = headers_for(client, Role.street_admin, street)
    district_admin = headers_for(client, Role.district_admin, district)

    created = made(client.post("organizations", json=_org("community", "NEW1", street), headers=street_admin))
    assert created["parent_id"] == street
    unit = made(client.post("organizations", json=_org("unit", "NEWU", street), headers=street_admin))
    # Beside or above: answered like a parent that doesn't exist.
    for parent in (other_street, district, None):
        response = client.post("organizations", json=_org("community", f"X{parent}", parent), headers=street_admin)
        assert_problem(response, 422, "organization_not_found")
    # A district's admin opens streets; a street's admin can't (its parent would be the district, above it).
    made(client.post("organizations", json=_org("street", "NEWS", district), headers=district_admin))
    assert_problem(
        client.post("organizations", json=_org("street", "NEWS2", district), headers=street_admin),
        422,
        "organization_not_found",
    )
    # Edits under, 404 beside, 403 on its own organisation (the platform admin's).
    renamed = client.patch(f"organizations/{community}", json={"address": "江边路 1 号"}, headers=street_admin)
    assert ok(renamed)["address"] == "江边路 1 号"
    assert_problem(
        client.patch(f"organizations/{beside}", json={"address": "x"}, headers=street_admin), 404, "not_found"
    )
    assert client.patch(f"organizations/{street}", json={"address": "x"}, headers=street_admin).status_code == 403
    # Moving a unit between its streets: the district's admin may, to a parent under it.
    moved = client.patch(f"organizations/{unit['id']}", json={"parent_id": other_street}, headers=district_admin)
    assert ok(moved)["parent_id"] == other_street
    # The community's own admin may not re-parent its community.
    community_admin = headers_for(client, Role.community_admin, community)
    response = client.patch(f"organizations/{community}", json={"parent_id": other_street}, headers=community_admin)
    assert_problem(response, 403, "forbidden")
    # Kind and code stay the platform admin's.
    assert client.patch(f"organizations/{community}", json={"code": "ZZ9"}, headers=street_admin).status_code == 403


def test_area_admins_manage_admin_accounts_under_theirs(client: TestClient) -> None:
    district = make_org(OrganizationKind.district)
    street = make_org(OrganizationKind.street, parent_id=district)
    other_street = make_org(OrganizationKind.street, parent_id=district)
    community = make_org(OrganizationKind.community, parent_id=street)
    beside = make_org(OrganizationKind.community, parent_id=other_street)
    street_admin = headers_for(client, Role.street_admin, street)
    district_admin = headers_for(client, Role.district_admin, district)

    def account(role: str, org: int, name: str) -> dict[str, Any]:
        return {"username": name, "display_name": "管理员", "role": role, "organization_id": org, "password": PASSWORD}

    new_admin = made(client.post("users", json=account("community_admin", community, "c-admin"), headers=street_admin))
    assert new_admin["role"] == "community_admin"
    made_id = new_admin["id"]
    response = client.post("users", json=account("community_admin", beside, "b-admin"), headers=street_admin)
    assert_problem(response, 422, "organization_not_found")
    response = client.post("users", json=account("street_admin", street, "s2-admin"), headers=street_admin)
    assert_problem(response, 422, "organization_not_found")  # its own street is not under it
    response = client.post("users", json=account("admin", community, "p-admin"), headers=street_admin)
    assert response.status_code == 403
    # A district's admin makes street admins; the role's organisation kind is still checked.
    made(client.post("users", json=account("street_admin", other_street, "s-admin"), headers=district_admin))
    response = client.post("users", json=account("street_admin", community, "s3-admin"), headers=district_admin)
    assert_problem(response, 422, "wrong_organization_kind")

    listed = {u["username"] for u in client.get("users", headers=street_admin).json()["items"]}
    assert "c-admin" in listed and "s-admin" not in listed
    beside_admin = make_user(Role.community_admin, beside)
    assert_problem(client.get(f"users/{beside_admin}", headers=street_admin), 404, "not_found")
    assert client.get(f"users/{beside_admin}", headers=district_admin).status_code == 200
    # Deactivating an admin under it; not a fellow admin of its own street.
    assert ok(client.post(f"users/{made_id}/deactivate", headers=street_admin))["is_active"] is False
    fellow = make_user(Role.street_admin, street)
    assert_problem(client.get(f"users/{fellow}", headers=street_admin), 404, "not_found")


def test_api_keys_of_a_street_act_as_its_admin(client: TestClient) -> None:
    district = make_org(OrganizationKind.district)
    street = make_org(OrganizationKind.street, parent_id=district)
    community = make_org(OrganizationKind.community, parent_id=street)
    admin = headers_for(client, Role.admin)
    key = client.post(
        "api-keys",
        json={"name": "街道对接", "scopes": ["organizations:read"], "organization_id": street},
        headers=admin,
    )
    assert key.status_code == 201, key.text
    headers = {"X-API-Key": key.json()["key"]}
    listed = {o["id"] for o in client.get("organizations", headers=headers).json()["items"]}
    assert listed == {street, community}
    assert_problem(client.get(f"organizations/{district}", headers=headers), 404, "not_found")
