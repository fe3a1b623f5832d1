"""A resident hears in WeChat about its own wish (claimed, fulfilled) and its own concern (taken up,
escalated, resolved), each once, with the community's note; a wish or concern the community entered
for a resident without a login, or for no resident, tells no one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import ok
from factories.notifications import bind_wechat, consent, messages, wechat_with_templates
from factories.residents import ResidentsWorld, make_resident
from factories.wechat import FakeWechat
from gongjian.db import unit_of_work
from gongjian.kit.calendar import local_today
from gongjian.models import Resident

RESIDENT_OPENID = "openid-resident-0001"


@pytest.fixture
def wx(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWechat]:
    with wechat_with_templates(monkeypatch) as fake:
        yield fake


@pytest.fixture
def w(client: TestClient, wx: FakeWechat) -> ResidentsWorld:
    world = ResidentsWorld(client, resident="欧阳大妈", neighbour="钱大爷", mobile="13700005555", room="801")
    with unit_of_work() as session:
        user_id = session.execute(select(Resident.user_id).where(Resident.id == world.resident_id)).scalar_one()
    assert user_id is not None
    bind_wechat(user_id, RESIDENT_OPENID)
    return world


def sent(kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.openid, m.page or "", m.data) for m in messages() if m.kind == kind]


def test_a_resident_hears_when_its_wish_is_claimed_and_fulfilled(client: TestClient, w: ResidentsWorld) -> None:
    consent(client, w.resident, "wish_progress", times=3)
    wish = client.post("wishes", json={"content": "想要一台收音机听戏", "kind": "goods"}, headers=w.resident)
    assert wish.status_code == 201, wish.text
    wid = wish.json()["id"]
    for action in ("verify", "publish"):
        ok(client.post(f"wishes/{wid}/{action}", headers=w.community_admin))
    assert sent("wish_progress") == []  # the community's own steps are not news to the resident

    ok(client.post(f"wishes/{wid}/claim", json={}, headers=w.member))
    ok(client.post(f"wishes/{wid}/fulfil", json={"note": "已送上收音机"}, headers=w.member))
    got = sent("wish_progress")
    assert [(openid, page) for openid, page, _ in got] == [(RESIDENT_OPENID, f"pages/wishes/detail?id={wid}")] * 2
    # WeChat's keys: thing1 the wish, phrase2 the progress, thing3 who claimed it.
    assert [data["phrase2"]["value"] for _, _, data in got] == ["已认领", "已实现"]
    assert all(
        data["thing1"]["value"] == "想要一台收音机听戏" and data["thing3"]["value"] == "党员李**" for _, _, data in got
    )


def test_a_resident_hears_each_answer_to_its_concern(client: TestClient, w: ResidentsWorld) -> None:
    consent(client, w.resident, "concern_answered", times=5)
    body = {"category": "sanitation", "title": "楼道堆放杂物", "description": "3 栋楼道长期堆放纸箱"}
    created = client.post("concerns", json=body, headers=w.resident)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    due_on = (local_today() + timedelta(days=10)).isoformat()
    ok(client.post(f"concerns/{cid}/start", json={"note": "已安排网格员查看"}, headers=w.community_admin))
    ok(
        client.post(
            f"concerns/{cid}/escalate",
            json={"note": "需街道协调清运", "escalated_to": "街道城管科", "due_on": due_on},
            headers=w.community_admin,
        )
    )
    ok(client.post(f"concerns/{cid}/resolve", json={"note": "已清运完毕"}, headers=w.community_admin))
    got = sent("concern_answered")
    assert [(openid, page) for openid, page, _ in got] == [(RESIDENT_OPENID, f"pages/concerns/detail?id={cid}")] * 3
    # WeChat's keys: phrase2 the status, thing3 the community's note.
    assert [(data["phrase2"]["value"], data["thing3"]["value"]) for _, _, data in got] == [
        ("处理中", "已安排网格员查看"),
        ("已上报协调", "需街道协调清运"),
        ("已解决", "已清运完毕"),
    ]


def test_no_one_is_told_about_a_wish_of_a_resident_without_a_login(client: TestClient, w: ResidentsWorld) -> None:
    offline = make_resident(w.community, name="赵奶奶")
    wish = client.post(
        "wishes", json={"content": "想要一副老花镜", "kind": "goods", "resident_id": offline}, headers=w.community_admin
    )
    assert wish.status_code == 201, wish.text
    wid = wish.json()["id"]
    for action in ("verify", "publish"):
        ok(client.post(f"wishes/{wid}/{action}", headers=w.community_admin))
    ok(client.post(f"wishes/{wid}/claim", json={}, headers=w.member))
    assert messages() == []
