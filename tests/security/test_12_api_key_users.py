"""Finding 12: an API key taken for the user with the same id.

The attack: an organisation-limited API key with `users:read` read the platform admin's account,
because the users rule let "the caller itself" see its own account by comparing the caller's id
with the account's id — and API key ids and user ids are counted separately, so key 3 "was" user 3.

The safe answer: only a signed-in user is ever "this user". The key sees its organisation's member
accounts and nothing else (404 for the admin, who is not in its list); and a platform-wide key
deactivating the account that shares its id is not refused as "deactivating itself".
"""

from __future__ import annotations

import httpx

from factories import assert_problem, login, make_org, make_user, username_of
from gongjian.models.enums import Role


def _key_with_the_id_of_a_user(
    http: httpx.Client, admin: dict[str, str], scopes: list[str], org: int | None, role: Role, user_org: int | None
) -> tuple[dict[str, str], int]:
    """An API key (of `org`), and a user of `role` (in `user_org`) whose id is the key's id: the two
    id sequences are walked forward until they meet."""
    user = make_user(role, user_org)
    while True:
        body = {"name": "集成", "scopes": scopes, **({"organization_id": org} if org else {})}
        created = http.post("api-keys", json=body, headers=admin)
        assert created.status_code == 201, created.text
        key_id = created.json()["id"]
        while user < key_id:
            user = make_user(role, user_org)
        if user == key_id:
            return {"X-API-Key": created.json()["key"]}, user


def test_an_org_key_cannot_read_the_account_that_shares_its_id(http: httpx.Client) -> None:
    admin = login(http, username_of(make_user(Role.admin)))
    community = make_org("community")
    key, platform_admin_id = _key_with_the_id_of_a_user(http, admin, ["users:read"], community, Role.admin, None)
    own_member = make_user(Role.member, community)

    assert_problem(http.get(f"users/{platform_admin_id}", headers=key), 404, "not_found")
    listed = http.get("users", params={"page_size": 100}, headers=key)
    assert listed.status_code == 200, listed.text
    assert [u["id"] for u in listed.json()["items"]] == [own_member]


def test_a_platform_key_is_not_the_user_that_shares_its_id(http: httpx.Client) -> None:
    admin = login(http, username_of(make_user(Role.admin)))
    scopes = ["users:read", "users:write"]
    key, user_id = _key_with_the_id_of_a_user(http, admin, scopes, None, Role.member, make_org("community"))

    deactivated = http.post(f"users/{user_id}/deactivate", headers=key)
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["is_active"] is False
