"""Business dates (业务日期, kit/calendar.py) on every request that takes one: wishes (registered,
fulfilled), claims (claimed, completed), concerns (reported, resolved) and task completion.

An admin may name a past day (not after today, not before 1 January ten years back, not before the
step it follows); anyone else may only leave it out; left out, it is the local day of the real
time. The answer carries both, the audit the real time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import api_key_headers, assert_problem, headers_for, login, make_member, make_org, make_partnership
from factories.claims import load_categories
from factories.users import make_user, username_of
from gongjian.kit.calendar import BUSINESS_DATE_YEARS_BACK, local_today
from gongjian.models.enums import OrganizationKind, Role

TODAY = local_today()
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
TOO_EARLY = date(TODAY.year - BUSINESS_DATE_YEARS_BACK - 1, 12, 31).isoformat()
EARLIEST = date(TODAY.year - BUSINESS_DATE_YEARS_BACK, 1, 1).isoformat()
LAST_YEAR = date(TODAY.year - 1, 3, 10)


class World:
    def __init__(self, client: TestClient) -> None:
        load_categories()
        self.client = client
        self.community = make_org(OrganizationKind.community)
        self.unit = make_org(OrganizationKind.unit)
        make_partnership(self.unit, self.community)
        self.admin = headers_for(client, Role.admin)
        self.community_admin = headers_for(client, Role.community_admin, self.community)
        self.unit_admin = headers_for(client, Role.unit_admin, self.unit)
        member_user = make_user(Role.member, self.unit)
        make_member(self.community, unit_org_id=self.unit, user_id=member_user, name="李党员")
        self.member = login(client, username_of(member_user))

    def ok(self, path: str, body: Any, headers: dict[str, str], status: int = 200) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=headers)
        assert response.status_code == status, response.text
        return dict(response.json())

    def wish(self, **dated: str) -> dict[str, Any]:
        body = {"resident_name": "刘奶奶", "content": "想要一台收音机", "kind": "goods", **dated}
        return self.ok("wishes", body, self.community_admin, 201)

    def published_wish(self, **dated: str) -> int:
        wish_id = self.wish(**dated)["id"]
        self.ok(f"wishes/{wish_id}/verify", None, self.community_admin)
        self.ok(f"wishes/{wish_id}/publish", None, self.community_admin)
        return int(wish_id)

    def item(self) -> int:
        item = self.ok(
            "service-items", {"title": "助老服务", "category": "volunteer", "capacity": 5}, self.community_admin, 201
        )
        self.ok(f"service-items/{item['id']}/publish", None, self.community_admin)
        return int(item["id"])

    def task(self, held_on: date) -> int:
        meeting = self.ok("meetings", {"held_on": held_on.isoformat(), "theme": "环境整治"}, self.community_admin, 201)
        topic = self.ok(f"meetings/{meeting['id']}/topics", {"title": "难题一"}, self.community_admin, 201)
        body = {
            "topic_id": topic["id"],
            "owner_org_id": self.unit,
            "description": "协调清运",
            "due_on": held_on.isoformat(),
        }
        return int(self.ok("tasks", body, self.community_admin, 201)["id"])


@pytest.fixture
def w(client: TestClient) -> World:
    return World(client)


# Each request that takes a business date: (field, a request sending `body` as an admin may).
Send = Callable[[World, dict[str, Any]], Any]


def _create_wish(w: World, body: dict[str, Any]) -> Any:
    return w.client.post(
        "wishes",
        json={"resident_name": "刘奶奶", "content": "收音机", "kind": "goods", **body},
        headers=w.community_admin,
    )


def _fulfil_wish(w: World, body: dict[str, Any]) -> Any:
    wish_id = w.published_wish(registered_on=LAST_YEAR.isoformat())
    w.ok(f"wishes/{wish_id}/claim", {}, w.unit_admin)
    return w.client.post(f"wishes/{wish_id}/fulfil", json={"note": "已送到", **body}, headers=w.unit_admin)


def _claim(w: World, body: dict[str, Any]) -> Any:
    return w.client.post(f"service-items/{w.item()}/claims", json=body, headers=w.unit_admin)


def _complete_claim(w: World, body: dict[str, Any]) -> Any:
    claim = w.ok(f"service-items/{w.item()}/claims", {"claimed_on": LAST_YEAR.isoformat()}, w.unit_admin, 201)
    w.ok(f"claims/{claim['id']}/start", None, w.unit_admin)
    return w.client.post(f"claims/{claim['id']}/complete", json={"report": "已完成", **body}, headers=w.unit_admin)


def _report_concern(w: World, body: dict[str, Any]) -> Any:
    return w.client.post(
        "concerns", json={"category": "sanitation", "title": "楼道堆物", **body}, headers=w.community_admin
    )


def _resolve_concern(w: World, body: dict[str, Any]) -> Any:
    concern = w.ok(
        "concerns",
        {"category": "sanitation", "title": "楼道堆物", "reported_on": LAST_YEAR.isoformat()},
        w.community_admin,
        201,
    )
    return w.client.post(
        f"concerns/{concern['id']}/resolve", json={"note": "已清理", **body}, headers=w.community_admin
    )


def _complete_task(w: World, body: dict[str, Any]) -> Any:
    task_id = w.task(LAST_YEAR)
    return w.client.post(f"tasks/{task_id}/complete", json={"note": "已办结", **body}, headers=w.unit_admin)


STEPS: dict[str, tuple[str, Send]] = {
    "wish registered": ("registered_on", _create_wish),
    "wish fulfilled": ("fulfilled_on", _fulfil_wish),
    "claim made": ("claimed_on", _claim),
    "claim completed": ("completed_on", _complete_claim),
    "concern reported": ("reported_on", _report_concern),
    "concern resolved": ("resolved_on", _resolve_concern),
    "task done": ("done_on", _complete_task),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_an_admin_names_a_past_business_date_within_bounds(client: TestClient, w: World, step: str) -> None:
    field, send = STEPS[step]
    future = assert_problem(send(w, {field: TOMORROW}), 422, "business_date_in_future")
    assert future["errors"] == [{"field": f"body.{field}", "message": "业务日期不能晚于今天"}]
    early = assert_problem(send(w, {field: TOO_EARLY}), 422, "business_date_too_early")
    assert early["errors"][0]["field"] == f"body.{field}" and EARLIEST in early["detail"]
    assert_problem(send(w, {field: "2025-02-30"}), 422, "validation_error")
    assert_problem(send(w, {field: 20250101}), 422, "validation_error")

    dated = send(w, {field: LAST_YEAR.isoformat()})
    assert dated.status_code in (200, 201), dated.text
    assert dated.json()[field] == LAST_YEAR.isoformat()
    # The earliest day allowed, where no earlier step is in the way.
    if step in ("wish registered", "claim made", "concern reported"):
        assert send(w, {field: EARLIEST}).json()[field] == EARLIEST
    # Left out: the local day of the real time.
    assert send(w, {}).json()[field] == TODAY.isoformat()


@pytest.mark.parametrize(
    ("step", "before"),
    [
        ("wish fulfilled", "登记日期"),
        ("claim completed", "认领日期"),
        ("concern resolved", "反映日期"),
        ("task done", "例会日期"),
    ],
)
def test_a_step_is_never_dated_before_the_step_it_follows(client: TestClient, w: World, step: str, before: str) -> None:
    field, send = STEPS[step]
    earlier = (LAST_YEAR - timedelta(days=1)).isoformat()
    problem = assert_problem(send(w, {field: earlier}), 422, "business_date_before_previous_step")
    assert problem["errors"] == [
        {"field": f"body.{field}", "message": f"业务日期不能早于{before}（{LAST_YEAR.isoformat()}）"}
    ]
    assert send(w, {field: LAST_YEAR.isoformat()}).json()[field] == LAST_YEAR.isoformat()  # the same day is fine


def test_only_admins_name_a_business_date(client: TestClient, w: World) -> None:
    # A member reports a concern and fulfils a wish it claimed: without a date, today; with one, 403.
    body = {"category": "sanitation", "title": "路灯不亮"}
    refused = client.post("concerns", json={**body, "reported_on": LAST_YEAR.isoformat()}, headers=w.member)
    assert assert_problem(refused, 403, "forbidden")["detail"] == "只有管理员可以补录业务日期"
    assert w.ok("concerns", body, w.member, 201)["reported_on"] == TODAY.isoformat()
    wish_id = w.published_wish()
    w.ok(f"wishes/{wish_id}/claim", None, w.member)
    refused = client.post(
        f"wishes/{wish_id}/fulfil", json={"note": "已送到", "fulfilled_on": TODAY.isoformat()}, headers=w.member
    )
    assert_problem(refused, 403, "forbidden")
    assert w.ok(f"wishes/{wish_id}/fulfil", {"note": "已送到"}, w.member)["fulfilled_on"] == TODAY.isoformat()
    # An organisation's API key acts as its admin; a platform admin names the community.
    key = api_key_headers(client, w.admin, ["wishes:write", "wishes:read"], organization_id=w.community)
    assert (
        w.ok(
            "wishes",
            {"resident_name": "刘奶奶", "content": "收音机", "kind": "goods", "registered_on": "2020-05-04"},
            key,
            201,
        )["registered_on"]
        == "2020-05-04"
    )
    by_admin = {"community_org_id": w.community, "resident_name": "刘奶奶", "content": "收音机", "kind": "goods"}
    assert w.ok("wishes", {**by_admin, "registered_on": "2021-06-01"}, w.admin, 201)["registered_on"] == "2021-06-01"


def test_the_real_time_is_kept_beside_the_business_date_and_in_the_audit(client: TestClient, w: World) -> None:
    wish = w.wish(registered_on=LAST_YEAR.isoformat())
    assert wish["registered_on"] == LAST_YEAR.isoformat()
    assert wish["created_at"].startswith(TODAY.isoformat()) and wish["created_at"].endswith("+08:00")
    read = client.get(f"wishes/{wish['id']}", headers=w.community_admin).json()
    assert (read["registered_on"], read["created_at"]) == (wish["registered_on"], wish["created_at"])
    event = client.get("audit-events", params={"entity": "wish"}, headers=w.admin).json()["items"][0]
    assert event["entity_id"] == str(wish["id"]) and event["changes"]["registered_on"] == LAST_YEAR.isoformat()
    assert event["occurred_at"].startswith(TODAY.isoformat())


def test_lists_and_summaries_count_by_business_date(client: TestClient, w: World) -> None:
    w.wish(registered_on=LAST_YEAR.isoformat())
    w.wish()
    month = f"{LAST_YEAR:%Y-%m}"
    listed = client.get("wishes", params={"month": month}, headers=w.community_admin).json()
    assert [item["registered_on"] for item in listed["items"]] == [LAST_YEAR.isoformat()]
    summary = client.get(
        "wishes/summary",
        params={"since": f"{LAST_YEAR.year}-01-01", "until": f"{LAST_YEAR.year}-12-31"},
        headers=w.community_admin,
    ).json()
    assert summary["submitted"] == 1 and summary["by_month"] == [{"month": month, "submitted": 1, "fulfilled": 0}]
    w.ok(
        "concerns",
        {"category": "sanitation", "title": "楼道堆物", "reported_on": LAST_YEAR.isoformat()},
        w.community_admin,
        201,
    )
    concerns = client.get(
        "concerns", params={"reported_until": f"{LAST_YEAR.year}-12-31"}, headers=w.community_admin
    ).json()
    assert [c["reported_on"] for c in concerns["items"]] == [LAST_YEAR.isoformat()]
    w.ok(f"service-items/{w.item()}/claims", {"claimed_on": LAST_YEAR.isoformat()}, w.unit_admin, 201)
    claims = client.get(
        "claims/summary",
        params={"since": f"{LAST_YEAR.year}-01-01", "until": f"{LAST_YEAR.year}-12-31"},
        headers=w.unit_admin,
    ).json()
    assert claims["total"] == 1
    this_year = client.get("claims/summary", params={"since": f"{TODAY.year}-01-01"}, headers=w.unit_admin).json()
    assert this_year["total"] == 0
