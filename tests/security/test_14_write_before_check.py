"""Finding 14: writes before permission checks, and existence oracles.

The attacks:
- the evaluation export (and ranking) brought the period's evaluations up to date — inserting the
  missing rows — and only then refused the caller (a community's admin asking for a unit it has no
  member in got 404 after the insert); since issue 18 no read writes at all (the member writes
  keep the evaluations in step);
- writes naming a member answered 422 `member_not_found` for an id that doesn't exist but 403 (or
  201, or another 422) for a member the caller may not see, so ids could be probed.

The safe answers: a refused read writes nothing; a member the caller can't see is answered exactly
like one that doesn't exist — 422 `member_not_found` on the field that names it — in sign-ups,
volunteer records, wish claims and honours.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from factories import assert_problem, login, make_member, make_org, make_partnership, make_user, username_of
from factories.claims import make_wish
from factories.volunteering import activity_body
from gongjian.db import unit_of_work
from gongjian.kit.types import MAX_ID
from gongjian.models import Evaluation, Honor, VolunteerRecord
from gongjian.models.base import utcnow
from gongjian.models.enums import Role

MISSING = MAX_ID


def _headers(http: httpx.Client, role: Role, org: int | None = None) -> dict[str, str]:
    return login(http, username_of(make_user(role, org)))


def _count(model: type) -> int:
    with unit_of_work() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_refused_export_writes_no_evaluations(http: httpx.Client) -> None:
    platform = _headers(http, Role.admin)
    unit, community, stranger_community = make_org("unit"), make_org("community"), make_org("community")
    make_partnership(unit, community)
    period = http.post(
        "evaluation-periods",
        json={"name": "2017年度", "start_date": "2017-01-01", "end_date": "2017-12-31"},
        headers=platform,
    ).json()["id"]
    assert http.post(f"evaluation-periods/{period}/open", headers=platform).status_code == 200
    # Registered after the period opened: the registration itself makes the evaluations.
    late_member = make_member(community, unit_org_id=unit)
    member_user = make_user(Role.member, unit)
    make_member(community, unit_org_id=unit, user_id=member_user)
    refused = {
        "a community with no member in the unit": (_headers(http, Role.community_admin, stranger_community), 404),
        "a member": (login(http, username_of(member_user)), 403),
    }
    assert _count(Evaluation) == 2

    for who, (headers, status) in refused.items():
        for path in ("export", "ranking"):
            response = http.get(f"evaluation-periods/{period}/{path}", params={"unit_org_id": unit}, headers=headers)
            assert response.status_code == status, (who, path, response.text)
            assert _count(Evaluation) == 2, (who, path)

    # A caller who may see the unit's ranking gets it complete, and its read writes nothing either.
    ranking = http.get(f"evaluation-periods/{period}/ranking", params={"unit_org_id": unit}, headers=platform)
    assert ranking.status_code == 200 and ranking.json()["member_count"] == 2
    assert late_member in {item["member"]["id"] for item in ranking.json()["items"]}
    assert _count(Evaluation) == 2


def _alike(responses: dict[str, Any], field: str) -> None:
    """The same problem for a missing member and for one the caller may not see."""
    bodies = {name: assert_problem(r, 422, "member_not_found") for name, r in responses.items()}
    assert {b["errors"][0]["field"] for b in bodies.values()} == {field}
    assert len({b["detail"] for b in bodies.values()}) == 1


def test_members_the_caller_cannot_see_answer_like_missing_ones(http: httpx.Client) -> None:
    community, unit = make_org("community"), make_org("unit")
    other_community, other_unit = make_org("community"), make_org("unit")
    make_partnership(unit, community)
    community_admin = _headers(http, Role.community_admin, community)
    unit_admin = _headers(http, Role.unit_admin, unit)
    foreign = make_member(other_community, unit_org_id=other_unit)

    # Signing a member up for an activity.
    activity = http.post("activities", json=activity_body(community), headers=community_admin)
    assert activity.status_code == 201, activity.text
    aid = activity.json()["id"]
    assert http.post(f"activities/{aid}/open", headers=community_admin).status_code == 200
    _alike(
        {
            str(m): http.post(f"activities/{aid}/signups", json={"member_id": m}, headers=community_admin)
            for m in (foreign, MISSING)
        },
        "body.member_id",
    )

    # Entering a volunteer record.
    end = utcnow() - timedelta(days=2)
    record = {
        "content": "法律咨询",
        "started_at": (end - timedelta(hours=3)).isoformat(),
        "ended_at": end.isoformat(),
        "hours": 2,
    }
    _alike(
        {
            str(m): http.post("volunteer-records", json={**record, "member_id": m}, headers=community_admin)
            for m in (foreign, MISSING)
        },
        "body.member_id",
    )
    assert _count(VolunteerRecord) == 0

    # Claiming a wish for a member.
    wish = make_wish(community, status="published")
    _alike(
        {
            str(m): http.post(f"wishes/{wish}/claim", json={"member_id": m}, headers=unit_admin)
            for m in (foreign, MISSING)
        },
        "body.member_id",
    )

    # Recording a member's honour (in the caller's own community, or defaulting to the member's).
    honour = {"title": "优秀共产党员", "awarding_body": "街道党工委", "awarded_on": "2017-07-01", "level": "district"}
    for extra in ({"community_org_id": community}, {}):
        _alike(
            {
                str(m): http.post(
                    "honors",
                    json={**honour, **extra, "recipient_kind": "member", "recipient_member_id": m},
                    headers=community_admin,
                )
                for m in (foreign, MISSING)
            },
            "body.recipient_member_id",
        )
    assert _count(Honor) == 0
