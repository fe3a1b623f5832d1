"""Finding 11: a wish's `household_note` (the elderly resident's address and phone) went to everyone.

The attack: any signed-in user — a unit's admin, a member, another community's admin — read a
published wish (`GET /wishes`, `GET /wishes/{id}`, the answer to a claim) and got the household
note in full.

The safe answer: the note is for those who manage the wish — its community's admins and the
platform admin. Everyone else gets `household_note: null` in every answer.
"""

from __future__ import annotations

import httpx

from factories import login, make_member, make_org, make_user, username_of
from factories.claims import make_wish
from gongjian.models.enums import Role

NOTE = "独居老人，3 栋 2 单元 401，电话 13812345678"


def _headers(http: httpx.Client, role: Role, org: int | None = None) -> dict[str, str]:
    return login(http, username_of(make_user(role, org)))


def test_the_household_note_stays_inside_the_wishs_community(http: httpx.Client) -> None:
    community, other_community, unit = make_org("community"), make_org("community"), make_org("unit")
    wish_id = make_wish(community, status="published", household_note=NOTE)
    member_user = make_user(Role.member, unit)
    make_member(community, unit_org_id=unit, user_id=member_user)
    insiders = {
        "platform admin": _headers(http, Role.admin),
        "community admin": _headers(http, Role.community_admin, community),
    }
    outsiders = {
        "unit admin": _headers(http, Role.unit_admin, unit),
        "member": login(http, username_of(member_user)),
        "other community admin": _headers(http, Role.community_admin, other_community),
    }

    for who, headers in insiders.items():
        assert http.get(f"wishes/{wish_id}", headers=headers).json()["household_note"] == NOTE, who
    for who, headers in outsiders.items():
        one = http.get(f"wishes/{wish_id}", headers=headers)
        assert one.status_code == 200, (who, one.text)
        assert one.json()["household_note"] is None, who
        listed = [w for w in http.get("wishes", headers=headers).json()["items"] if w["id"] == wish_id]
        assert len(listed) == 1 and listed[0]["household_note"] is None, who

    # Claiming doesn't hand it over either: the community arranges the visit.
    claimed = http.post(f"wishes/{wish_id}/claim", json={}, headers=outsiders["unit admin"])
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "claimed" and claimed.json()["household_note"] is None
