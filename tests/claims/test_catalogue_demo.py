"""Issue 17's acceptance for the catalogue, on the data `make run` loads (its own commands: migrate,
load-reference, load-demo): no organisation list, claim board or dashboard default shows a
placeholder organisation, and `GET /service-items` lists each community's own adopted items."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from fastapi.testclient import TestClient

from factories import headers_for, login
from gongjian.demo import data
from gongjian.models.enums import Role

PASSWORD = "demo-password-1"


def _gongjian(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gongjian.cli", *args],
        env={**os.environ, "GONGJIAN_DEMO_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def _all(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    body = client.get(path, params={"page_size": 100, **params}, headers=headers).json()
    assert body["total"] == len(body["items"]), body
    items: list[dict[str, Any]] = body["items"]
    return items


def test_make_run_leaves_no_placeholder_and_each_community_lists_its_adopted_items(client: TestClient) -> None:
    for command in ("migrate", "load-reference", "load-demo", "load-reference"):
        _gongjian(command)
    callers = {
        "admin": headers_for(client, Role.admin),
        "lht-admin": login(client, "lht-admin", PASSWORD),
        "court-admin": login(client, "court-admin", PASSWORD),
        "demo-member": login(client, "demo-member", PASSWORD),
    }
    demo_orgs = {data.COMMUNITY["name"], data.COURT["name"]}

    # Organisation lists, for every role: the demo's (老虎头, its court and the district around
    # them), nothing else.
    for headers in callers.values():
        names = {o["name"] for o in _all(client, "organizations", headers)}
        assert names <= data.ORGANISATION_NAMES and not any("参考" in name for name in names)
    assert {o["name"] for o in _all(client, "organizations", callers["admin"])} == data.ORGANISATION_NAMES
    # The dashboard's default community for a platform admin: the first community by name, in
    # pinyin order: 花湖 hua < 老虎头 lao < 胜阳港 sheng (code-point order would put 老 < 胜 < 花).
    first = client.get(
        "organizations", params={"kind": "community", "sort": "name", "page_size": 3}, headers=callers["admin"]
    ).json()
    assert [o["name"] for o in first["items"]] == ["花湖社区党委", data.COMMUNITY["name"], "胜阳港社区党委"]

    # The claim board, for every role: only the demo's organisations provide items.
    lht = callers["lht-admin"]
    community_id = client.get("me", headers=lht).json()["organization_id"]
    for headers in callers.values():
        board = _all(client, "service-items", headers)
        assert {i["provider_org"]["name"] for i in board} == demo_orgs
        assert all(i["template_code"] for i in board)

    # The community's list: the needs it adopted, published, each with its template; and the
    # resources its partner court offered from the catalogue.
    board = _all(client, "service-items", lht)
    own = [i for i in board if i["provider_org"]["id"] == community_id]
    assert sorted(i["template_code"] for i in own) == sorted(data.ADOPTED_NEEDS)
    assert {(i["direction"], i["status"]) for i in own} == {("need", "published")}
    offered = sorted(i["template_code"] for i in board if i["provider_org"]["id"] != community_id)
    assert offered == sorted(code for code, _, _ in data.CLAIMED_RESOURCES)
    assert [i["id"] for i in _all(client, "service-items", lht, provider_org_id=community_id)] == [i["id"] for i in own]
    # The court sees the same board from the other side, and may claim the community's needs.
    court_board = {i["id"]: i for i in _all(client, "service-items", callers["court-admin"])}
    assert set(court_board) == {i["id"] for i in board}
    assert all(court_board[i["id"]]["caller_may_claim"] for i in own)
    # The catalogue knows what 老虎头 already adopted.
    catalogue = client.get("service-templates", headers=lht).json()
    adopted = {t["code"] for g in catalogue["categories"] for t in g["templates"] if t["caller_item"]}
    assert catalogue["total"] == 35 and adopted == set(data.ADOPTED_NEEDS)
