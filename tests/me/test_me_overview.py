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

from factories import make_member, make_org
from factories.volunteering import member_login
from gongjian import db
from gongjian.db import get_engine, unit_of_work
from gongjian.kit import pagination
from gongjian.kit.calendar import local_date
from gongjian.models import (
    Activity,
    ActivitySignup,
    VolunteerCertificateRequest,
    VolunteerCorrectionRequest,
    VolunteerRecord,
    Wish,
)
from gongjian.models.base import utcnow

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
            hours_source="manual",
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
