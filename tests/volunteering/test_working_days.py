"""The 10-working-day entry deadline on China's official calendar, and the platform's own table over
it (kit/calendar.py; `/calendar/days`).

The official 2026 schedule (国务院办公厅关于2026年部分节假日安排的通知), as the pinned
`chinesecalendar` 1.11.0 has it:

| holiday | days off                     | make-up working days (调休上班) |
|---------|------------------------------|----------------------------------|
| 元旦    | 01-01 (Thu) – 01-03 (Sat)    | 01-04 (Sun)                      |
| 春节    | 02-15 (Sun) – 02-23 (Mon)    | 02-14 (Sat), 02-28 (Sat)         |
| 清明节  | 04-04 (Sat) – 04-06 (Mon)    | —                                |
| 劳动节  | 05-01 (Fri) – 05-05 (Tue)    | 05-09 (Sat)                      |
| 端午节  | 06-19 (Fri) – 06-21 (Sun)    | —                                |
| 中秋节  | 09-25 (Fri) – 09-27 (Sun)    | —                                |
| 国庆节  | 10-01 (Thu) – 10-07 (Wed)    | 09-20 (Sun), 10-10 (Sat)         |
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import assert_problem, headers_for, make_member, make_org
from gongjian.kit.calendar import at
from gongjian.models.base import clock_at
from gongjian.models.enums import Role

# (the service's last day, the entry deadline, what Monday to Friday alone would have said)
DEADLINES = [
    # 元旦: the three days off, then the make-up Sunday 01-04 counts.
    (date(2025, 12, 31), date(2026, 1, 15), date(2026, 1, 14)),
    # 春节: the make-up Saturdays 02-14 and 02-28 count, the nine days off don't.
    (date(2026, 2, 10), date(2026, 3, 2), date(2026, 2, 24)),
    # 清明: Monday 04-06 is off.
    (date(2026, 3, 31), date(2026, 4, 15), date(2026, 4, 14)),
    # 劳动节: a service ending 2026-04-30 is due after the holiday (and the make-up Saturday 05-09), not on it.
    (date(2026, 4, 30), date(2026, 5, 18), date(2026, 5, 14)),
    # 中秋 and 国庆: the make-up Sunday 09-20 counts, 09-25 and 10-01…07 don't.
    (date(2026, 9, 18), date(2026, 10, 9), date(2026, 10, 2)),
    # 国庆: the make-up Saturday 10-10 counts.
    (date(2026, 9, 30), date(2026, 10, 20), date(2026, 10, 14)),
]


class World:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.community = make_org("community")
        self.recorder = headers_for(client, Role.community_admin, self.community)
        self.member = make_member(self.community)
        self.admin = headers_for(client, Role.admin)

    def record(self, ended: date) -> dict[str, Any]:
        body = {
            "member_id": self.member,
            "content": "社区环境整治",
            "started_at": at(ended, 9).isoformat(),
            "ended_at": at(ended, 11).isoformat(),
            "hours": 2,
            "organizer_org_id": self.community,
        }
        response = self.client.post("volunteer-records", json=body, headers=self.recorder)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def mark(self, day: str, working: bool, name: str, status: int = 201) -> dict[str, Any]:
        response = self.client.put(
            f"calendar/days/{day}", json={"is_working_day": working, "name": name}, headers=self.admin
        )
        assert response.status_code == status, response.text
        return dict(response.json())


@pytest.fixture
def w(client: TestClient) -> World:
    return World(client)


@pytest.mark.parametrize(("ended", "deadline", "weekdays_only"), DEADLINES, ids=[str(d[0]) for d in DEADLINES])
def test_the_deadline_counts_official_holidays_and_make_up_days(
    client: TestClient, w: World, ended: date, deadline: date, weekdays_only: date
) -> None:
    record = w.record(ended)
    assert record["entry_deadline"] == deadline.isoformat() != weekdays_only.isoformat()
    assert record["entry_deadline_basis"] == "official"
    read = client.get(f"volunteer-records/{record['id']}", headers=w.recorder).json()
    assert (read["entry_deadline"], read["entry_deadline_basis"]) == (deadline.isoformat(), "official")


def test_the_official_2026_schedule_as_the_api_reads_it(client: TestClient, w: World) -> None:
    def day(iso: str) -> tuple[bool, str, str]:
        body = client.get(f"calendar/days/{iso}", headers=w.recorder).json()
        return body["is_working_day"], body["name"], body["source"]

    assert day("2026-02-14") == (True, "春节调休上班", "official")  # a Saturday
    assert day("2026-02-16") == (False, "春节", "official")  # a Monday
    assert day("2026-04-06") == (False, "清明", "official")
    assert day("2026-05-01") == (False, "劳动节", "official")
    assert day("2026-05-09") == (True, "劳动节调休上班", "official")
    assert day("2026-09-20") == (True, "国庆节调休上班", "official")  # a Sunday
    assert day("2026-10-07") == (False, "国庆节", "official")
    assert day("2026-10-10") == (True, "国庆节调休上班", "official")
    assert day("2026-10-12") == (True, "", "official")
    assert day("2026-10-11") == (False, "周末", "official")


def test_the_platform_table_overrides_the_official_calendar(client: TestClient, w: World) -> None:
    # A day off the package doesn't know (say a local arrangement): May Day's deadline moves a day.
    marked = w.mark("2026-05-06", False, "临时休息")
    assert marked["source"] == "platform" and marked["official"] == {"is_working_day": True, "name": ""}
    record = w.record(date(2026, 4, 30))
    assert (record["entry_deadline"], record["entry_deadline_basis"]) == ("2026-05-19", "platform")
    # The make-up Saturday 10-10 declared off: the National Day deadline moves to the next working day.
    w.mark("2026-10-10", False, "不调休")
    assert w.record(date(2026, 9, 30))["entry_deadline"] == "2026-10-21"
    # Removed again: the official calendar decides.
    assert client.delete("calendar/days/2026-10-10", headers=w.admin).status_code == 204
    again = w.record(date(2026, 9, 29))
    assert (again["entry_deadline"], again["entry_deadline_basis"]) == ("2026-10-19", "official")
    # A record keeps the deadline it was given.
    kept = client.get(f"volunteer-records/{record['id']}", headers=w.recorder).json()
    assert (kept["entry_deadline"], kept["entry_deadline_basis"]) == ("2026-05-19", "platform")


def test_a_year_the_package_does_not_know_counts_weekdays_until_the_platform_enters_it(
    client: TestClient, w: World
) -> None:
    first, last = (
        client.get("calendar", headers=w.recorder).json()[k] for k in ("official_first_year", "official_last_year")
    )
    assert (first, last) == (2004, 2026)
    unknown = client.get("calendar/days/2027-02-08", headers=w.recorder).json()
    assert unknown == {
        "day": "2027-02-08",
        "is_working_day": True,
        "name": "",
        "source": "weekdays",
        "official": None,
        "entry": None,
    }
    with clock_at(at(date(2027, 3, 1), 9)):
        guessed = w.record(date(2027, 2, 3))
    assert (guessed["entry_deadline"], guessed["entry_deadline_basis"]) == ("2027-02-17", "weekdays")
    # The platform enters 2027's Spring Festival (02-06 to 02-14 off, say, with Saturday 02-20 worked).
    for n in range(6, 15):
        w.mark(f"2027-02-{n:02d}", False, "春节")
    w.mark("2027-02-20", True, "春节调休上班")
    with clock_at(at(date(2027, 3, 1), 9)):
        entered = w.record(date(2027, 2, 3))
    # 02-04, 02-05, then 02-15 … 02-19, 02-20 (Saturday, worked), 02-22, 02-23.
    assert (entered["entry_deadline"], entered["entry_deadline_basis"]) == ("2027-02-23", "platform")
    # The rest of a year the platform keeps counts as an ordinary week of that calendar.
    assert client.get("calendar/days/2027-03-06", headers=w.recorder).json()["source"] == "platform"
    assert client.get("calendar/days/2027-03-06", headers=w.recorder).json()["is_working_day"] is False


def test_days_outside_the_calendar_window_are_refused(client: TestClient, w: World) -> None:
    assert_problem(client.get("calendar/days/1899-12-31", headers=w.recorder), 422, "validation_error")
    assert_problem(client.get("calendar/days/2026-02-30", headers=w.recorder), 422, "validation_error")
    assert_problem(client.get("calendar/days/20260101", headers=w.recorder), 422, "validation_error")
