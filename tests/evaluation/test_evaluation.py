"""Two-way evaluation: periods and schemes, scores, weighting, grades, vetoes, the 优秀 share,
finalize/reopen, rankings, export and who sees what."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from factories import api_key_headers, assert_problem, headers_for, make_member, make_org
from factories.evaluation import REPORTED, Scene, make_scene, points_for
from gongjian.db import unit_of_work
from gongjian.evaluation import grading
from gongjian.evaluation.reference import load_evaluation_schemes
from gongjian.models import AuditEvent, CommunityRecord, Member, VolunteerRecord, WebhookEvent, Wish
from gongjian.models.enums import Role
from gongjian.reference.loader import LOADERS


@pytest.fixture
def scene(client: TestClient) -> Scene:
    return make_scene(client)


# --- periods and schemes -----------------------------------------------------------------------


def test_period_created_without_scheme_gets_the_default_scheme(scene: Scene) -> None:
    body = scene.create_period(name="2017年度")
    assert body["status"] == "draft"
    assert body["community_weight"] == 0.3
    assert [(c["name"], c["max_points"]) for c in body["criteria"]] == [
        ("报到履职", 30),
        ("志愿服务", 30),
        ("联系群众", 20),
        ("遵纪守法", 20),
    ]
    assert body["thresholds"] == {"excellent": 90, "qualified": 75, "basically_qualified": 60}
    assert body["excellent_share"] == {"numerator": 1, "denominator": 3}
    assert body["vetoes"] == ["never_reported"]


def test_default_scheme_is_reference_data_loaded_idempotently() -> None:
    assert LOADERS["evaluation_schemes"] is load_evaluation_schemes
    with unit_of_work() as session:
        assert load_evaluation_schemes(session) == 1
    with unit_of_work() as session:
        assert load_evaluation_schemes(session) == 0


def test_period_with_explicit_scheme_and_validation(scene: Scene) -> None:
    criteria = [{"code": "a", "name": "甲", "max_points": 60}, {"code": "b", "name": "乙", "max_points": 40}]
    body = scene.create_period(
        community_weight=0.35,
        criteria=criteria,
        thresholds={"excellent": 85, "qualified": 70, "basically_qualified": 50},
        excellent_share={"numerator": 1, "denominator": 4},
        vetoes=[],
    )
    assert body["community_weight"] == 0.35
    assert [c["code"] for c in body["criteria"]] == ["a", "b"]
    assert body["vetoes"] == []
    bad_sum = [{"code": "a", "name": "甲", "max_points": 60}, {"code": "b", "name": "乙", "max_points": 30}]
    base = {"name": "坏方案", "start_date": "2017-01-01", "end_date": "2017-12-31"}
    assert_problem(
        scene.client.post("evaluation-periods", json={**base, "criteria": bad_sum}, headers=scene.admin),
        422,
        "validation_error",
    )
    bad_thresholds = {"excellent": 70, "qualified": 75, "basically_qualified": 60}
    assert_problem(
        scene.client.post("evaluation-periods", json={**base, "thresholds": bad_thresholds}, headers=scene.admin),
        422,
        "validation_error",
    )
    assert_problem(
        scene.client.post("evaluation-periods", json={**base, "community_weight": 0.3333}, headers=scene.admin),
        422,
        "too_many_decimals",
    )
    assert_problem(
        scene.client.post("evaluation-periods", json={**base, "end_date": "2016-12-31"}, headers=scene.admin),
        422,
        "validation_error",
    )
    # Only platform admins create periods.
    for headers in (scene.unit_admin, scene.community_admin):
        assert_problem(scene.client.post("evaluation-periods", json=base, headers=headers), 403, "forbidden")


def test_scheme_changes_only_in_draft(scene: Scene) -> None:
    scene.create_period()
    url = f"evaluation-periods/{scene.period}"
    r = scene.client.patch(url, json={"community_weight": 0.4}, headers=scene.admin)
    assert r.status_code == 200 and r.json()["community_weight"] == 0.4
    scene.open()
    assert_problem(scene.client.patch(url, json={"community_weight": 0.5}, headers=scene.admin), 409, "period_open")
    r = scene.client.patch(url, json={"name": "改名年度"}, headers=scene.admin)
    assert r.status_code == 200 and r.json()["name"] == "改名年度"
    assert_problem(scene.client.post(f"{url}/open", headers=scene.admin), 409, "period_not_draft")


# --- weighting, rounding, criteria -------------------------------------------------------------


def test_final_score_weighting_and_half_up_rounding() -> None:
    assert grading.final_tenths(300, 950, 920) == 929  # 28.5 + 64.4
    assert grading.final_tenths(500, 801, 800) == 801  # 80.05 → 80.1 (a float would give 80.0)
    assert grading.final_tenths(350, 855, 903) == 886  # 29.925 + 58.695 = 88.62
    assert grading.final_tenths(300, 800, 755) == 769  # 24 + 52.85 = 76.85 → 76.9
    assert grading.final_tenths(0, 0, 1000) == 1000
    assert grading.to_tenths(72.5) == 725 and grading.to_tenths(72.55) is None


def test_final_score_is_computed_by_the_server(scene: Scene) -> None:
    scene.create_period(community_weight=0.5)
    m = make_member(scene.community, unit_org_id=scene.unit, name="王一", reported_on=REPORTED)
    scene.open()
    scene.score(m, 80.1, None)
    ev = scene.evaluation_of(m)
    assert ev["status"] == "community_scored" and ev["final_score"] is None
    assert ev["community_score"] == 80.1
    scene.score(m, None, 80.0)
    ev = scene.evaluation_of(m)
    assert ev["status"] == "scored"
    assert ev["final_score"] == 80.1
    assert ev["unit_score"] == 80.0
    assert {p["code"]: p["points"] for p in ev["community_points"]} == points_for(80.1)


def test_criterion_above_its_maximum_is_rejected(scene: Scene) -> None:
    scene.create_period()
    m = make_member(scene.community, unit_org_id=scene.unit, reported_on=REPORTED)
    scene.open()
    eid = scene.evaluation_of(m)["id"]
    url = f"evaluations/{eid}/community-score"
    points = {"reporting": 30.5, "volunteering": 30, "contact": 20, "discipline": 19}
    body = assert_problem(
        scene.client.put(url, json={"points": points, "opinion": "好"}, headers=scene.community_admin),
        422,
        "points_out_of_range",
    )
    assert body["errors"][0]["field"] == "body.points.reporting"
    points = {"reporting": 10.25, "volunteering": 30, "contact": 20, "discipline": 19}
    assert_problem(
        scene.client.put(url, json={"points": points, "opinion": "好"}, headers=scene.community_admin),
        422,
        "too_many_decimals",
    )
    points = {"reporting": 10, "volunteering": 30, "contact": 20}
    assert_problem(
        scene.client.put(url, json={"points": points, "opinion": "好"}, headers=scene.community_admin),
        422,
        "criterion_missing",
    )
    points = {"reporting": 10, "volunteering": 30, "contact": 20, "discipline": 19, "extra": 1}
    assert_problem(
        scene.client.put(url, json={"points": points, "opinion": "好"}, headers=scene.community_admin),
        422,
        "unknown_criterion",
    )
    assert_problem(
        scene.client.put(f"evaluations/{eid}/unit-score", json={"score": 100.5}, headers=scene.unit_admin),
        422,
        "validation_error",
    )
    assert scene.evaluation_of(m)["status"] == "pending"


def test_scores_use_if_match(scene: Scene) -> None:
    scene.create_period()
    m = make_member(scene.community, unit_org_id=scene.unit, reported_on=REPORTED)
    scene.open()
    eid = scene.evaluation_of(m)["id"]
    etag = scene.client.get(f"evaluations/{eid}", headers=scene.unit_admin).headers["ETag"]
    r = scene.client.put(
        f"evaluations/{eid}/unit-score", json={"score": 88}, headers={**scene.unit_admin, "If-Match": etag}
    )
    assert r.status_code == 200 and r.headers["ETag"] != etag
    stale = scene.client.put(
        f"evaluations/{eid}/unit-score", json={"score": 90}, headers={**scene.unit_admin, "If-Match": etag}
    )
    assert_problem(stale, 412, "precondition_failed")
    assert scene.evaluation_of(m)["unit_score"] == 88.0


def test_only_the_members_own_admins_score(scene: Scene, client: TestClient) -> None:
    scene.create_period()
    m = make_member(scene.community, unit_org_id=scene.unit, reported_on=REPORTED)
    scene.open()
    eid = scene.evaluation_of(m)["id"]
    community_body = {"points": points_for(90), "opinion": "好"}
    other_community = headers_for(client, Role.community_admin, make_org("community"))
    other_unit = headers_for(client, Role.unit_admin, make_org("unit"))
    for headers, status in ((scene.admin, 403), (scene.unit_admin, 403), (other_community, 404)):
        r = client.put(f"evaluations/{eid}/community-score", json=community_body, headers=headers)
        assert r.status_code == status, r.text
    for headers, status in ((scene.admin, 403), (scene.community_admin, 403), (other_unit, 404)):
        r = client.put(f"evaluations/{eid}/unit-score", json={"score": 80}, headers=headers)
        assert r.status_code == status, r.text
    assert scene.evaluation_of(m)["status"] == "pending"


def test_each_row_says_which_score_the_caller_may_give_as_the_score_endpoints_decide(
    scene: Scene, client: TestClient
) -> None:
    scene.create_period()
    m = make_member(scene.community, unit_org_id=scene.unit, reported_on=REPORTED)
    scene.open()
    other_community = headers_for(client, Role.community_admin, make_org("community"))
    expected = {"admin": [], "community_admin": ["score_community"], "unit_admin": ["score_unit"]}
    callers = (("admin", scene.admin), ("community_admin", scene.community_admin), ("unit_admin", scene.unit_admin))
    for who, headers in callers:
        [row] = [e for e in scene.evaluations(headers) if e["member"]["id"] == m]
        assert row["allowed_actions"] == expected[who], who
        detail = client.get(f"evaluations/{row['id']}", headers=headers).json()
        assert detail["allowed_actions"] == expected[who], who
        # What a row offers succeeds; what it doesn't is refused.
        body = {"points": points_for(90), "opinion": "好"}
        community = client.put(f"evaluations/{row['id']}/community-score", json=body, headers=headers)
        unit = client.put(f"evaluations/{row['id']}/unit-score", json={"score": 80}, headers=headers)
        assert (community.status_code == 200) == ("score_community" in expected[who]), community.text
        assert (unit.status_code == 200) == ("score_unit" in expected[who]), unit.text
        for answer in (community, unit):
            if answer.status_code == 200:
                assert answer.json()["allowed_actions"] == expected[who]
    assert scene.evaluations(other_community) == []
    assert scene.finalize().status_code == 200
    for headers in (scene.admin, scene.community_admin, scene.unit_admin):
        assert [e["allowed_actions"] for e in scene.evaluations(headers)] == [[]]


# --- evaluations are created for in-service members ---------------------------------------------


def test_opening_creates_evaluations_for_active_in_service_members_only(scene: Scene) -> None:
    scene.create_period()
    in_service = make_member(scene.community, unit_org_id=scene.unit, name="在职甲", reported_on=REPORTED)
    make_member(scene.community, name="退休乙", category="retired", reported_on=REPORTED)
    assert scene.evaluations() == []  # a draft has no evaluations
    scene.open()
    rows = scene.evaluations()
    assert [(e["member"]["id"], e["unit_org"]["id"], e["community_org"]["id"], e["status"]) for e in rows] == [
        (in_service, scene.unit, scene.community, "pending")
    ]


def test_members_becoming_in_service_while_open_get_an_evaluation_at_once(scene: Scene) -> None:
    """The member writes keep an open period's evaluations in step: registering, moving into or out
    of service, archiving and restoring a member through the app; the reads only read."""
    client = scene.client
    scene.create_period()
    first = make_member(scene.community, unit_org_id=scene.unit, name="甲", reported_on=REPORTED)
    scene.open()
    later = make_member(scene.community, name="乙", category="retired", reported_on=REPORTED)
    assert [e["member"]["id"] for e in scene.evaluations()] == [first]
    moved = client.patch(
        f"members/{later}", json={"category": "in_service", "unit_org_id": scene.unit}, headers=scene.admin
    )
    assert moved.status_code == 200, moved.text
    assert sorted(e["member"]["id"] for e in scene.evaluations()) == sorted([first, later])
    assert len(scene.evaluations()) == 2
    # Out of service again before anyone scored it: its evaluation goes; back in: it comes back.
    retired = client.patch(f"members/{later}", json={"category": "retired", "unit_org_id": None}, headers=scene.admin)
    assert retired.status_code == 200, retired.text
    assert [e["member"]["id"] for e in scene.evaluations()] == [first]
    back = client.patch(
        f"members/{later}", json={"category": "in_service", "unit_org_id": scene.unit}, headers=scene.admin
    )
    assert back.status_code == 200, back.text
    # A member archived before anyone scored it drops out; one with a score stays; restored, back in.
    scene.score(first, 90, None)
    for mid in (first, later):
        assert client.post(f"members/{mid}/archive", headers=scene.admin).status_code == 200
    assert [e["member"]["id"] for e in scene.evaluations()] == [first]
    assert client.post(f"members/{later}/restore", headers=scene.admin).status_code == 200
    assert sorted(e["member"]["id"] for e in scene.evaluations()) == sorted([first, later])


def test_a_member_registered_after_the_opening_is_in_the_ranking_at_once(scene: Scene) -> None:
    """No read syncs: the registration itself made the evaluation, so the ranking has it."""
    client = scene.client
    scene.create_period()
    first = make_member(scene.community, unit_org_id=scene.unit, name="甲", reported_on=REPORTED)
    scene.open()
    body = {
        "name": "开考后登记",
        "gender": "female",
        "category": "in_service",
        "unit_org_id": scene.unit,
        "community_org_id": scene.community,
        "reported_on": "2017-03-01",
    }
    created = client.post("members", json=body, headers=scene.admin)
    assert created.status_code == 201, created.text
    ranking = client.get(
        f"evaluation-periods/{scene.period}/ranking", params={"unit_org_id": scene.unit}, headers=scene.unit_admin
    )
    assert ranking.status_code == 200, ranking.text
    assert ranking.json()["member_count"] == 2
    assert {item["member"]["id"] for item in ranking.json()["items"]} == {first, created.json()["id"]}


# --- the worked example ------------------------------------------------------------------------


def test_worked_example_seven_members_of_one_unit(scene: Scene) -> None:
    """Weight 0.3, share 1/3 → floor(7/3) = 2 优秀 places. Computed by hand:

    | member | community | unit | final                         | rank | grade                     |
    | A      | 95        | 92   | 28.5 + 64.4  = 92.9           | 1    | 优秀 (recommended)        |
    | B      | 88        | 95   | 26.4 + 66.5  = 92.9           | 2    | 优秀 (recommended)        |
    | C      | 100       | 88   | 30 + 61.6    = 91.6           | 3    | 合格 (over the share)     |
    | D      | 90        | 90   | 27 + 63      = 90.0           | 4    | 基本合格 (never reported) |
    | E      | 80        | 75.5 | 24 + 52.85   = 76.85 → 76.9   | 5    | 合格                      |
    | F      | 60        | 60   | 60.0                          | 6    | 基本合格                  |
    | G      | 59.5      | 59.5 | 59.5                          | 7    | 不合格                    |

    A and B tie on the final score; A ranks first on the community score. D is not a candidate
    for 优秀 (vetoed first), so the candidates are A, B, C and C falls outside the two places.
    """
    scene.create_period()
    table = {
        "A": (95, 92, date(2017, 3, 1)),
        "B": (88, 95, date(2016, 5, 1)),
        "C": (100, 88, date(2017, 12, 31)),
        "D": (90, 90, None),
        "E": (80, 75.5, date(2017, 1, 1)),
        "F": (60, 60, date(2017, 1, 1)),
        "G": (59.5, 59.5, date(2017, 1, 1)),
    }
    ids = {
        name: make_member(scene.community, unit_org_id=scene.unit, name=name, reported_on=rep)
        for name, (_, _, rep) in table.items()
    }
    scene.open()
    for name, (c, u, _) in table.items():
        scene.score(ids[name], c, u, opinion=f"{name}的社区意见")

    provisional = scene.client.get(
        f"evaluation-periods/{scene.period}/ranking", params={"unit_org_id": scene.unit}, headers=scene.unit_admin
    ).json()
    assert provisional["provisional"] is True

    r = scene.finalize()
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "finalized"
    with unit_of_work() as session:  # third-party systems hear of it through the outbox
        events = session.execute(select(WebhookEvent)).scalars().all()
        assert [(e.event_type, e.payload["evaluation_period_id"]) for e in events] == [
            ("evaluation_period.finalized", scene.period)
        ]

    ranking = scene.client.get(
        f"evaluation-periods/{scene.period}/ranking", params={"unit_org_id": scene.unit}, headers=scene.unit_admin
    ).json()
    assert ranking["provisional"] is False
    assert ranking["member_count"] == 7 and ranking["excellent_quota"] == 2
    got = [
        (
            row["member"]["name"],
            row["rank"],
            row["final_score"],
            row["grade"],
            row["recommended_for_award"],
            row["vetoed"],
        )
        for row in ranking["items"]
    ]
    assert got == [
        ("A", 1, 92.9, "excellent", True, False),
        ("B", 2, 92.9, "excellent", True, False),
        ("C", 3, 91.6, "qualified", False, False),
        ("D", 4, 90.0, "basically_qualified", False, True),
        ("E", 5, 76.9, "qualified", False, False),
        ("F", 6, 60.0, "basically_qualified", False, False),
        ("G", 7, 59.5, "unqualified", False, False),
    ]
    # The provisional ranking before finalization said the same.
    assert [(r["member"]["name"], r["grade"]) for r in provisional["items"]] == [(g[0], g[3]) for g in got]
    # Stored on the evaluations too, and filterable.
    excellent = scene.evaluations(grade="excellent")
    assert sorted(e["member"]["name"] for e in excellent) == ["A", "B"]
    assert all(e["status"] == "finalized" for e in scene.evaluations())

    # The export: the sheet for the unit's party committee, with the community's opinions.
    export = scene.client.get(
        f"evaluation-periods/{scene.period}/export", params={"unit_org_id": scene.unit}, headers=scene.unit_admin
    )
    assert export.status_code == 200, export.text
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(export.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    header = rows[2]
    assert header[:5] == ("名次", "姓名", "最终得分", "社区评分", "单位评分")
    assert "社区意见" in header and "推荐评优" in header
    first = dict(zip(header, rows[3], strict=True))
    assert first["姓名"] == "A" and first["名次"] == 1 and first["最终得分"] == 92.9
    assert first["等级"] == "优秀" and first["推荐评优"] == "是" and first["社区意见"] == "A的社区意见"
    assert first["报到履职（30）"] == 30
    assert [r[1] for r in rows[3:]] == ["A", "B", "C", "D", "E", "F", "G"]


# --- the 优秀 share and ties at the cut ---------------------------------------------------------


def test_tie_at_the_cut_nobody_tied_keeps_excellent(scene: Scene) -> None:
    """Six members, share 1/3 → 2 places. P is clearly first; Q and R are equal on the final,
    community and unit scores and stand at places 2 and 3: neither keeps 优秀."""
    scene.create_period()
    scores = {"P": (98, 98), "Q": (95, 95), "R": (95, 95), "S": (70, 70), "T": (70, 70), "U": (65, 65)}
    ids = {n: make_member(scene.community, unit_org_id=scene.unit, name=n, reported_on=REPORTED) for n in scores}
    scene.open()
    for n, (c, u) in scores.items():
        scene.score(ids[n], c, u)
    assert scene.finalize().status_code == 200
    ranking = scene.client.get(
        f"evaluation-periods/{scene.period}/ranking", params={"unit_org_id": scene.unit}, headers=scene.admin
    ).json()
    got = {r["member"]["name"]: (r["rank"], r["grade"], r["recommended_for_award"]) for r in ranking["items"]}
    assert got == {
        "P": (1, "excellent", True),
        "Q": (2, "qualified", False),
        "R": (2, "qualified", False),
        "S": (4, "basically_qualified", False),
        "T": (4, "basically_qualified", False),
        "U": (6, "basically_qualified", False),
    }


def test_tie_broken_by_community_then_unit_score() -> None:
    scheme = grading.Scheme(90, 75, 60, 1, 3)
    rows = [
        grading.Scored(1, 929, 950, 920, False),  # same final as 2, higher community score
        grading.Scored(2, 929, 880, 950, False),
        grading.Scored(3, 500, 500, 500, False),
    ]
    out = grading.grade_unit(rows, scheme)  # quota floor(3/3) = 1
    assert out[1] == grading.Outcome(1, grading.EvaluationGrade.excellent, True)
    assert out[2] == grading.Outcome(2, grading.EvaluationGrade.qualified, False)
    # Everyone fits when the tied members are all within the quota.
    tied = [grading.Scored(i, 950, 950, 950, False) for i in (1, 2)] + [
        grading.Scored(i, 500, 500, 500, False) for i in (3, 4, 5, 6)
    ]
    out = grading.grade_unit(tied, scheme)  # quota 2
    assert [out[i].grade for i in (1, 2)] == [grading.EvaluationGrade.excellent] * 2


def test_veto_caps_at_basically_qualified(scene: Scene) -> None:
    """Never reported, or reported only after the period: at most 基本合格; a low score stays lower."""
    scene.create_period()
    never = make_member(scene.community, unit_org_id=scene.unit, name="未报到", reported_on=None)
    late = make_member(scene.community, unit_org_id=scene.unit, name="期后报到", reported_on=date(2018, 1, 2))
    low = make_member(scene.community, unit_org_id=scene.unit, name="低分未报到", reported_on=None)
    ok = make_member(scene.community, unit_org_id=scene.unit, name="已报到", reported_on=date(2017, 12, 31))
    scene.open()
    scene.score(never, 80, 80)
    scene.score(late, 95, 95)
    scene.score(low, 50, 50)
    scene.score(ok, 80, 80)
    assert scene.finalize().status_code == 200
    grades = {e["member"]["name"]: (e["grade"], e["vetoed"]) for e in scene.evaluations()}
    assert grades == {
        "未报到": ("basically_qualified", True),
        "期后报到": ("basically_qualified", True),
        "低分未报到": ("unqualified", True),
        "已报到": ("qualified", False),
    }


def test_no_veto_when_the_scheme_has_none(scene: Scene) -> None:
    scene.create_period(vetoes=[])
    m = make_member(scene.community, unit_org_id=scene.unit, reported_on=None)
    scene.open()
    scene.score(m, 80, 80)
    assert scene.finalize().status_code == 200
    assert scene.evaluation_of(m)["grade"] == "qualified"


# --- finalize, edits after it, reopen ----------------------------------------------------------


def test_finalize_refused_while_scores_are_missing(scene: Scene) -> None:
    scene.create_period()
    done = make_member(scene.community, unit_org_id=scene.unit, name="甲", reported_on=REPORTED)
    half = make_member(scene.community, unit_org_id=scene.unit, name="乙", reported_on=REPORTED)
    none = make_member(scene.community, unit_org_id=scene.unit, name="丙", reported_on=REPORTED)
    scene.open()
    scene.score(done, 90, 90)
    scene.score(half, 90, None)
    body = assert_problem(scene.finalize(), 409, "scores_missing")
    ids = {m: scene.evaluation_of(m)["id"] for m in (half, none)}
    assert sorted(body["errors"], key=lambda e: e["field"]) == sorted(
        [
            {"field": f"evaluations.{ids[half]}", "message": "乙：缺单位评分"},
            {"field": f"evaluations.{ids[none]}", "message": "丙：缺社区评分、单位评分"},
        ],
        key=lambda e: e["field"],
    )
    assert "2" in body["detail"]
    period = scene.client.get(f"evaluation-periods/{scene.period}", headers=scene.admin).json()
    assert period["status"] == "open"
    assert scene.evaluation_of(done)["grade"] is None


def test_a_period_says_what_each_caller_may_do_and_why_finalize_must_wait(scene: Scene, client: TestClient) -> None:
    draft = scene.create_period()
    assert (draft["allowed_actions"], draft["blocked_actions"]) == (["edit", "open", "ranking"], [])
    assert draft["progress"] == {"evaluations": 0, "community_scored": 0, "unit_scored": 0, "scored": 0}
    members = [make_member(scene.community, unit_org_id=scene.unit, reported_on=REPORTED) for _ in range(3)]
    other_unit = make_org("unit")
    make_member(scene.community, unit_org_id=other_unit, reported_on=REPORTED)  # not the unit admin's
    scene.open()
    scene.score(members[0], 90, 80)
    scene.score(members[1], 70, None)

    def read(headers: dict[str, str]) -> dict[str, Any]:
        response = client.get(f"evaluation-periods/{scene.period}", headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    # The platform admin runs the period: finalize is offered only with the reason it must wait.
    period = read(scene.admin)
    assert period["progress"] == {"evaluations": 4, "community_scored": 2, "unit_scored": 1, "scored": 1}
    assert period["allowed_actions"] == ["edit", "ranking"]
    assert period["blocked_actions"] == [
        {"action": "finalize", "reason": "还有 3 名党员的评分未完成（双方已评 1/4），评完后才能定档"}
    ]
    # The organisations' admins score but do not run the period: they only read its ranking, with
    # progress of their own; a member sees neither (its own result once finalized: /me/overview).
    unit_view = read(scene.unit_admin)
    assert (unit_view["allowed_actions"], unit_view["blocked_actions"]) == (["ranking", "score"], [])
    assert read(scene.community_admin)["allowed_actions"] == ["ranking", "score"]
    member = scene.member_login(members[0])
    member_view = read(member)
    assert (member_view["allowed_actions"], member_view["blocked_actions"]) == ([], [])
    ranking_url = f"evaluation-periods/{scene.period}/ranking?unit_org_id={scene.unit}"
    assert_problem(client.get(ranking_url, headers=member), 403, "forbidden")
    assert client.get(ranking_url, headers=scene.unit_admin).status_code == 200
    assert unit_view["progress"] == {"evaluations": 3, "community_scored": 2, "unit_scored": 1, "scored": 1}
    listed = client.get("evaluation-periods", params={"status": "open"}, headers=scene.admin).json()["items"]
    assert [p["blocked_actions"] for p in listed] == [period["blocked_actions"]]

    # Once every score is in, finalize is offered; once finalized, only a reopen.
    scene.score(members[1], None, 75)
    scene.score(members[2], 60, 65)
    evaluations = scene.evaluations()
    last = next(e for e in evaluations if e["community_score"] is None or e["unit_score"] is None)
    scene.score(last["member"]["id"], 85, None)
    other_admin = headers_for(client, Role.unit_admin, other_unit)
    r = client.put(f"evaluations/{last['id']}/unit-score", json={"score": 88}, headers=other_admin)
    assert r.status_code == 200, r.text
    ready = read(scene.admin)
    assert (ready["allowed_actions"], ready["blocked_actions"]) == (["edit", "finalize", "ranking"], [])
    assert ready["progress"]["scored"] == ready["progress"]["evaluations"] == 4
    finalized = scene.finalize().json()
    assert (finalized["allowed_actions"], finalized["blocked_actions"]) == (["reopen", "ranking"], [])
    assert read(scene.unit_admin)["allowed_actions"] == ["ranking"]  # scores are locked once finalized
    # An API key of the platform may not reopen (a person must): it is not offered.
    key = api_key_headers(client, scene.admin, ["evaluations:read"])
    assert read(key)["allowed_actions"] == ["ranking"]


def test_edits_after_finalize_are_refused_and_reopen_is_audited(scene: Scene, client: TestClient) -> None:
    scene.create_period()
    m = make_member(scene.community, unit_org_id=scene.unit, reported_on=REPORTED)
    scene.open()
    scene.score(m, 92, 95)
    assert_problem(
        client.post(f"evaluation-periods/{scene.period}/finalize", headers=scene.unit_admin), 403, "forbidden"
    )
    assert scene.finalize().status_code == 200
    eid = scene.evaluation_of(m)["id"]
    assert_problem(
        client.put(f"evaluations/{eid}/unit-score", json={"score": 50}, headers=scene.unit_admin),
        409,
        "period_finalized",
    )
    assert_problem(
        client.put(
            f"evaluations/{eid}/community-score",
            json={"points": points_for(50), "opinion": "改"},
            headers=scene.community_admin,
        ),
        409,
        "period_finalized",
    )
    assert_problem(
        client.patch(f"evaluation-periods/{scene.period}", json={"name": "x"}, headers=scene.admin),
        409,
        "period_finalized",
    )
    assert_problem(scene.finalize(), 409, "period_not_open")

    url = f"evaluation-periods/{scene.period}/reopen"
    assert_problem(client.post(url, json={"reason": "单位申请复核"}, headers=scene.unit_admin), 403, "forbidden")
    assert_problem(client.post(url, json={}, headers=scene.admin), 422, "validation_error")
    r = client.post(url, json={"reason": "单位申请复核"}, headers=scene.admin)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "open" and r.json()["finalized_at"] is None
    assert_problem(client.post(url, json={"reason": "再来一次"}, headers=scene.admin), 409, "period_not_finalized")
    ev = scene.evaluation_of(m)
    assert ev["grade"] is None and ev["status"] == "scored" and ev["unit_score"] == 95.0
    with unit_of_work() as session:
        events = (
            session.execute(
                select(AuditEvent).where(
                    AuditEvent.entity == "evaluation_period", AuditEvent.entity_id == str(scene.period)
                )
            )
            .scalars()
            .all()
        )
        reopen = [e for e in events if "reason" in e.changes]
    assert len(reopen) == 1
    assert reopen[0].changes["reason"] == "单位申请复核"
    assert reopen[0].changes["status"] == ["finalized", "open"]
    assert reopen[0].actor_type == "user"
    # Scores may change again, and the period finalizes again.
    r = client.put(f"evaluations/{eid}/unit-score", json={"score": 70}, headers=scene.unit_admin)
    assert r.status_code == 200 and r.json()["final_score"] == 76.6  # 27.6 + 49
    assert scene.finalize().status_code == 200
    assert scene.evaluation_of(m)["grade"] == "qualified"


# --- evidence ----------------------------------------------------------------------------------


def test_evaluation_carries_evidence_for_the_period(scene: Scene) -> None:
    scene.create_period()
    m = make_member(scene.community, unit_org_id=scene.unit, reported_on=date(2017, 2, 1))
    with unit_of_work() as session:

        def record(ended: datetime, half: int, status: str) -> None:
            session.add(
                VolunteerRecord(
                    member_id=m,
                    content="清扫楼道",
                    started_at=ended,
                    ended_at=ended,
                    half_hours=half,
                    hours_source="entered",
                    organizer_org_id=scene.community,
                    recorded_by="user:1",
                    recorded_by_name="测试",
                    entry_deadline=date(2017, 12, 31),
                    status=status,
                )
            )

        record(datetime(2017, 6, 1, 10, tzinfo=UTC), 5, "approved")
        record(datetime(2017, 7, 1, 10, tzinfo=UTC), 4, "approved")
        record(datetime(2017, 7, 2, 10, tzinfo=UTC), 8, "pending")  # not approved: not counted
        record(datetime(2016, 12, 31, 15, tzinfo=UTC), 6, "approved")  # 2016-12-31 23:00 Shanghai
        record(datetime(2017, 12, 31, 16, 30, tzinfo=UTC), 6, "approved")  # 2018-01-01 00:30 Shanghai
        for kind, day in (("participation", 3), ("participation", 4), ("commendation", 5)):
            session.add(
                CommunityRecord(
                    member_id=m,
                    community_org_id=scene.community,
                    occurred_on=date(2017, 5, day),
                    kind=kind,
                    description="参加活动",
                    recorded_by="user:1",
                    recorded_by_name="社区",
                )
            )
        session.add(
            CommunityRecord(
                member_id=m,
                community_org_id=scene.community,
                occurred_on=date(2018, 1, 1),
                kind="criticism",
                description="期外",
                recorded_by="user:1",
                recorded_by_name="社区",
            )
        )
        for status in ("fulfilled", "claimed"):
            session.add(
                Wish(
                    community_org_id=scene.community,
                    resident_name="李大爷",
                    content="修理收音机",
                    kind="service",
                    status=status,
                    claimant_member_id=m,
                    claimed_at=datetime(2017, 8, 1, tzinfo=UTC),
                )
            )
    idle = make_member(scene.community, unit_org_id=scene.unit, reported_on=date(2017, 2, 1))
    scene.open()
    eid = scene.evaluation_of(m)["id"]
    r = scene.client.get(f"evaluations/{eid}", headers=scene.community_admin)
    assert r.status_code == 200 and r.headers["ETag"]
    assert r.json()["evidence"] == {
        "reported_on": "2017-02-01",
        "reported_in_period": True,
        "volunteer_hours": 4.5,
        "volunteer_record_count": 2,
        "community_records": [{"kind": "commendation", "count": 1}, {"kind": "participation", "count": 2}],
        "wishes_claimed": 2,
        "wishes_fulfilled": 1,
    }
    # The scoring grid reads a page's evidence at once: the same figures, and for a member with
    # nothing in the period, zeros.
    idle_eid = scene.evaluation_of(idle)["id"]
    url = f"evaluation-periods/{scene.period}/evidence"
    batch = scene.client.get(url, params={"evaluation_id": [idle_eid, eid]}, headers=scene.community_admin)
    assert batch.status_code == 200, batch.text
    assert [b["evaluation_id"] for b in batch.json()] == [idle_eid, eid]
    assert batch.json()[1]["evidence"] == r.json()["evidence"]
    assert (
        batch.json()[0]["evidence"]["volunteer_hours"] == 0 and batch.json()[0]["evidence"]["community_records"] == []
    )
    # Scoped in the query: another community's admin sees none of them; a wrong period, none either.
    stranger = headers_for(scene.client, Role.community_admin, make_org("community"))
    assert scene.client.get(url, params={"evaluation_id": [eid]}, headers=stranger).json() == []
    # Hostile input: nothing asked, too many, not numbers, an unknown period.
    assert_problem(scene.client.get(url, headers=scene.community_admin), 422, "validation_error")
    many = {"evaluation_id": list(range(1, 102))}
    assert_problem(scene.client.get(url, params=many, headers=scene.community_admin), 422, "validation_error")
    bad = scene.client.get(url, params={"evaluation_id": "x"}, headers=scene.community_admin)
    assert_problem(bad, 422, "validation_error")
    missing = scene.client.get("evaluation-periods/999999/evidence", params={"evaluation_id": eid}, headers=scene.admin)
    assert_problem(missing, 404, "not_found")


# --- who sees what -----------------------------------------------------------------------------


def test_each_roles_view(scene: Scene, client: TestClient) -> None:
    other_community = make_org("community")
    scene.create_period()
    mine = make_member(scene.community, unit_org_id=scene.unit, name="本社区党员", reported_on=REPORTED)
    elsewhere = make_member(other_community, unit_org_id=scene.unit, name="外社区党员", reported_on=REPORTED)
    self_headers = scene.member_login(mine)
    other_unit_admin = headers_for(client, Role.unit_admin, make_org("unit"))
    other_community_admin = headers_for(client, Role.community_admin, other_community)
    key = api_key_headers(client, scene.admin, ["evaluations:read"])
    key_without_scope = api_key_headers(client, scene.admin, ["members:read"])
    scene.open()
    scene.score(mine, 92, 90, opinion="积极参加社区活动")
    eid = scene.evaluation_of(mine)["id"]
    e2 = scene.evaluation_of(elsewhere)["id"]
    r = client.put(
        f"evaluations/{e2}/community-score",
        json={"points": points_for(80), "opinion": "一般"},
        headers=other_community_admin,
    )
    assert r.status_code == 200
    client.put(f"evaluations/{e2}/unit-score", json={"score": 80}, headers=scene.unit_admin)

    def names(headers: dict[str, str]) -> list[str]:
        return sorted(e["member"]["name"] for e in scene.evaluations(headers))

    # While open.
    assert names(scene.admin) == ["外社区党员", "本社区党员"]
    assert names(scene.unit_admin) == ["外社区党员", "本社区党员"]
    assert names(scene.community_admin) == ["本社区党员"]
    assert names(other_community_admin) == ["外社区党员"]
    assert names(other_unit_admin) == []
    assert names(self_headers) == []  # a member sees its own only after finalization
    assert names(key) == []  # API clients read finalized results only
    unit_view = client.get(f"evaluations/{eid}", headers=scene.unit_admin)
    assert unit_view.status_code == 200 and unit_view.json()["community_opinion"] == "积极参加社区活动"
    assert client.get(f"evaluations/{eid}", headers=scene.community_admin).status_code == 200
    for headers in (self_headers, key, other_unit_admin, other_community_admin):
        assert_problem(client.get(f"evaluations/{eid}", headers=headers), 404, "not_found")
    assert_problem(client.get(f"evaluations/{eid}", headers=key_without_scope), 403, "insufficient_scope")
    ranking_url = f"evaluation-periods/{scene.period}/ranking"
    assert_problem(client.get(ranking_url, params={"unit_org_id": scene.unit}, headers=key), 404, "not_found")
    assert_problem(client.get(ranking_url, params={"unit_org_id": scene.unit}, headers=self_headers), 403, "forbidden")
    assert_problem(
        client.get(ranking_url, params={"unit_org_id": scene.unit}, headers=other_unit_admin), 404, "not_found"
    )
    community_ranking = client.get(
        ranking_url, params={"unit_org_id": scene.unit}, headers=scene.community_admin
    ).json()
    assert [(r["member"]["name"], r["rank"]) for r in community_ranking["items"]] == [("本社区党员", 1)]
    assert community_ranking["member_count"] == 2

    assert scene.finalize().status_code == 200
    assert names(self_headers) == ["本社区党员"]
    own = client.get(f"evaluations/{eid}", headers=self_headers)
    assert own.status_code == 200
    # 90.6 reaches 优秀, but a unit of two has floor(2/3) = 0 places: 合格.
    assert own.json()["grade"] == "qualified" and own.json()["community_opinion"] == "积极参加社区活动"
    assert_problem(client.get(f"evaluations/{e2}", headers=self_headers), 404, "not_found")
    assert names(key) == ["外社区党员", "本社区党员"]
    assert client.get(f"evaluations/{eid}", headers=key).json()["final_score"] == 90.6
    key_ranking = client.get(ranking_url, params={"unit_org_id": scene.unit}, headers=key)
    assert key_ranking.status_code == 200 and len(key_ranking.json()["items"]) == 2
    # An API key can't write, nor a member.
    write_key = api_key_headers(client, scene.admin, ["evaluations:read"], organization_id=scene.unit)
    assert_problem(
        client.put(f"evaluations/{eid}/unit-score", json={"score": 1}, headers=write_key), 403, "insufficient_scope"
    )
    # Periods themselves are listed for every reader.
    listed = client.get("evaluation-periods", headers=self_headers).json()
    assert [p["id"] for p in listed["items"]] == [scene.period]


def test_list_filters(scene: Scene) -> None:
    other_community = make_org("community")
    scene.create_period()
    a = make_member(scene.community, unit_org_id=scene.unit, name="甲", reported_on=REPORTED)
    make_member(other_community, unit_org_id=scene.unit, name="乙", reported_on=REPORTED)
    scene.open()
    scene.score(a, 90, None)
    assert [e["member"]["name"] for e in scene.evaluations(community_org_id=scene.community)] == ["甲"]
    assert [e["member"]["name"] for e in scene.evaluations(status="pending")] == ["乙"]
    assert [e["member"]["name"] for e in scene.evaluations(status="community_scored")] == ["甲"]
    assert scene.evaluations(unit_org_id=other_community) == []
    assert [e["member"]["id"] for e in scene.evaluations(member_id=a)] == [a]
    assert scene.evaluations(member_id=a, status="pending") == []
    assert_problem(scene.client.get("evaluation-periods/999/evaluations", headers=scene.admin), 404, "not_found")
    assert_problem(scene.client.get("evaluations/999", headers=scene.admin), 404, "not_found")


def test_unscored_filter_lists_what_waits_for_the_callers_score(scene: Scene) -> None:
    scene.create_period()
    a, b, c = (make_member(scene.community, unit_org_id=scene.unit, name=n, reported_on=REPORTED) for n in "甲乙丙")
    scene.open()
    scene.score(a, 90, None)
    scene.score(b, None, 80)
    scene.score(c, 70, 75)

    def names(headers: dict[str, str], unscored: str) -> list[str]:
        return [e["member"]["name"] for e in scene.evaluations(headers, unscored=unscored)]

    # Each side sees what its own score still lacks, and the rest with unscored=false.
    assert names(scene.community_admin, "true") == ["乙"]
    assert names(scene.community_admin, "false") == ["丙", "甲"]
    assert names(scene.unit_admin, "true") == ["甲"]
    assert names(scene.unit_admin, "false") == ["丙", "乙"]
    # A platform admin scores nothing: nothing waits for it.
    assert names(scene.admin, "true") == []
    assert len(names(scene.admin, "false")) == 3
    # The desk's count is this list's total (GET /me/overview, one open period).
    overview = scene.client.get("me/overview", headers=scene.unit_admin).json()
    assert overview["admin"]["unscored_evaluations"] == 1
    assert_problem(
        scene.client.get(f"evaluation-periods/{scene.period}/evaluations?unscored=maybe", headers=scene.admin),
        422,
        "validation_error",
    )


def test_catching_up_is_safe_under_concurrent_callers(scene: Scene) -> None:
    """Several catch-ups (`ensure_evaluations`: members written outside the app) creating the
    missing evaluations at once: one row per member, no error."""
    import threading

    from gongjian.evaluation import syncing
    from gongjian.models import Evaluation

    scene.create_period()
    scene.open()
    for n in range(5):
        make_member(scene.community, unit_org_id=scene.unit, name=f"新党员{n}", reported_on=REPORTED)
    barrier = threading.Barrier(4, timeout=10)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            syncing.ensure_evaluations(scene.period)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with unit_of_work() as session:
        member_ids = (
            session.execute(select(Evaluation.member_id).where(Evaluation.period_id == scene.period)).scalars().all()
        )
    assert len(member_ids) == len(set(member_ids)) == 5


def test_reads_of_an_open_period_write_nothing(scene: Scene) -> None:
    """No read writes, refused or not (issue 18: the reads used to sync an open period's
    evaluations, after the caller's checks): a member (403 on the ranking, nothing listed), an API
    key (an open period is hidden from it), another unit's admin (404 on this unit's ranking) and
    the unit's own admin leave the period's evaluations as they were, though a member archived
    behind the app's back left one stale."""
    from gongjian.evaluation import syncing
    from gongjian.models import Evaluation

    client = scene.client
    scene.create_period()
    leaving = make_member(scene.community, unit_org_id=scene.unit, name="将归档党员", reported_on=REPORTED)
    own = make_member(scene.community, unit_org_id=scene.unit, name="本人", reported_on=REPORTED)
    member_headers = scene.member_login(own)
    key = api_key_headers(client, scene.admin, ["evaluations:read"])
    unit_key = api_key_headers(client, scene.admin, ["evaluations:read"], organization_id=scene.unit)
    other_unit_admin = headers_for(client, Role.unit_admin, make_org("unit"))
    scene.open()
    make_member(scene.community, unit_org_id=scene.unit, name="开考后转入党员", reported_on=REPORTED)
    with unit_of_work() as session:
        session.get_one(Member, leaving).status = "archived"

    def members_evaluated() -> set[int]:
        with unit_of_work() as session:
            stmt = select(Evaluation.member_id).where(Evaluation.period_id == scene.period)
            return set(session.execute(stmt).scalars())

    before = members_evaluated()
    url = f"evaluation-periods/{scene.period}"
    unit = {"unit_org_id": scene.unit}
    assert_problem(client.get(f"{url}/ranking", params=unit, headers=member_headers), 403, "forbidden")
    assert_problem(client.get(f"{url}/export", params=unit, headers=member_headers), 403, "forbidden")
    assert_problem(client.get(f"{url}/ranking", params=unit, headers=other_unit_admin), 404, "not_found")
    for headers in (key, unit_key):
        assert_problem(client.get(f"{url}/ranking", params=unit, headers=headers), 404, "not_found")
        assert_problem(client.get(f"{url}/export", params=unit, headers=headers), 404, "not_found")
    for headers in (member_headers, key, unit_key):
        assert scene.evaluations(headers) == []
    assert members_evaluated() == before
    # A reader who may see the period's evaluations writes nothing either: reads only read (the
    # member writes through the app keep them in step; this archive was written behind its back).
    assert {e["member"]["id"] for e in scene.evaluations(scene.unit_admin)} == members_evaluated() == before
    ranked = client.get(f"{url}/ranking", params=unit, headers=scene.unit_admin)
    assert ranked.status_code == 200 and members_evaluated() == before
    # The catch-up (and finalizing) brings them up to date.
    syncing.ensure_evaluations(scene.period)
    assert members_evaluated() != before
    assert leaving not in members_evaluated()
