"""`GET /me/overview`: a member's home screen and an admin's waiting work in one request.

Each role's answer with its body; every admin count equals the length of the list it opens (same
scope, one home per rule); and the number of SQL statements is the same for a member with a short
history as for one with a long one (counted at the SQLAlchemy cursor and on the raw DB-API path
`read_raw`, which `HotQuery` uses)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from factories import api_key_headers, assert_problem, headers_for, make_member, make_org, make_partnership
from factories.evaluation import make_scene
from factories.residents import resident_login
from factories.volunteering import member_login
from gongjian import db
from gongjian.db import get_engine, unit_of_work
from gongjian.kit import pagination
from gongjian.kit.calendar import local_date
from gongjian.models import (
    Activity,
    ActivitySignup,
    Concern,
    VolunteerCertificateRequest,
    VolunteerCorrectionRequest,
    VolunteerRecord,
    Wish,
)
from gongjian.models.base import utcnow
from gongjian.models.enums import Role

URL = "me/overview"


def _record(member_id: int, org: int, *, hours: int = 2, status: str = "approved", by: str = "system:0") -> int:
    end = utcnow() - timedelta(days=3)
    with unit_of_work() as session:
        row = VolunteerRecord(
            member_id=member_id,
            content="社区服务",
            started_at=end - timedelta(hours=hours),
            ended_at=end,
            half_hours=hours * 2,
            hours_source="entered",
            organizer_org_id=org,
            recorded_by=by,
            recorded_by_name="录入人",
            entry_deadline=local_date(end) + timedelta(days=30),
            status=status,
        )
        session.add(row)
        session.flush()
        return row.id


def _activity(community: int, days: int) -> int:
    start = utcnow() + timedelta(days=days)
    with unit_of_work() as session:
        row = Activity(
            title=f"活动{days}",
            kind="legal_publicity",
            community_org_id=community,
            organizer_org_id=community,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            status="open",
            created_by="system:0",
            created_by_name="系统",
        )
        session.add(row)
        session.flush()
        return row.id


def _signup(activity_id: int, member_id: int, status: str = "signed_up") -> int:
    with unit_of_work() as session:
        by = {"signed_up_by": "system:0", "signed_up_by_name": "系统"}
        row = ActivitySignup(activity_id=activity_id, member_id=member_id, status=status, **by)
        session.add(row)
        session.flush()
        return row.id


def _history(member_id: int, community: int, size: int) -> None:
    """`size` of each: counted records, open correction requests, pending proofs, claimed wishes,
    upcoming sign-ups (every other one waiting behind another member)."""
    other = make_member(community)
    today = local_date(utcnow())
    for n in range(size):
        record = _record(member_id, community)
        act = _activity(community, n + 1)
        if n % 2:
            _signup(act, other, "waiting")
            _signup(act, member_id, "waiting")
        else:
            _signup(act, member_id)
        with unit_of_work() as session:
            session.add_all(
                [
                    VolunteerCorrectionRequest(
                        record_id=record,
                        member_id=member_id,
                        reason="时长有误",
                        requested_by="user:0",
                        requested_by_name="本人",
                    ),
                    VolunteerCertificateRequest(
                        member_id=member_id,
                        issuing_org_id=community,
                        period_start=today - timedelta(days=30),
                        period_end=today,
                        requested_by="user:0",
                        requested_by_name="本人",
                    ),
                    Wish(
                        community_org_id=community,
                        resident_name="张三",
                        content=f"心愿{n}",
                        kind="goods",
                        status="claimed",
                        claimant_member_id=member_id,
                        claimed_at=utcnow(),
                    ),
                ]
            )


@contextmanager
def _counting() -> Iterator[list[str]]:
    """Every statement sent to the database while inside: SQLAlchemy's cursor executions and the
    raw DB-API reads (`read_raw`, used by `HotQuery` and list pages)."""
    seen: list[str] = []
    engine = get_engine()
    raw = db.read_raw

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    def counted_raw(sql: str, args: Any, **kwargs: Any) -> Any:
        seen.append(sql)
        return raw(sql, args, **kwargs)

    event.listen(engine, "before_cursor_execute", on_execute)
    patch = pytest.MonkeyPatch()
    patch.setattr(db, "read_raw", counted_raw)
    patch.setattr(pagination, "read_raw", counted_raw)
    try:
        yield seen
    finally:
        patch.undo()
        event.remove(engine, "before_cursor_execute", on_execute)


def _overview(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(URL, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_constant_number_of_queries_whatever_the_history(client: TestClient) -> None:
    community = make_org("community")
    small, small_headers = member_login(client, community)
    large, large_headers = member_login(client, community)
    _history(small, community, 1)
    _history(large, community, 25)
    _overview(client, small_headers)  # warm: compiled statements, the per-thread SQLite reader

    with _counting() as few:
        short = _overview(client, small_headers)
    with _counting() as many:
        long = _overview(client, large_headers)

    assert len(short["member"]["claimed_wishes"]) == 1 and len(long["member"]["claimed_wishes"]) == 25
    assert len(long["member"]["upcoming_signups"]) == 10
    assert long["member"]["hours"]["total"] == 50
    assert len(many) == len(few), (few, many)
    assert len(few) > 0 and all(isinstance(s, str) for s in few)
    print(f"/me/overview: {len(few)} statements")


def _total(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> int:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def test_member_sees_its_own_overview(client: TestClient) -> None:
    community, unit = make_org("community", "老虎头社区"), make_org("unit", "区法院")
    make_partnership(unit, community)
    me, headers = member_login(client, community, unit_org_id=unit, name="欧阳志愿")
    other, _ = member_login(client, community)
    _history(me, community, 2)
    _history(other, community, 3)  # someone else's history never shows

    body = _overview(client, headers)
    assert body["admin"] is None
    member = body["member"]
    assert member["profile"] == {
        "id": me,
        "name": "欧阳志愿",
        "community_org_id": community,
        "community_name": "老虎头社区",
        "unit_org_id": unit,
        "unit_name": "区法院",
        "category": "in_service",
        "stars": member["hours"]["stars"],
    }
    assert member["hours"] == {"this_year": member["hours"]["this_year"], "total": 4.0, "stars": 0}
    assert member["card"]["member_id"] == me and member["card"]["status"] == "open"
    assert member["points_balance"] == member["card"]["points_balance"]
    signups = member["upcoming_signups"]
    assert [(s["status"], s["waiting_position"]) for s in signups] == [("signed_up", None), ("waiting", 2)]
    assert [s["title"] for s in signups] == ["活动1", "活动2"]
    assert [w["content"] for w in member["claimed_wishes"]] == ["心愿0", "心愿1"]
    assert all(c["status"] == "open" and c["reason"] == "时长有误" for c in member["open_corrections"])
    assert len(member["open_corrections"]) == 2
    assert len(member["pending_certificate_requests"]) == 2
    assert member["evaluations"] == []
    # The same as the member's own hours endpoint (one rule, volunteering/hours.py).
    hours = client.get(f"members/{me}/volunteer-hours", headers=headers)
    assert hours.status_code == 200, hours.text
    assert (hours.json()["total_hours"], hours.json()["stars"]) == (4.0, member["hours"]["stars"])


def test_admin_counts_equal_the_lists_they_open(client: TestClient) -> None:
    community, unit, elsewhere = make_org("community"), make_org("unit"), make_org("community")
    make_partnership(unit, community)
    admin = headers_for(client, Role.community_admin, community)
    unit_admin = headers_for(client, Role.unit_admin, unit)
    platform = headers_for(client, Role.admin)
    member = make_member(community, unit_org_id=unit)
    stranger = make_member(elsewhere)
    for org, who in ((community, member), (community, member), (unit, member), (elsewhere, stranger)):
        _record(who, org, status="pending")
    _record(member, community, status="pending", by="user:999999")  # someone else's entry
    with unit_of_work() as session:
        session.add(Wish(community_org_id=community, resident_name="张三", content="收音机", kind="goods"))
        session.add(Wish(community_org_id=elsewhere, resident_name="李四", content="轮椅", kind="goods"))
    past = (local_date(utcnow()) - timedelta(days=3)).isoformat()
    for title in ("化粪池堵塞", "路灯损坏"):
        made = client.post(
            "concerns", json={"category": "infrastructure", "title": title, "due_on": past}, headers=admin
        )
        assert made.status_code == 201, made.text

    counts = _overview(client, admin)
    assert counts["member"] is None
    assert counts["admin"] == {
        "pending_reports": _total(client, "reports", admin, status="pending"),
        "records_to_approve": _total(client, "volunteer-records", admin, status="pending", organizer_org_id=community),
        "wishes_to_verify": _total(client, "wishes", admin, status="submitted"),
        "overdue_tasks": _total(client, "tasks", admin, status="overdue"),
        "overdue_concerns": _total(client, "concerns", admin, overdue="true"),
        "unscored_evaluations": 0,
        "communities": None,
    }
    assert counts["admin"]["records_to_approve"] == 3 and counts["admin"]["wishes_to_verify"] == 1
    assert counts["admin"]["overdue_concerns"] == 2

    unit_counts = _overview(client, unit_admin)["admin"]
    assert unit_counts == {
        "pending_reports": _total(client, "reports", unit_admin, status="pending"),
        "records_to_approve": _total(client, "volunteer-records", unit_admin, status="pending", organizer_org_id=unit),
        "wishes_to_verify": None,  # a community verifies its wishes
        "overdue_tasks": _total(client, "tasks", unit_admin, status="overdue"),
        "overdue_concerns": _total(client, "concerns", unit_admin, overdue="true"),
        "unscored_evaluations": 0,
        "communities": None,
    }
    assert unit_counts["records_to_approve"] == 1

    platform_body = _overview(client, platform)
    assert platform_body["member"] is None
    assert platform_body["admin"] == {
        "pending_reports": _total(client, "reports", platform, status="pending"),
        "records_to_approve": None,  # a platform admin approves no record (volunteering README)
        "wishes_to_verify": _total(client, "wishes", platform, status="submitted"),
        "overdue_tasks": _total(client, "tasks", platform, status="overdue"),
        "overdue_concerns": _total(client, "concerns", platform, overdue="true"),
        "unscored_evaluations": None,
        "communities": None,
    }
    assert platform_body["admin"]["wishes_to_verify"] == 2


def test_a_street_s_desk_counts_each_community_under_it_as_the_lists_it_opens(client: TestClient) -> None:
    street, other_street = make_org("street"), make_org("street")
    north = make_org("community", name="北社区", parent_id=street)
    south = make_org("community", name="南社区", parent_id=street)
    beside = make_org("community", name="旁社区", parent_id=other_street)
    street_admin = headers_for(client, Role.street_admin, street)
    for org, n in ((north, 2), (south, 1), (beside, 3)):
        who = make_member(org)
        for _ in range(n):
            _record(who, org, status="pending")
        _record(who, org)  # approved: nothing to do
    past = (local_date(utcnow()) - timedelta(days=3)).isoformat()
    for org, titles in ((north, ["化粪池堵塞"]), (beside, ["路灯损坏", "井盖缺失"])):
        admin = headers_for(client, Role.community_admin, org)
        for title in titles:
            body = {"category": "infrastructure", "title": title, "due_on": past}
            assert client.post("concerns", json=body, headers=admin).status_code == 201

    counts = _overview(client, street_admin)["admin"]
    rows = counts.pop("communities")
    assert [(r["community_org_id"], r["community_name"]) for r in rows] == [(north, "北社区"), (south, "南社区")]
    for row in rows:
        org = row["community_org_id"]
        assert row == {
            "community_org_id": org,
            "community_name": row["community_name"],
            "pending_reports": _total(client, "reports", street_admin, status="pending", community_org_id=org),
            "records_awaiting_review": _total(
                client, "volunteer-records", street_admin, status="pending", organizer_org_id=org
            ),
            "overdue_concerns": _total(client, "concerns", street_admin, overdue="true", community_org_id=org),
        }
    assert [(r["records_awaiting_review"], r["overdue_concerns"]) for r in rows] == [(2, 1), (1, 0)]
    assert counts == {
        "pending_reports": _total(client, "reports", street_admin, status="pending"),
        "records_to_approve": None,
        "wishes_to_verify": None,
        "overdue_tasks": _total(client, "tasks", street_admin, status="overdue"),
        "overdue_concerns": 1,
        "unscored_evaluations": None,
    }


def test_api_keys_and_anonymous_callers_have_no_overview(client: TestClient) -> None:
    community = make_org("community")
    admin = headers_for(client, Role.admin)
    problem = assert_problem(
        client.get(URL, headers=api_key_headers(client, admin, ["members:read"])), 403, "forbidden"
    )
    assert "API 密钥" in problem["detail"]
    org_key = api_key_headers(client, admin, ["members:read"], community)
    assert_problem(client.get(URL, headers=org_key), 403, "forbidden")
    assert_problem(client.get(URL), 401, "unauthorized")


def test_unscored_evaluations_and_finalized_results(client: TestClient) -> None:
    scene = make_scene(client)
    make_partnership(scene.unit, scene.community)
    first, second = (make_member(scene.community, unit_org_id=scene.unit) for _ in range(2))
    scene.create_period()
    scene.open()
    scene.score(first, 80, None)

    def listed(headers: dict[str, str], *statuses: str) -> int:
        return sum(len(scene.evaluations(headers, status=status)) for status in statuses)

    community_counts = _overview(client, scene.community_admin)["admin"]
    assert community_counts["unscored_evaluations"] == listed(scene.community_admin, "pending", "unit_scored") == 1
    unit_counts = _overview(client, scene.unit_admin)["admin"]
    assert unit_counts["unscored_evaluations"] == listed(scene.unit_admin, "pending", "community_scored") == 2

    member_headers = scene.member_login(first)
    assert _overview(client, member_headers)["member"]["evaluations"] == []  # not finalized yet
    scene.score(first, None, 85)
    scene.score(second, 70, 75)
    assert scene.finalize().status_code == 200
    result = scene.evaluation_of(first)
    assert _overview(client, member_headers)["member"]["evaluations"] == [
        {
            "id": result["id"],
            "period_id": scene.period,
            "period_name": client.get(f"evaluation-periods/{scene.period}", headers=scene.admin).json()["name"],
            "final_score": result["final_score"],
            "grade": result["grade"],
        }
    ]
    assert _overview(client, scene.community_admin)["admin"]["unscored_evaluations"] == 0


# --- a resident's overview -----------------------------------------------------------------------


def _resident_history(resident_id: int, community: int, count: int, *, offset: int = 0) -> None:
    with unit_of_work() as session:
        for n in range(count):
            session.add(
                Wish(
                    community_org_id=community,
                    resident_id=resident_id,
                    resident_name="居民",
                    content=f"居民心愿{offset + n}",
                    kind="goods",
                    status="submitted",
                    created_at=utcnow() - timedelta(hours=count - n),
                )
            )
            session.add(
                Concern(
                    community_org_id=community,
                    resident_id=resident_id,
                    category="sanitation",
                    title=f"居民反映{offset + n}",
                    reporter_kind="resident",
                    reporter_name="居民",
                    reported_by="user:0",
                    reported_by_name="居民",
                    reported_at=utcnow() - timedelta(hours=count - n),
                    status="reported",
                )
            )


def test_a_resident_sees_its_own_wishes_and_concerns_newest_first(client: TestClient) -> None:
    community = make_org("community", "柳树社区")
    admin = headers_for(client, Role.community_admin, community)
    resident_id, headers = resident_login(client, community, name="柳大妈")
    neighbour, _ = resident_login(client, community)
    _resident_history(neighbour, community, 3)  # someone else's never shows
    first = client.post("wishes", json={"content": "想要老花镜", "kind": "goods"}, headers=headers).json()
    later = client.post("wishes", json={"content": "想学用智能手机", "kind": "service"}, headers=headers).json()
    concern = client.post("concerns", json={"category": "safety", "title": "楼下路灯不亮"}, headers=headers).json()
    client.post(f"wishes/{first['id']}/cancel", headers=headers)
    entered = client.post(
        "concerns", json={"category": "other", "title": "代登记：门禁坏了", "resident_id": resident_id}, headers=admin
    ).json()
    client.post(f"concerns/{entered['id']}/resolve", json={"note": "已修好"}, headers=admin)
    client.post(f"concerns/{entered['id']}/rate", json={"rating": 5}, headers=headers)

    body = _overview(client, headers)
    assert body["member"] is None and body["admin"] is None
    resident = body["resident"]
    assert {k: resident[k] for k in ("resident_id", "name", "community_org_id", "community_name")} == {
        "resident_id": resident_id,
        "name": "柳大妈",
        "community_org_id": community,
        "community_name": "柳树社区",
    }
    assert [(x["id"], x["status"]) for x in resident["wishes"]] == [
        (later["id"], "submitted"),
        (first["id"], "cancelled"),
    ]
    assert resident["wishes"][0]["content"] == "想学用智能手机" and resident["wishes"][0]["kind"] == "service"
    assert [(c["id"], c["status"], c["rating"]) for c in resident["concerns"]] == [
        (entered["id"], "resolved", 5),
        (concern["id"], "reported", None),
    ]
    # Members and admins have no resident part.
    _, member = member_login(client, community)
    assert _overview(client, member)["resident"] is None
    assert _overview(client, admin)["resident"] is None


def test_a_resident_s_overview_costs_the_same_queries_whatever_its_history(client: TestClient) -> None:
    community = make_org("community")
    small, small_headers = resident_login(client, community)
    large, large_headers = resident_login(client, community)
    _resident_history(small, community, 1)
    _resident_history(large, community, 30)
    _overview(client, small_headers)  # warm

    with _counting() as few:
        short = _overview(client, small_headers)["resident"]
    with _counting() as many:
        long = _overview(client, large_headers)["resident"]

    assert (len(short["wishes"]), len(short["concerns"])) == (1, 1)
    assert (len(long["wishes"]), len(long["concerns"])) == (20, 20)  # the latest 20 of 30
    assert long["wishes"][0]["content"] == "居民心愿29" and long["concerns"][-1]["title"] == "居民反映10"
    assert len(many) == len(few), (few, many)
    print(f"/me/overview (resident): {len(few)} statements")
