"""A year entered afterwards from paper, with business dates, reports exactly as the same year
entered live (issue 17, item 4's acceptance).

The same year of one community is played twice over HTTP: once *live*, each request sent on its own
day with the app's clock set there (`clock_at`, the clock the demo loader replays 2017 with) and no
business date; once *backfilled*, every request sent today with the business dates an admin copies
from the paper records. The whole `/stats/annual` answer is compared for the year, the year before
and this year (only the community's own id and name differ).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from factories import headers_for, make_member, make_org, make_partnership
from factories.claims import load_categories
from gongjian.kit.calendar import at, local_today
from gongjian.models.base import clock_at
from gongjian.models.enums import OrganizationKind, Role

YEAR = 2025


class Year:
    """One community with its partner unit, played live (`backfill=False`) or from paper."""

    def __init__(self, client: TestClient, *, backfill: bool) -> None:
        self.client, self.backfill = client, backfill
        self.community = make_org(OrganizationKind.community)
        self.unit = make_org(OrganizationKind.unit)
        make_partnership(self.unit, self.community, start="2024-01-01")
        self.recorder = headers_for(client, Role.community_admin, self.community)
        self.approver = headers_for(client, Role.community_admin, self.community)
        self.unit_admin = headers_for(client, Role.unit_admin, self.unit)
        self.member = make_member(self.community, name="王志愿")

    @contextmanager
    def on(self, day: date, hour: int = 10, minute: int = 0) -> Iterator[None]:
        """Live: the app's clock at that local time. Backfilled: today, as it is."""
        with nullcontext() if self.backfill else clock_at(at(day, hour, minute)):
            yield

    def dated(self, field: str, day: date) -> dict[str, str]:
        """The business date the paper gives, sent only when backfilling."""
        return {field: day.isoformat()} if self.backfill else {}

    def post(self, path: str, body: dict[str, Any] | None, headers: dict[str, str], status: int = 200) -> Any:
        response = self.client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, response.text)
        return response.json()

    # --- the year ------------------------------------------------------------------------------

    def wish(
        self, registered: date, *, fulfilled: date | None = None, claimed: date | None = None, hour: int = 10
    ) -> int:
        body = {"resident_name": "刘奶奶", "content": "想要一台收音机", "kind": "goods"}
        with self.on(registered, hour, 30):
            wish = self.post("wishes", {**body, **self.dated("registered_on", registered)}, self.recorder, 201)
            self.post(f"wishes/{wish['id']}/verify", None, self.recorder)
            self.post(f"wishes/{wish['id']}/publish", None, self.recorder)
        if claimed is not None:
            with self.on(claimed):
                self.post(f"wishes/{wish['id']}/claim", {}, self.unit_admin)
        if fulfilled is not None:
            with self.on(fulfilled, 16):
                body = {"note": "已送到", **self.dated("fulfilled_on", fulfilled)}
                self.post(f"wishes/{wish['id']}/fulfil", body, self.unit_admin)
        return int(wish["id"])

    def need(self, posted: date, category: str) -> int:
        with self.on(posted):
            body = {"title": f"{category}需求", "category": category, "capacity": 2}
            item = self.post("service-items", body, self.recorder, 201)
            self.post(f"service-items/{item['id']}/publish", None, self.recorder)
        return int(item["id"])

    def claim(self, item_id: int, claimed: date, *, completed: date | None = None, withdrawn: bool = False) -> None:
        with self.on(claimed):
            body = {"note": "我单位认领", **self.dated("claimed_on", claimed)}
            claim = self.post(f"service-items/{item_id}/claims", body, self.unit_admin, 201)
        if completed is not None:
            with self.on(completed):
                self.post(f"claims/{claim['id']}/start", None, self.unit_admin)
                report = {"report": "已完成", **self.dated("completed_on", completed)}
                self.post(f"claims/{claim['id']}/complete", report, self.unit_admin)
                self.post(f"claims/{claim['id']}/verify", {"rating": 5}, self.recorder)
        if withdrawn:
            with self.on(claimed):
                self.post(f"claims/{claim['id']}/withdraw", {"reason": "人手不足"}, self.unit_admin)

    def concern(
        self,
        reported: date,
        *,
        hour: int = 10,
        due: date | None = None,
        escalated: date | None = None,
        resolved: date | None = None,
    ) -> None:
        with self.on(reported, hour):
            body: dict[str, Any] = {
                "category": "sanitation",
                "title": "楼道堆放杂物",
                "due_on": due and due.isoformat(),
            }
            concern = self.post("concerns", {**body, **self.dated("reported_on", reported)}, self.recorder, 201)
        if escalated is not None:
            with self.on(escalated):
                escalate = {
                    "escalated_to": "区城管局",
                    "due_on": date(escalated.year, 12, 31).isoformat(),
                    "note": "上报",
                }
                self.post(f"concerns/{concern['id']}/escalate", escalate, self.recorder)
        if resolved is not None:
            with self.on(resolved):
                note = {"note": "已清理", **self.dated("resolved_on", resolved)}
                self.post(f"concerns/{concern['id']}/resolve", note, self.recorder)

    def meeting(self, held: date, done: list[date | None]) -> None:
        with self.on(date(held.year, held.month, 1)):
            meeting = self.post("meetings", {"held_on": held.isoformat(), "theme": "环境整治"}, self.recorder, 201)
            topics = [
                self.post(f"meetings/{meeting['id']}/topics", {"title": f"难题{n}"}, self.recorder, 201)["id"]
                for n in (1, 2)
            ]
            tasks = []
            for n, _ in enumerate(done):
                body = {
                    "topic_id": topics[n % 2],
                    "owner_org_id": self.unit if n % 2 else self.community,
                    "description": "协调清运",
                    "due_on": date(held.year, held.month + 1, 28).isoformat(),
                }
                tasks.append((self.post("tasks", body, self.recorder, 201)["id"], n % 2))
        with self.on(held, 17):
            self.post(f"meetings/{meeting['id']}/close", None, self.recorder)
        for (task_id, by_unit), day in zip(tasks, done, strict=True):
            if day is not None:
                with self.on(day):
                    body = {"note": "已办结", **self.dated("done_on", day)}
                    self.post(f"tasks/{task_id}/complete", body, self.unit_admin if by_unit else self.recorder)

    def service(self, day: date) -> None:
        with self.on(date(day.year, day.month, 1)):
            activity = {
                "title": "学雷锋志愿服务",
                "kind": "volunteer_service",
                "community_org_id": self.community,
                "starts_at": at(day, 9).isoformat(),
                "ends_at": at(day, 12).isoformat(),
                "guest_count": 12,
            }
            self.post("activities", activity, self.recorder, 201)
        with self.on(day, 18):  # entered the same evening live; from paper, long after (late)
            record = {
                "member_id": self.member,
                "content": "清扫小区",
                "started_at": at(day, 9).isoformat(),
                "ended_at": at(day, 12).isoformat(),
                "hours": 3,
                "organizer_org_id": self.community,
            }
            entered = self.post("volunteer-records", record, self.recorder, 201)
            self.post(f"volunteer-records/{entered['id']}/approve", {}, self.approver)

    def honor(self, day: date) -> None:
        body = {
            "title": "文明社区",
            "awarding_body": "区委",
            "awarded_on": day.isoformat(),
            "level": "district",
            "recipient_kind": "team",  # a team's name: the same in both communities
            "team_name": "社区舞蹈队",
            "community_org_id": self.community,
        }
        with self.on(day):
            self.post("honors", body, self.recorder, 201)

    def play(self) -> None:
        d = date
        # The year before: a wish fulfilled in YEAR, a claim and a concern of that year only.
        self.wish(d(YEAR - 1, 12, 20), claimed=d(YEAR - 1, 12, 22), fulfilled=d(YEAR, 1, 20))
        self.claim(self.need(d(YEAR - 1, 12, 1), "volunteer"), d(YEAR - 1, 12, 10), completed=d(YEAR, 1, 8))
        self.concern(d(YEAR - 1, 12, 5), resolved=d(YEAR, 1, 3))
        # The year.
        self.wish(d(YEAR, 1, 10), claimed=d(YEAR, 2, 1), fulfilled=d(YEAR, 3, 5))
        self.wish(d(YEAR, 1, 10), claimed=d(YEAR, 2, 1), fulfilled=d(YEAR, 12, 30))
        self.wish(d(YEAR, 4, 2), claimed=d(YEAR, 4, 9))
        self.wish(d(YEAR, 6, 18))
        self.wish(d(YEAR, 12, 31), hour=23)  # 23:30 on New Year's Eve, Beijing time: still the year
        self.claim(self.need(d(YEAR, 1, 5), "volunteer"), d(YEAR, 2, 10), completed=d(YEAR, 4, 1))
        culture_need = self.need(d(YEAR, 5, 1), "culture_sports")
        self.claim(culture_need, d(YEAR, 5, 20), withdrawn=True)
        self.claim(culture_need, d(YEAR, 6, 2))
        self.concern(d(YEAR, 3, 10), resolved=d(YEAR, 3, 15))
        self.concern(d(YEAR, 5, 1), escalated=d(YEAR, 5, 6), resolved=d(YEAR, 7, 1))
        self.concern(d(YEAR, 11, 20), due=d(YEAR, 12, 10))  # never resolved: overdue today
        self.concern(d(YEAR, 12, 31), hour=23)
        self.meeting(d(YEAR, 4, 15), done=[d(YEAR, 5, 20), d(YEAR, 6, 10), None])
        self.meeting(d(YEAR, 9, 10), done=[d(YEAR, 10, 8), None])
        self.service(d(YEAR, 3, 5))
        self.honor(d(YEAR, 9, 1))

    def stats(self, year: int) -> dict[str, Any]:
        response = self.client.get(
            "stats/annual", params={"year": year, "community_id": self.community}, headers=self.recorder
        )
        assert response.status_code == 200, response.text
        body = dict(response.json())
        assert body.pop("community")["id"] == self.community
        return body


