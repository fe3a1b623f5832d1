"""Accounts: who may create, see and manage which accounts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from factories import PASSWORD, assert_problem, headers_for, login, make_org, make_user, username_of
from gongjian.models.enums import Role


def test_admin_creates_users_of_every_role_with_generated_password(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    community, court = make_org("community"), make_org("unit")
    cases = [
        ("district-op", "admin", None),
        ("lht-admin", "community_admin", community),
        ("court-admin", "unit_admin", court),
        ("dang-yuan", "member", court),
    ]
    for username, role, org in cases:
        response = client.post(
            "users",
            json={"username": username, "display_name": "某某", "role": role, "organization_id": org},
            headers=admin,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["role"] == role and body["organization_id"] == org and body["is_active"] is True
        assert "password_hash" not in body
        assert response.headers["Location"] == f"/api/v1/users/{body['id']}"
        # The generated password is shown once, and it works.
        assert len(body["generated_password"]) >= 12
        login(client, username, body["generated_password"])
        assert "generated_password" not in client.get(f"users/{body['id']}", headers=admin).json()


@pytest.mark.parametrize(
    ("role", "org_kind", "code"),
    [
        ("community_admin", "unit", "wrong_organization_kind"),
        ("unit_admin", "community", "wrong_organization_kind"),
        ("member", None, "organization_required"),
        ("admin", "community", "admin_has_no_organization"),
    ],
)
def test_role_and_organization_kind_must_fit(client: TestClient, role: str, org_kind: str | None, code: str) -> None:
    admin = headers_for(client, Role.admin)
    org = make_org(org_kind) if org_kind else None
    response = client.post(
        "users",
        json={"username": "someone", "display_name": "某", "role": role, "organization_id": org},
        headers=admin,
    )
    assert assert_problem(response, 422, code)["errors"][0]["field"] == "body.organization_id"


def test_username_unique_and_well_formed(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    make_user(Role.admin, username="taken")
    assert_problem(
        client.post("users", json={"username": "taken", "display_name": "x", "role": "admin"}, headers=admin),
        409,
        "username_taken",
    )
    assert_problem(
        client.post("users", json={"username": "有 空格", "display_name": "x", "role": "admin"}, headers=admin),
        422,
        "validation_error",
    )


def test_org_admin_manages_member_accounts_of_its_own_organization_only(client: TestClient) -> None:
    community, other = make_org("community"), make_org("community")
    caller = headers_for(client, Role.community_admin, community)
    created = client.post(
        "users",
        json={"username": "resident-member", "display_name": "李党员", "password": PASSWORD},
        headers=caller,
    )
    assert created.status_code == 201
    member = created.json()
    assert member["role"] == "member" and member["organization_id"] == community
    assert member["generated_password"] is None
    # Other roles, other organisations: refused.
    assert_problem(
        client.post(
            "users",
            json={"username": "x-admin", "display_name": "x", "role": "community_admin"},
            headers=caller,
        ),
        403,
        "forbidden",
    )
    assert_problem(
        client.post("users", json={"username": "x-mem", "display_name": "x", "organization_id": other}, headers=caller),
        403,
        "forbidden",
    )
    # Sees its own members and itself, nobody else.
    peer_admin = make_user(Role.community_admin, community)
    stranger = make_user(Role.member, other)
    visible = {u["id"] for u in client.get("users", headers=caller).json()["items"]}
    assert member["id"] in visible and peer_admin not in visible and stranger not in visible
    assert_problem(client.get(f"users/{stranger}", headers=caller), 404, "not_found")
    assert_problem(client.post(f"users/{stranger}/deactivate", headers=caller), 404, "not_found")
    # Manages its member: rename, reset password, deactivate, activate.
    assert (
        client.patch(f"users/{member['id']}", json={"display_name": "李某"}, headers=caller).json()["display_name"]
        == "李某"
    )
    assert_problem(client.patch(f"users/{member['id']}", json={"role": "admin"}, headers=caller), 403, "forbidden")
    reset = client.post(f"users/{member['id']}/reset-password", headers=caller).json()
    login(client, "resident-member", reset["generated_password"])
    assert client.post(f"users/{member['id']}/deactivate", headers=caller).json()["is_active"] is False
    assert_problem(client.post(f"users/{member['id']}/deactivate", headers=caller), 409, "already_inactive")
    assert client.post(f"users/{member['id']}/activate", headers=caller).json()["is_active"] is True


def test_member_sees_only_itself_and_manages_nobody(client: TestClient) -> None:
    org = make_org("community")
    me = make_user(Role.member, org)
    peer = make_user(Role.member, org)
    caller = login(client, username_of(me))
    assert [u["id"] for u in client.get("users", headers=caller).json()["items"]] == [me]
    assert_problem(client.get(f"users/{peer}", headers=caller), 404, "not_found")
    assert_problem(
        client.post("users", json={"username": "newbie", "display_name": "x"}, headers=caller),
        403,
        "forbidden",
    )
    assert_problem(client.patch(f"users/{me}", json={"display_name": "x"}, headers=caller), 403, "forbidden")


def test_admin_cannot_lock_itself_out(client: TestClient) -> None:
    admin_id = make_user(Role.admin)
    admin = login(client, username_of(admin_id))
    assert_problem(client.post(f"users/{admin_id}/deactivate", headers=admin), 409, "cannot_deactivate_self")
    assert_problem(client.post(f"users/{admin_id}/reset-password", headers=admin), 409, "cannot_reset_own_password")
    assert_problem(
        client.patch(f"users/{admin_id}", json={"role": "member"}, headers=admin),
        409,
        "cannot_change_own_role",
    )
    assert client.get("me", headers=admin).status_code == 200


def test_role_change_revokes_old_tokens(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    org = make_org("community")
    user_id = make_user(Role.member, org)
    old = login(client, username_of(user_id))
    promoted = client.patch(f"users/{user_id}", json={"role": "community_admin"}, headers=admin)
    assert promoted.json()["role"] == "community_admin"
    assert_problem(client.get("me", headers=old), 401, "unauthorized")
    assert login(client, username_of(user_id))


def test_list_filters(client: TestClient) -> None:
    admin = headers_for(client, Role.admin)
    org = make_org("unit")
    make_user(Role.unit_admin, org, username="zhang-admin")
    inactive = make_user(Role.member, org, username="wang-member")
    client.post(f"users/{inactive}/deactivate", headers=admin)
    assert [
        u["username"] for u in client.get(f"users?organization_id={org}&sort=username", headers=admin).json()["items"]
    ] == [
        "wang-member",
        "zhang-admin",
    ]
    assert [u["username"] for u in client.get("users?is_active=false", headers=admin).json()["items"]] == [
        "wang-member"
    ]
    assert [u["username"] for u in client.get("users?role=unit_admin", headers=admin).json()["items"]] == [
        "zhang-admin"
    ]
    assert [u["username"] for u in client.get("users?q=zhang", headers=admin).json()["items"]] == ["zhang-admin"]
