"""Finding 13: self-approval through an API key.

The attack: a community admin entered a volunteer record and then approved it with its
organisation's API key. The recorder rule ("whoever entered a record may not review it") compared
the reviewer's credential with the recorder's, and the key is another credential.

The safe answer: reviewing (approving or rejecting) a volunteer record is a person's act. An API key
acts for its whole organisation — including whoever entered the record — so it can never show that
it is not the recorder: a key never reviews (403 `self_approval`), whoever entered the record.
Another admin of the organiser, signed in, still approves; records a key entered still get a
person's review.
"""

from __future__ import annotations

from datetime import timedelta

import httpx

from factories import api_key_headers, assert_problem, login, make_member, make_org, make_user, username_of
from gongjian.models.base import utcnow
from gongjian.models.enums import Role


def _record_body(member_id: int) -> dict[str, object]:
    end = utcnow() - timedelta(days=2)
    return {
        "member_id": member_id,
        "content": "社区法律咨询",
        "started_at": (end - timedelta(hours=3)).isoformat(),
        "ended_at": end.isoformat(),
        "hours": 2,
    }


def test_an_api_key_never_reviews_a_volunteer_record(http: httpx.Client) -> None:
    community = make_org("community")
    member = make_member(community)
    platform = login(http, username_of(make_user(Role.admin)))
    recorder = login(http, username_of(make_user(Role.community_admin, community)))
    colleague = login(http, username_of(make_user(Role.community_admin, community)))
    key = api_key_headers(http, platform, ["hours:read", "hours:write"], community)

    entered = http.post("volunteer-records", json=_record_body(member), headers=recorder)
    assert entered.status_code == 201, entered.text
    record = entered.json()["id"]
    body = assert_problem(http.post(f"volunteer-records/{record}/approve", json={}, headers=key), 403, "self_approval")
    assert "API" in body["detail"]
    rejected = http.post(f"volunteer-records/{record}/reject", json={"note": "时长有误"}, headers=key)
    assert_problem(rejected, 403, "self_approval")
    assert http.get(f"volunteer-records/{record}", headers=recorder).json()["status"] == "pending"

    # A record the key entered is reviewed by a person of the organisation.
    by_key = http.post("volunteer-records", json=_record_body(member), headers=key)
    assert by_key.status_code == 201, by_key.text
    assert_problem(
        http.post(f"volunteer-records/{by_key.json()['id']}/approve", json={}, headers=key), 403, "self_approval"
    )
    approved = http.post(f"volunteer-records/{by_key.json()['id']}/approve", json={}, headers=colleague)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # The recorder still may not approve its own; the colleague may.
    assert_problem(http.post(f"volunteer-records/{record}/approve", json={}, headers=recorder), 403, "self_approval")
    assert http.post(f"volunteer-records/{record}/approve", json={}, headers=colleague).json()["status"] == "approved"
