"""Attachments are readable exactly by those who can read their owner, on each kind of owner.

Each role around one member (its community's admin, its unit's admin, the member itself,
outsiders, API keys with and without `uploads:read`) reads a photo attached to a wish, a concern,
an activity and a community record when it can read that owner, and gets 404 — the list and the
photo alike — when it can't. Attaching follows who may change the owner.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from factories import api_key_headers, assert_problem, headers_for, make_org
from factories.claims import make_wish
from factories.images import encoded, upload
from factories.members import World, make_world, role_headers
from factories.volunteering import make_activity
from gongjian.db import unit_of_work
from gongjian.models import Upload
from gongjian.models.base import utcnow
from gongjian.models.enums import OrganizationKind, Role
from gongjian.uploads.service import purge_unattached

ROLES = (
    "admin",
    "community_admin",
    "unit_admin",
    "self",
    "other_unit_admin",
    "other_community_admin",
    "unlinked_member",
)


def _owner(client: TestClient, world: World, kind: str, headers: dict[str, str]) -> int:
    if kind == "wish":
        return make_wish(world.community)  # submitted: seen by its community only
    if kind == "concern":
        body = {"category": "infrastructure", "title": "小区路灯损坏"}
        return int(client.post("concerns", json=body, headers=headers).json()["id"])
    if kind == "activity":
        return int(make_activity(client, headers, world.community)["id"])
    record = {"occurred_on": "2017-08-01", "kind": "participation", "description": "参加志愿服务"}
    return int(client.post(f"members/{world.member}/community-records", json=record, headers=headers).json()["id"])


def _attached(client: TestClient, headers: dict[str, str], kind: str, owner_id: int, **body: Any) -> dict[str, Any]:
    upload_id = upload(client, headers, encoded("JPEG")).json()["id"]
    response = client.post(
        "attachments", json={"owner_kind": kind, "owner_id": owner_id, "upload_id": upload_id, **body}, headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


READERS = {
    "wish": {"admin", "community_admin", "community_key"},
    "concern": {"admin", "community_admin", "unit_admin", "community_key"},
    "activity": {"admin", "community_admin", "unit_admin", "self", "community_key"},
    "community_record": {"admin", "community_admin", "unit_admin", "self", "community_key"},
}


@pytest.mark.parametrize("kind", list(READERS))
def test_an_attachment_is_read_by_its_owners_readers_only(client: TestClient, kind: str) -> None:
    world = make_world()
    lht = role_headers(client, world, "community_admin")
    owner_id = _owner(client, world, kind, lht)
    attachment = _attached(client, lht, kind, owner_id)
    upload_id = attachment["upload"]["id"]
    assert attachment["owner_kind"] == kind and attachment["owner_id"] == owner_id
    assert attachment["purpose"] == {"wish": "fulfilment", "concern": "problem"}.get(kind, "photo")
    assert attachment["upload"]["attached"] is True and attachment["created_by_name"] == "测试用户"
    admin = headers_for(client, Role.admin)
    callers = {who: role_headers(client, world, who) for who in ROLES}
    callers["community_key"] = api_key_headers(client, admin, ["uploads:read"], world.community)
    listing = {"owner_kind": kind, "owner_id": owner_id}
    for who, headers in callers.items():
        listed = client.get("attachments", params=listing, headers=headers)
        content = client.get(f"uploads/{upload_id}/content", headers=headers)
        thumbnail = client.get(f"uploads/{upload_id}/thumbnail", headers=headers)
        if who in READERS[kind]:
            assert listed.status_code == 200, (who, listed.text)
            assert listed.json() == {"items": [attachment], "total": 1, "page": 1, "page_size": 20}, who
            assert content.status_code == thumbnail.status_code == 200, who
            assert content.headers["content-type"] == "image/jpeg"
        else:
            assert_problem(listed, 404, "not_found")
            assert_problem(content, 404, "not_found")
            assert_problem(thumbnail, 404, "not_found")
    # A key without the scope is refused before anything is looked up.
    unscoped = api_key_headers(client, admin, ["wishes:read", "concerns:read"], world.community)
    assert_problem(client.get("attachments", params=listing, headers=unscoped), 403, "insufficient_scope")
    assert_problem(client.get(f"uploads/{upload_id}/content", headers=unscoped), 403, "insufficient_scope")
    assert_problem(client.get("attachments", params=listing), 401, "unauthorized")
    # Who can't change the owner can't attach to it (a reader that may not: 403; a stranger: 422).
    stranger = callers["other_community_admin"]
    mine = upload(client, stranger, encoded("PNG")).json()["id"]
    body = {"owner_kind": kind, "owner_id": owner_id, "upload_id": mine}
    assert_problem(client.post("attachments", json=body, headers=stranger), 422, "owner_not_found")
    if kind != "wish":
        unit_admin = callers["unit_admin"]
        theirs = upload(client, unit_admin, encoded("PNG")).json()["id"]
        body = {"owner_kind": kind, "owner_id": owner_id, "upload_id": theirs}
        assert_problem(client.post("attachments", json=body, headers=unit_admin), 403, "forbidden")


def test_a_wish_claimant_attaches_fulfilment_photos(client: TestClient) -> None:
    world = make_world()
    lht = role_headers(client, world, "community_admin")
    member = role_headers(client, world, "self")
    wish_id = make_wish(world.community, status="published")
    claimed = client.post(f"wishes/{wish_id}/claim", json={}, headers=member)
    assert claimed.status_code == 200, claimed.text
    attachment = _attached(client, member, "wish", wish_id, purpose="fulfilment")
    assert attachment["purpose"] == "fulfilment"
    # A photo of the wish itself is the community's to add.
    photo = upload(client, member, encoded("JPEG")).json()["id"]
    body = {"owner_kind": "wish", "owner_id": wish_id, "upload_id": photo, "purpose": "photo"}
    assert_problem(client.post("attachments", json=body, headers=member), 403, "forbidden")
    # A published wish is public: any signed-in reader sees its photos.
    outsider = role_headers(client, world, "other_community_admin")
    assert client.get(f"uploads/{attachment['upload']['id']}/content", headers=outsider).status_code == 200
    assert (
        client.get("attachments", params={"owner_kind": "wish", "owner_id": wish_id}, headers=lht).json()["total"] == 1
    )


def test_a_concerns_reporter_adds_the_problem_and_its_handler_the_resolution(client: TestClient) -> None:
    world = make_world()
    lht = role_headers(client, world, "community_admin")
    member = role_headers(client, world, "self")
    concern = client.post("concerns", json={"category": "infrastructure", "title": "小区路灯损坏"}, headers=member)
    concern_id = concern.json()["id"]
    problem = _attached(client, member, "concern", concern_id)
    assert problem["purpose"] == "problem"
    resolution = upload(client, member, encoded("JPEG")).json()["id"]
    body = {"owner_kind": "concern", "owner_id": concern_id, "upload_id": resolution, "purpose": "resolution"}
    assert_problem(client.post("attachments", json=body, headers=member), 403, "forbidden")
    assert _attached(client, lht, "concern", concern_id, purpose="resolution")["purpose"] == "resolution"
    listed = client.get(
        "attachments", params={"owner_kind": "concern", "owner_id": concern_id, "purpose": "resolution"}, headers=member
    ).json()
    assert [item["purpose"] for item in listed["items"]] == ["resolution"]
    # Another member of the same community does not see the concern, nor its photos.
    other = headers_for(client, Role.member, world.community)
    assert_problem(client.get(f"uploads/{problem['upload']['id']}/content", headers=other), 404, "not_found")


def test_attaching_rules_detaching_and_purging(client: TestClient) -> None:
    world = make_world()
    lht = role_headers(client, world, "community_admin")
    wish_id = make_wish(world.community)
    other_upload = upload(client, headers_for(client, Role.community_admin, world.community), encoded("JPEG")).json()
    body = {"owner_kind": "wish", "owner_id": wish_id, "upload_id": other_upload["id"]}
    # Someone else's upload is answered as a missing one.
    assert_problem(client.post("attachments", json=body, headers=lht), 422, "upload_not_found")
    mine = upload(client, lht, encoded("JPEG")).json()["id"]
    body["upload_id"] = mine
    assert_problem(
        client.post("attachments", json={**body, "purpose": "resolution"}, headers=lht), 422, "purpose_invalid"
    )
    assert_problem(client.post("attachments", json={**body, "owner_id": 2**31}, headers=lht), 422, "validation_error")
    first = client.post("attachments", json=body, headers=lht)
    assert first.status_code == 201
    other_wish = make_wish(world.community)
    assert_problem(
        client.post("attachments", json={**body, "owner_id": other_wish}, headers=lht), 409, "upload_attached"
    )
    # Detaching: only who may attach; then the photo is its uploader's alone again.
    attachment_id = first.json()["id"]
    assert_problem(
        client.delete(f"attachments/{attachment_id}", headers=role_headers(client, world, "unit_admin")),
        404,
        "not_found",
    )
    assert client.delete(f"attachments/{attachment_id}", headers=lht).status_code == 204
    assert (
        client.get("attachments", params={"owner_kind": "wish", "owner_id": wish_id}, headers=lht).json()["total"] == 0
    )
    assert client.get(f"uploads/{mine}/content", headers=lht).status_code == 200
    # Uploads left unattached for over a day are purged with their stored files; attached ones stay.
    kept = _attached(client, lht, "wish", wish_id)["upload"]["id"]
    with unit_of_work() as session:
        session.execute(update(Upload).values(created_at=utcnow() - timedelta(days=2)))
    assert purge_unattached() == 2
    assert_problem(client.get(f"uploads/{mine}/content", headers=lht), 404, "not_found")
    assert client.get(f"uploads/{kept}/content", headers=lht).status_code == 200


def test_api_keys_need_uploads_write(client: TestClient) -> None:
    community = make_org(OrganizationKind.community)
    admin = headers_for(client, Role.admin)
    writer = api_key_headers(client, admin, ["uploads:write", "uploads:read"], community)
    reader = api_key_headers(client, admin, ["uploads:read"], community)
    assert_problem(upload(client, reader, encoded("JPEG")), 403, "insufficient_scope")
    created = upload(client, writer, encoded("JPEG"))
    assert created.status_code == 201 and created.json()["created_by_name"] == "测试密钥"
    wish_id = make_wish(community)
    body = {"owner_kind": "wish", "owner_id": wish_id, "upload_id": created.json()["id"]}
    assert_problem(client.post("attachments", json=body, headers=reader), 403, "insufficient_scope")
    assert client.post("attachments", json=body, headers=writer).status_code == 201
    assert client.get(f"uploads/{created.json()['id']}/content", headers=reader).status_code == 200