def test_a_year_backfilled_with_business_dates_reports_as_the_same_year_entered_live(client: TestClient) -> None:
    load_categories()
    live, paper = Year(client, backfill=False), Year(client, backfill=True)
    live.play()
    paper.play()
    this_year = local_today().year
    assert this_year > YEAR  # the backfilled rows were really entered later
    for year in (YEAR - 1, YEAR, this_year):
        assert paper.stats(year) == live.stats(year), year

    figures = live.stats(YEAR)
    assert figures["wishes"] == {"submitted": 5, "fulfilled": 3}
    assert figures["claims"]["total"] == 3
    assert {(c["category"], c["status"]): c["count"] for c in figures["claims"]["by_category_and_status"]} == {
        ("volunteer", "verified"): 1,
        ("culture_sports", "claimed"): 1,
        ("culture_sports", "withdrawn"): 1,
    }
    assert figures["concerns"] == {
        "reported": 4,
        "resolved": 2,
        "resolved_locally": 1,
        "escalated": 1,
        "open": 2,
        "overdue": 1,
    }
    meetings = figures["meetings"]
    assert (meetings["held"], meetings["topics"], meetings["tasks_done"], meetings["tasks_overdue"]) == (2, 4, 3, 2)
    assert figures["volunteer"] == {
        "collective_activities": 1,
        "participant_times": 12,
        "approved_hours": 3,
        "approved_records": 1,
        "activity_hours": 0,
        "neighbour_hours": 0,
    }
    assert figures["honors"]["count"] == 1
    before = live.stats(YEAR - 1)
    assert before["wishes"] == {"submitted": 1, "fulfilled": 0} and before["claims"]["total"] == 1
    assert before["concerns"]["reported"] == 1

    # The backfilled rows keep the real time beside the business date, and the audit the real time.
    wishes = client.get("wishes", params={"community_org_id": paper.community, "sort": "id"}, headers=paper.recorder)
    first = wishes.json()["items"][1]
    assert first["registered_on"] == f"{YEAR}-01-10" and first["fulfilled_on"] == f"{YEAR}-03-05"
    assert first["created_at"][:4] == str(this_year) and first["fulfilled_at"][:4] == str(this_year)
    lived = client.get("wishes", params={"community_org_id": live.community, "sort": "id"}, headers=live.recorder)
    assert lived.json()["items"][1]["created_at"].startswith(f"{YEAR}-01-10T10:30:00")
    assert lived.json()["items"][-1]["registered_on"] == f"{YEAR}-12-31"  # 23:30 +08:00 is 15:30 UTC
