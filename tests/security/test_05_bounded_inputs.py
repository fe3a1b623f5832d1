"""Finding 5: unbounded dates and nesting gave 500s.

The attack: `?starts_from=0001-01-01`, `?ended_until=9999-12-31`, an activity starting
`0001-01-01T00:00:00+14:00` (OverflowError when shifted to UTC), `skills` nested 900 levels deep
(RecursionError, ~200 KB of log per request), and, found by a longer schemathesis run, an annual
statistics xlsx of a community whose name holds a control character (openpyxl refused the cell).
The safe answer: every date and date-time input is bounded to the years 1900–2999 (422
`validation_error` naming the field), a JSON body nested deeper than 32 levels is refused before it
is parsed into a model (422 `nesting_too_deep`), the export writes the name without the character,
and bound SQL parameters (phone ciphertexts, password hashes) never reach the log.
"""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from factories import assert_problem, login, make_org, make_user, username_of
from gongjian.models.enums import Role


@pytest.fixture
def admin(http: httpx.Client) -> dict[str, str]:
    return login(http, username_of(make_user(Role.admin)))


def _fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body["errors"]}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("activities?starts_from=0001-01-01", "query.starts_from"),
        ("activities?starts_from=9999-12-31", "query.starts_from"),
        ("volunteer-records?ended_until=9999-12-31", "query.ended_until"),
        ("volunteer-records?ended_until=1899-12-31", "query.ended_until"),
    ],
)
def test_query_dates_outside_1900_2999_are_refused(
    http: httpx.Client, admin: dict[str, str], path: str, field: str
) -> None:
    body = assert_problem(http.get(path, headers=admin), 422, "validation_error")
    assert _fields(body) == {field}
    assert body["errors"][0]["message"] == "日期须在 1900 至 2999 年之间"


def test_the_bounds_themselves_are_accepted(http: httpx.Client, admin: dict[str, str]) -> None:
    response = http.get("activities?starts_from=1900-01-01&starts_until=2999-12-31", headers=admin)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("0001-01-01T00:00:00+14:00", "0001-01-01T02:00:00+14:00"),
        ("9999-12-31T20:00:00-14:00", "9999-12-31T23:59:59-14:00"),
        ("0001-01-01T00:00:00+14:00", "2020-01-01T00:00:00+08:00"),
    ],
)
def test_date_times_outside_1900_2999_are_refused(
    http: httpx.Client, admin: dict[str, str], starts_at: str, ends_at: str
) -> None:
    community = make_org("community")
    activity = {
        "organizer_org_id": community,
        "community_org_id": community,
        "title": "越界的活动",
        "kind": "volunteer_service",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "location": "社区广场",
    }
    body = assert_problem(http.post("activities", json=activity, headers=admin), 422, "validation_error")
    assert "body.starts_at" in _fields(body)


def _nested(depth: int) -> Any:
    value: Any = "木工"
    for _ in range(depth):
        value = [value]
    return value


def test_deeply_nested_json_is_refused_before_parsing(http: httpx.Client, admin: dict[str, str]) -> None:
    member = {"name": "嵌套", "gender": "female", "category": "retired", "community_org_id": make_org("community")}
    body = json.dumps({**member, "skills": _nested(900)})
    response = http.post("members", content=body, headers={**admin, "Content-Type": "application/json"})
    problem = assert_problem(response, 422, "nesting_too_deep")
    assert problem["detail"] == "JSON 嵌套不能超过 32 层"
    # Nesting within the limit reaches the model, which answers about the field as usual.
    response = http.post("members", json={**member, "skills": _nested(30)}, headers=admin)
    assert _fields(assert_problem(response, 422, "validation_error")) == {"body.skills.0"}


def test_brackets_inside_strings_do_not_count_as_nesting(http: httpx.Client, admin: dict[str, str]) -> None:
    member = {"name": "括号", "gender": "female", "category": "retired", "community_org_id": make_org("community")}
    skills = ["[[[[[[[[[[", "{{{{{{{{{{", "[[[[[[[[[[", "{{{{{{{{{{"]
    response = http.post("members", json={**member, "skills": skills}, headers=admin)
    assert response.status_code == 201, response.text


def test_annual_xlsx_of_a_community_named_with_a_control_character(http: httpx.Client, admin: dict[str, str]) -> None:
    community = {"name": "x\x1fy社区", "kind": "community", "code": "ctl1"}
    created = http.post("organizations", json=community, headers=admin)
    assert created.status_code == 201, created.text
    community = created.json()["id"]
    response = http.get(f"stats/annual?year=2464&format=xlsx&community_id={community}", headers=admin)
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet["A1"].value == "xy社区 2464 年度共驻共建工作统计"


def test_bound_sql_parameters_are_never_logged() -> None:
    from gongjian.db import get_engine

    assert get_engine().hide_parameters
