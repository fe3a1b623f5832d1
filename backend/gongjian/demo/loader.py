"""Creates the demo community through the service layer — the same rules as the API, no raw inserts.

2017 is replayed with the clock of its own time (`clock_at`): each record is created at the moment
a real user would have created it, so the services' rules of that time apply (a volunteer record
is entered two days after the service, within its 10 working days, and is not late; a wish is
fulfilled after it was claimed; tasks are completed before their due dates, or left undone and so
read as overdue today). Audit events therefore carry 2017 times too; their actor is the demo
account that acted, or "系统" for the loader's own steps.

Around 老虎头 sits a district (issue 17): 黄石港区 with 老虎头's street 江北街道, and a second street
花湖街道 whose two communities of different sizes get a 2017 of their own (`neighbours`), so the
street's and the district's side-by-side figures compare something. 老虎头's own year is unchanged.

Only the demo logins hash a password. Running it again finds the community by its code and
changes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gongjian.activities import service as activities
from gongjian.activities import signups as activity_signups
from gongjian.activities.schemas import ActivityCreate, AttendanceUpdate, SignupCreate
from gongjian.auth.passwords import require_acceptable
from gongjian.claims import catalogue
from gongjian.claims import claiming as claims
from gongjian.claims.schemas import AdoptionCreate, ClaimComplete, ClaimCreate, ClaimVerify
from gongjian.concerns import service as concerns
from gongjian.concerns.schemas import ConcernCreate, ConcernEscalate
from gongjian.db import unit_of_work
from gongjian.demo import data
from gongjian.honors import service as honors
from gongjian.honors.schemas import HonorCreate
from gongjian.kit.calendar import at
from gongjian.kit.principal import SYSTEM, Principal
from gongjian.meetings import service as meetings
from gongjian.meetings import tasks as meeting_tasks
from gongjian.meetings.schemas import MeetingCreate, MeetingUpdate, TaskCreate, TopicCreate
from gongjian.members import service as members
from gongjian.members.schemas import MemberCreate
from gongjian.models import Organization
from gongjian.models.base import clock_at
from gongjian.models.enums import (
    ActivityKind,
    ActivityStatus,
    ActorType,
    ConcernCategory,
    ConcernReporterKind,
    Gender,
    HonorLevel,
    HonorRecipientKind,
    MeetingKind,
    MemberCategory,
    OrganizationKind,
    Role,
    TaskStatus,
    WishKind,
)
from gongjian.organizations import service as organizations
from gongjian.organizations.schemas import OrganizationCreate, PartnershipCreate
from gongjian.users import service as users
from gongjian.users.schemas import UserCreate
from gongjian.volunteering import records as volunteering
from gongjian.volunteering.schemas import RecordCreate
from gongjian.wishes import service as wishes
from gongjian.wishes.schemas import WishClaim, WishClose, WishCreate, WishFulfil

PASSWORD_ENV = "GONGJIAN_DEMO_PASSWORD"
LOGINS = (
    ("lht-admin", "老虎头社区党委管理员", Role.community_admin, "community"),
    ("court-admin", "市中院机关党委管理员", Role.unit_admin, "court"),
    ("demo-member", "陈立新", Role.member, "court"),
    ("district-admin", "黄石港区委组织部管理员", Role.district_admin, "district"),
    ("street-admin", "江北街道党工委管理员", Role.street_admin, "street"),
)


@dataclass
class Login:
    username: str
    role: Role
    password: str | None  # None when it came from the environment (not printed)


@dataclass
class DemoResult:
    created: bool
    community_id: int
    court_id: int
    logins: list[Login] = field(default_factory=list)


class _Demo:
    s: Session

    def __init__(self, password: str | None) -> None:
        self.password = password
        self.logins: list[Login] = []
        self.officers: list[int] = []
        self.community_members: list[int] = []
        self.offered: dict[str | None, int] = {}

    # --- organisations, accounts, members ------------------------------------------------------

    def organisations(self) -> None:
        with clock_at(at(date(2016, 12, 20), 9)):
            district = OrganizationCreate(kind=OrganizationKind.district, **data.DISTRICT)
            self.district = organizations.create_organization(self.s, SYSTEM, district).id
            street = OrganizationCreate(kind=OrganizationKind.street, parent_id=self.district, **data.STREET)
            self.street = organizations.create_organization(self.s, SYSTEM, street).id
            court = OrganizationCreate(kind=OrganizationKind.unit, parent_id=self.street, **data.COURT)
            community = OrganizationCreate(kind=OrganizationKind.community, parent_id=self.street, **data.COMMUNITY)
            self.court = organizations.create_organization(self.s, SYSTEM, court).id
            self.community = organizations.create_organization(self.s, SYSTEM, community).id
            partnership = PartnershipCreate(
                unit_org_id=self.court,
                community_org_id=self.community,
                start_date=date(2017, 1, 1),
                agreement=data.AGREEMENT,
            )
            organizations.create_partnership(self.s, SYSTEM, partnership)

    def accounts(self) -> None:
        orgs = {"community": self.community, "court": self.court, "district": self.district, "street": self.street}
        principals: dict[str, Principal] = {}
        for username, display, role, org in LOGINS:
            body = UserCreate(
                username=username, display_name=display, role=role, organization_id=orgs[org], password=self.password
            )
            created = users.create_user(self.s, SYSTEM, body)
            self.logins.append(Login(username, role, created.generated_password))
            principals[username] = Principal(ActorType.user, created.id, display, role, orgs[org])
        self.lht = principals["lht-admin"]
        self.court_admin = principals["court-admin"]
        self.member_login = principals["demo-member"]

    def people(self) -> None:
        def add(name: str, gender: str, category: MemberCategory, n: int, **extra: object) -> int:
            values: dict[str, object] = {
                "name": name,
                "gender": Gender(gender),
                "category": category,
                "community_org_id": self.community,
                "joined_party_on": date(1975 + n % 35, 1 + n % 12, 1),
                "reported_on": date(2016, 3 + n % 9, 10),
                **extra,
            }
            return members.create_member(self.s, SYSTEM, MemberCreate.model_validate(values)).id

        with clock_at(at(date(2017, 1, 5), 9)):
            for n, (name, gender) in enumerate(data.OFFICERS):
                extra: dict[str, object] = {"unit_org_id": self.court, "volunteer_number": f"HSZY-{n + 1:03d}"}
                if name == "陈立新":
                    extra["user_id"] = self.member_login.id
                self.officers.append(add(name, gender, MemberCategory.in_service, n, **extra))
            groups = (
                (data.RETIRED, MemberCategory.retired),
                (data.UNEMPLOYED, MemberCategory.unemployed),
                (data.MOBILE, MemberCategory.mobile),
                (data.TWO_NEW, MemberCategory.two_new),
            )
            for people, category in groups:
                for n, (name, gender) in enumerate(people):
                    self.community_members.append(add(name, gender, category, n + 20))

    # --- activities ----------------------------------------------------------------------------

    def activity(
        self,
        organiser: Principal,
        kind: ActivityKind,
        title: str,
        day: date,
        *,
        hours: int = 3,
        member_ids: list[int] | tuple[int, ...] = (),
        guests: int = 0,
        counts_hours: bool = False,
        description: str = "",
        start_hour: int = 9,
    ) -> None:
        starts, ends = at(day, start_hour), at(day, start_hour + hours)
        with clock_at(starts - timedelta(days=7)):
            body = ActivityCreate(
                title=title,
                kind=kind,
                community_org_id=self.community,
                starts_at=starts,
                ends_at=ends,
                location="老虎头社区",
                counts_hours=counts_hours,
                guest_count=guests,
                description=description,
            )
            activity_id = activities.create_activity(self.s, organiser, body).id
            activities.transition(self.s, organiser, activity_id, ActivityStatus.open)
            signups = [
                activity_signups.sign_up(self.s, SYSTEM, activity_id, SignupCreate(member_id=m)).id for m in member_ids
            ]
        with clock_at(ends + timedelta(hours=1)):
            attendance = AttendanceUpdate(checked_in_at=starts, checked_out_at=ends)
            for signup_id in signups:
                activity_signups.mark_attendance(self.s, organiser, activity_id, signup_id, attendance)
            activities.transition(self.s, organiser, activity_id, ActivityStatus.finished)
        if counts_hours:
            with clock_at(ends + timedelta(days=2)):
                for member_id in member_ids:
                    record = volunteering.create_record(
                        self.s, SYSTEM, RecordCreate(member_id=member_id, activity_id=activity_id)
                    )
                    volunteering.review(self.s, organiser, record.id, True, "")

    def activities(self) -> None:
        everyone = self.officers + self.community_members
        for n, (day, title, registered, guests, description) in enumerate(data.COLLECTIVE_VOLUNTEERING):
            chosen = everyone[n : n + registered] if n + registered <= len(everyone) else everyone[-registered:]
            self.activity(
                self.court_admin,
                ActivityKind.volunteer_service,
                title,
                day,
                member_ids=chosen,
                guests=guests,
                counts_hours=True,
                description=description,
            )
        for n, (kind, day, title, description) in enumerate(data.LEGAL_EVENTS):
            officers = self.officers[n * 3 : n * 3 + 10]
            self.activity(
                self.court_admin, ActivityKind(kind), title, day, member_ids=officers, description=description
            )
        for day, title, description in data.VISITS:
            self.activity(
                self.court_admin, ActivityKind.visit, title, day, member_ids=self.officers[:6], description=description
            )
        for day, title, performers in data.PERFORMANCES:
            self.activity(
                self.lht,
                ActivityKind.performance,
                title,
                day,
                guests=performers,
                start_hour=19,
                hours=2,
                description=f"社区老年广场舞队、秧歌队表演，参演居民 {performers} 人。",
            )
        day, title, description = data.EXHIBITION
        self.activity(self.lht, ActivityKind.exhibition, title, day, hours=8, description=description)
        first = date(2017, 3, 4)
        for n in range(data.BASKETBALL_MATCHES):
            players = [self.officers[(n + k) % len(self.officers)] for k in range(5)]
            self.activity(
                self.court_admin,
                ActivityKind.sports_match,
                f"共建篮球友谊赛（第 {n + 1} 场）",
                first + timedelta(days=14 * n),
                start_hour=15,
                hours=2,
                member_ids=players,
                guests=7,
                description="市中院篮球队对老虎头社区篮球队。",
            )

    # --- wishes, claims ------------------------------------------------------------------------

    def wishes(self) -> None:
        total = data.WISHES_FULFILLED + data.WISHES_PENDING
        for n in range(total):
            content, kind, value = data.WISH_TEMPLATES[n % len(data.WISH_TEMPLATES)]
            name = data.SURNAMES[n % len(data.SURNAMES)] + data.GIVEN[n % len(data.GIVEN)]
            day = date(2017, 1, 9) + timedelta(days=(n * 340) // total)
            with clock_at(at(day, 9)):
                body = WishCreate(resident_name=name, content=content, kind=WishKind(kind), estimated_value=value)
                wish_id = wishes.create_wish(self.s, self.lht, body).id
            if n >= data.WISHES_FULFILLED and n % 3 == 0:
                continue  # registered in late December, not yet verified
            with clock_at(at(day, 15)):
                wishes.verify_wish(self.s, self.lht, wish_id, None)
                wishes.publish_wish(self.s, self.lht, wish_id, None)
            if n >= data.WISHES_FULFILLED and n % 3 == 1:
                continue  # published, waiting to be claimed
            with clock_at(at(day + timedelta(days=1), 10)):
                claim = WishClaim() if n % 2 == 0 else WishClaim(member_id=self.officers[n % len(self.officers)])
                wishes.claim_wish(self.s, self.court_admin, wish_id, claim, None)
            if n >= data.WISHES_FULFILLED:
                continue  # claimed, being fulfilled
            with clock_at(at(day + timedelta(days=4), 16)):
                wishes.fulfil_wish(self.s, self.court_admin, wish_id, WishFulfil(note="已送达居民家中"), None)
            if n % 3 == 0:
                with clock_at(at(day + timedelta(days=6), 10)):
                    wishes.close_wish(self.s, self.lht, wish_id, WishClose(feedback="居民表示满意"), None)

    def catalogue(self) -> None:
        """老虎头 adopts its needs from the catalogue, the court offers the resources it will give."""
        with clock_at(at(data.CATALOGUE_DAY, 9)):
            catalogue.adopt(self.s, self.lht, AdoptionCreate(template_codes=data.ADOPTED_NEEDS))
            offered = [code for code, _, _ in data.CLAIMED_RESOURCES]
            items = catalogue.adopt(self.s, self.court_admin, AdoptionCreate(template_codes=offered)).items
            self.offered = {item.template_code: item.id for item in items}

    def claims(self) -> None:
        """老虎头 claims the resources its partner court offers; the court verifies the finished work.
        Its own needs stay open on the board for the court (and the demo's visitor) to claim."""
        for code, day, finished in data.CLAIMED_RESOURCES:
            item_id = self.offered[code]
            with clock_at(at(day, 10)):
                claim = claims.create_claim(self.s, self.lht, item_id, ClaimCreate(note="老虎头社区认领"))
                claims.start_claim(self.s, self.lht, claim.id, None)
            if not finished:
                continue
            with clock_at(at(day + timedelta(days=30), 10)):
                claims.complete_claim(self.s, self.lht, claim.id, ClaimComplete(report="已按计划完成"), None)
            with clock_at(at(day + timedelta(days=33), 10)):
                claims.verify_claim(
                    self.s, self.court_admin, claim.id, ClaimVerify(rating=5, comment="社区组织得力"), None
                )

    # --- meetings, concerns, honours -----------------------------------------------------------

    def meetings(self) -> None:
        owners = {"court": (self.court, self.court_admin), "community": (self.community, self.lht)}
        for kind, day, theme, topics in data.MEETINGS:
            with clock_at(at(day - timedelta(days=7), 9)):
                body = MeetingCreate(
                    kind=MeetingKind(kind),
                    held_on=day,
                    theme=theme,
                    attending_org_ids=[self.community, self.court],
                )
                meeting_id = meetings.create_meeting(self.s, self.lht, body).id
                created = [
                    (meetings.add_topic(self.s, self.lht, meeting_id, TopicCreate(title=title)).id, tasks)
                    for title, tasks in topics
                ]
            with clock_at(at(day, 17)):
                meetings.close_meeting(self.s, self.lht, meeting_id, None)
                minutes = f"会议围绕“{theme}”研究了 {len(topics)} 个难题，明确分工。"
                meetings.update_meeting(self.s, self.lht, meeting_id, MeetingUpdate(minutes=minutes), None)
                planned = []
                for topic_id, tasks in created:
                    for owner, text, due, done in tasks:
                        org_id, who = owners[owner]
                        body_task = TaskCreate(topic_id=topic_id, owner_org_id=org_id, description=text, due_on=due)
                        planned.append((meeting_tasks.create_task(self.s, self.lht, body_task).id, who, due, done))
            for task_id, who, due, done in planned:
                with clock_at(at(day + timedelta(days=3), 10)):
                    meeting_tasks.progress_task(self.s, who, task_id, TaskStatus.in_progress, "已着手办理", None)
                if done:
                    with clock_at(at(due - timedelta(days=2), 16)):
                        meeting_tasks.progress_task(self.s, who, task_id, TaskStatus.done, "已办结", None)

    def concerns(self) -> None:
        for category, title, reporter, name, day, outcome, body_name, note in data.CONCERNS:
            principal = {"resident": self.lht, "admin": self.court_admin, "member": self.member_login}[reporter]
            with clock_at(at(day, 10)):
                body = ConcernCreate(
                    community_org_id=self.community,
                    category=ConcernCategory(category),
                    title=title,
                    reporter_kind=ConcernReporterKind(reporter) if reporter != "member" else None,
                    resident_name=name,
                    due_on=day + timedelta(days=15),
                )
                concern_id = concerns.create_concern(self.s, principal, body).id
            with clock_at(at(day + timedelta(days=1), 10)):
                concerns.start_concern(self.s, self.lht, concern_id, "社区已受理，正在核实", None)
            if outcome.startswith("escalated"):
                with clock_at(at(day + timedelta(days=3), 10)):
                    escalate = ConcernEscalate(
                        escalated_to=body_name or "", due_on=day + timedelta(days=40), note="社区无力单独解决，上报协调"
                    )
                    concerns.escalate_concern(self.s, self.lht, concern_id, escalate, None)
            if note is not None:
                with clock_at(at(day + timedelta(days=12), 10)):
                    concerns.resolve_concern(self.s, self.lht, concern_id, note, None)

    def honours(self) -> None:
        for title, body_name, day, level, kind, team in data.HONOURS:
            with clock_at(at(day + timedelta(days=1), 9)):
                recipient = HonorRecipientKind(kind)
                honours_body = HonorCreate(
                    title=title,
                    awarding_body=body_name,
                    awarded_on=day,
                    level=HonorLevel(level),
                    recipient_kind=recipient,
                    recipient_org_id=self.community if recipient is HonorRecipientKind.community else None,
                    team_name=team,
                    community_org_id=self.community,
                )
                honors.create_honor(self.s, self.lht, honours_body)
        title, body_name, day, level = data.COURT_HONOUR
        with clock_at(at(day + timedelta(days=1), 9)):
            honours_body = HonorCreate(
                title=title,
                awarding_body=body_name,
                awarded_on=day,
                level=HonorLevel(level),
                recipient_kind=HonorRecipientKind.organization,
                recipient_org_id=self.court,
                community_org_id=self.community,
                note="2018 年 3 月中旬，黄石中院机关党委被市委组织部授予此称号。",
            )
            honors.create_honor(self.s, self.court_admin, honours_body)

    # --- the second street ---------------------------------------------------------------------

    def neighbours(self) -> None:
        """花湖街道 and its two communities: a 2017 of volunteering, performances, wishes, meetings
        and concerns, each community's in proportion to its `size`, entered by its own admin."""
        with clock_at(at(date(2016, 12, 20), 9)):
            street = OrganizationCreate(kind=OrganizationKind.street, parent_id=self.district, **data.SECOND_STREET)
            second_street = organizations.create_organization(self.s, SYSTEM, street).id
        for n, spec in enumerate(data.NEIGHBOURS):
            size = int(spec["size"])  # type: ignore[call-overload]
            with clock_at(at(date(2016, 12, 20), 10)):
                body = OrganizationCreate(
                    kind=OrganizationKind.community,
                    parent_id=second_street,
                    name=str(spec["name"]),
                    code=str(spec["code"]),
                    address=str(spec["address"]),
                )
                community = organizations.create_organization(self.s, SYSTEM, body).id
                display = f"{spec['name']}管理员"
                account = UserCreate(
                    username=str(spec["admin"]),
                    display_name=display,
                    role=Role.community_admin,
                    organization_id=community,
                    password=self.password,
                )
                created = users.create_user(self.s, SYSTEM, account)
                self.logins.append(Login(created.username, Role.community_admin, created.generated_password))
            admin = Principal(ActorType.user, created.id, display, Role.community_admin, community)
            self._neighbour_year(community, admin, size, seed=n)

    def _neighbour_year(self, community: int, admin: Principal, size: int, *, seed: int) -> None:
        with clock_at(at(date(2017, 1, 4), 9)):
            people = [
                members.create_member(
                    self.s,
                    SYSTEM,
                    MemberCreate.model_validate(
                        {
                            "name": data.SURNAMES[(seed * 7 + k) % len(data.SURNAMES)]
                            + data.GIVEN[k % len(data.GIVEN)],
                            "gender": Gender.female if k % 2 else Gender.male,
                            "category": MemberCategory.retired,
                            "community_org_id": community,
                            "joined_party_on": date(1970 + k % 30, 7, 1),
                            "reported_on": date(2016, 10, 10),
                        }
                    ),
                ).id
                for k in range(size * 5)
            ]
        for k in range(size * 3):
            day = date(2017, 2, 18) + timedelta(days=(k * 300) // (size * 3))
            title = data.NEIGHBOUR_VOLUNTEERING[k % len(data.NEIGHBOUR_VOLUNTEERING)]
            chosen = people[k % 3 :: 2][: size * 2]
            self._neighbour_activity(community, admin, ActivityKind.volunteer_service, title, day, chosen, size * 3)
        for k in range(size):
            day = date(2017, 4, 8) + timedelta(days=(k * 200) // size)
            self._neighbour_activity(community, admin, ActivityKind.performance, "社区文艺演出", day, [], size * 6)
        total = size * 10
        for k in range(total):
            content, kind, value = data.NEIGHBOUR_WISHES[k % len(data.NEIGHBOUR_WISHES)]
            day = date(2017, 1, 16) + timedelta(days=(k * 320) // total)
            with clock_at(at(day, 9)):
                name = data.SURNAMES[(k + seed) % len(data.SURNAMES)] + data.GIVEN[(k * 3) % len(data.GIVEN)]
                body = WishCreate(resident_name=name, content=content, kind=WishKind(kind), estimated_value=value)
                wish_id = wishes.create_wish(self.s, admin, body).id
                wishes.verify_wish(self.s, admin, wish_id, None)
                wishes.publish_wish(self.s, admin, wish_id, None)
            if k % 5 == 4:
                continue  # published, waiting to be claimed
            with clock_at(at(day + timedelta(days=2), 10)):
                wishes.claim_wish(self.s, SYSTEM, wish_id, WishClaim(member_id=people[k % len(people)]), None)
                wishes.fulfil_wish(self.s, SYSTEM, wish_id, WishFulfil(note="已送达居民家中"), None)
        for k in range(size):
            day = date(2017, 3, 20) + timedelta(days=(k * 250) // size)
            with clock_at(at(day - timedelta(days=7), 9)):
                body_meeting = MeetingCreate(kind=MeetingKind.coordination, held_on=day, theme=f"第 {k + 1} 次联席会")
                meeting_id = meetings.create_meeting(self.s, admin, body_meeting).id
                topic = meetings.add_topic(self.s, admin, meeting_id, TopicCreate(title="老旧小区环境整治")).id
                meetings.add_topic(self.s, admin, meeting_id, TopicCreate(title="困难群众帮扶"))
            with clock_at(at(day, 17)):
                meetings.close_meeting(self.s, admin, meeting_id, None)
                due = day + timedelta(days=30)
                task = TaskCreate(topic_id=topic, owner_org_id=community, description="清运楼道杂物", due_on=due)
                task_id = meeting_tasks.create_task(self.s, admin, task).id
            with clock_at(at(due - timedelta(days=3), 16)):
                meeting_tasks.progress_task(self.s, admin, task_id, TaskStatus.done, "已办结", None)
        for k in range(size * 2):
            category, title = data.NEIGHBOUR_CONCERNS[k % len(data.NEIGHBOUR_CONCERNS)]
            day = date(2017, 2, 6) + timedelta(days=(k * 290) // (size * 2))
            with clock_at(at(day, 10)):
                concern = ConcernCreate(
                    community_org_id=community,
                    category=ConcernCategory(category),
                    title=title,
                    reporter_kind=ConcernReporterKind.resident,
                    resident_name="居民" + data.SURNAMES[k % len(data.SURNAMES)],
                    due_on=day + timedelta(days=15),
                )
                concern_id = concerns.create_concern(self.s, admin, concern).id
                concerns.start_concern(self.s, admin, concern_id, "社区已受理", None)
            if k % 2 == 0:
                with clock_at(at(day + timedelta(days=5), 10)):
                    concerns.resolve_concern(self.s, admin, concern_id, "已就地解决", None)

    def _neighbour_activity(
        self,
        community: int,
        admin: Principal,
        kind: ActivityKind,
        title: str,
        day: date,
        member_ids: list[int],
        guests: int,
    ) -> None:
        starts, ends = at(day, 9), at(day, 12)
        counts_hours = kind is ActivityKind.volunteer_service
        with clock_at(starts - timedelta(days=7)):
            body = ActivityCreate(
                title=title,
                kind=kind,
                community_org_id=community,
                starts_at=starts,
                ends_at=ends,
                location="社区广场",
                counts_hours=counts_hours,
                guest_count=guests,
            )
            activity_id = activities.create_activity(self.s, admin, body).id
            activities.transition(self.s, admin, activity_id, ActivityStatus.open)
            signups = [
                activity_signups.sign_up(self.s, SYSTEM, activity_id, SignupCreate(member_id=m)).id for m in member_ids
            ]
        with clock_at(ends + timedelta(hours=1)):
            attendance = AttendanceUpdate(checked_in_at=starts, checked_out_at=ends)
            for signup_id in signups:
                activity_signups.mark_attendance(self.s, admin, activity_id, signup_id, attendance)
            activities.transition(self.s, admin, activity_id, ActivityStatus.finished)
        if counts_hours:
            with clock_at(ends + timedelta(days=2)):
                for member_id in member_ids:
                    record = volunteering.create_record(
                        self.s, SYSTEM, RecordCreate(member_id=member_id, activity_id=activity_id)
                    )
                    volunteering.review(self.s, admin, record.id, True, "")


def find_demo(session: Session) -> tuple[int, int] | None:
    ids: dict[str, int] = dict(
        session.execute(
            select(func.upper(Organization.code), Organization.id).where(
                func.upper(Organization.code).in_([data.COMMUNITY["code"], data.COURT["code"]])
            )
        ).all()
    )
    if data.COMMUNITY["code"] not in ids:
        return None
    return ids[data.COMMUNITY["code"]], ids.get(data.COURT["code"], 0)


def load_demo(password: str | None = None) -> DemoResult:
    """Create the demo community unless it exists (found by its code `LHT`)."""
    from gongjian.reference.loader import load_all

    password = password or os.environ.get(PASSWORD_ENV) or None
    if password is not None:  # refused before anything is written, not halfway through
        for username, display, _role, _org in LOGINS:
            require_acceptable(password, PASSWORD_ENV, username, display)
        for spec in data.NEIGHBOURS:
            require_acceptable(password, PASSWORD_ENV, str(spec["admin"]), f"{spec['name']}管理员")
    with unit_of_work() as session:
        existing = find_demo(session)
        if existing is not None:
            return DemoResult(created=False, community_id=existing[0], court_id=existing[1])
    load_all()  # the claim list's categories and the catalogue (idempotent)
    demo = _Demo(password)
    # One transaction per part: each stays short and the session small. If a part fails, the
    # parts before it stay; the community then exists and a rerun is refused — drop the database.
    for part in (
        demo.organisations,
        demo.accounts,
        demo.people,
        demo.activities,
        demo.wishes,
        demo.catalogue,
        demo.claims,
        demo.meetings,
        demo.concerns,
        demo.honours,
        demo.neighbours,
    ):
        with unit_of_work(write_lock=True) as session:
            demo.s = session
            part()
    return DemoResult(created=True, community_id=demo.community, court_id=demo.court, logins=demo.logins)
