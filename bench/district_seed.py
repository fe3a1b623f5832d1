"""A district's worth of data, written by bulk inserts through the project's own tables.

Run as `python bench/district_seed.py S` (or `L`) with DATABASE_URL set, after `gongjian migrate`.
It prints, as its last line, JSON: how many rows of each kind it wrote and the ids the benchmark
signs in as (the district, the busiest community's street, the busiest community, one of its
partner units, one member with a long history).

| scale | communities | units | members | volunteer records | activities | sign-ups | wishes |
|---|---|---|---|---|---|---|---|
| S | 20 | 100 | 10,000 | 100,000 | 5,000 | 50,000 | 10,000 |
| L | 100 | 1,000 | 200,000 | 2,000,000 | 100,000 | 1,000,000 | 200,000 |

with meetings (two a month per community, three topics and tasks each), concerns (one per twenty
members), published service items and claims in proportion. Communities are deliberately uneven —
member counts fall off as 1/rank^0.8 — so "the busiest community" means something (about a fifth
of the members at S, an eighth at L: some 25,000). Each unit works with one to three communities
(共建关系), and an in-service member's unit is one of its community's partners, as the app's own
placement rule requires. Everything is dated 2017–2025, mostly approved or finished, with a tenth
still pending, so lists, reports and the approval desk all have work to do.

The rows obey the app's invariants (a record's `root_id`, one claimant per wish, sign-up statuses,
encrypted phones with their lookup hash) so that every endpoint reads them as it would read its own.
Generation is deterministic (fixed seeds) and streamed in batches, so L fits in memory.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from gongjian.db import unit_of_work
from gongjian.evaluation import periods
from gongjian.evaluation.schemas import PeriodCreate
from gongjian.kit.personal_data import encrypt, phone_lookup
from gongjian.kit.principal import SYSTEM
from gongjian.models import (
    Activity,
    ActivitySignup,
    Claim,
    Concern,
    Evaluation,
    Meeting,
    MeetingTask,
    MeetingTopic,
    Member,
    Organization,
    Partnership,
    ServiceItem,
    VolunteerRecord,
    Wish,
)
from gongjian.models.enums import (
    ActivityKind,
    ConcernCategory,
    MemberCategory,
    OrganizationKind,
    ServiceCategoryCode,
    WishKind,
)

BATCH = 5_000
EPOCH = datetime(2017, 1, 1, 1, tzinfo=UTC)
SPAN_MINUTES = 9 * 365 * 24 * 60  # 2017 to 2025
BY = {"recorded_by": "user:1", "recorded_by_name": "基准"}


@dataclass(frozen=True)
class Scale:
    communities: int
    units: int
    members: int
    records: int
    activities: int
    signups: int
    wishes: int


SCALES = {
    "S": Scale(20, 100, 10_000, 100_000, 5_000, 50_000, 10_000),
    "L": Scale(100, 1_000, 200_000, 2_000_000, 100_000, 1_000_000, 200_000),
}


def batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while chunk := list(islice(it, BATCH)):
        yield chunk


def write(session: Session, model: Any, rows: Iterable[dict[str, Any]]) -> int:
    written = 0
    for chunk in batches(rows):
        session.execute(insert(model), chunk)
        written += len(chunk)
    return written


def when(rng: random.Random) -> datetime:
    return EPOCH + timedelta(minutes=rng.randrange(SPAN_MINUTES))


def community_sizes(scale: Scale) -> list[int]:
    """Members per community, falling off as 1/rank^0.8; they add up to `scale.members`."""
    weights = [1 / (rank**0.8) for rank in range(1, scale.communities + 1)]
    total = sum(weights)
    sizes = [int(scale.members * w / total) for w in weights]
    sizes[0] += scale.members - sum(sizes)
    return sizes


COMMON_ORG = {"address": "黄石港区", "contact_person": "", "description": "", "version": 1}
# Communities per street: a district of S has 4 streets, of L 20.
COMMUNITIES_PER_STREET = 5


def streets(scale: Scale, district: int) -> Iterator[dict[str, Any]]:
    for i in range(-(-scale.communities // COMMUNITIES_PER_STREET)):
        kind = OrganizationKind.street.value
        yield {"name": f"基准街道{i:02d}", "kind": kind, "code": f"BS{i:03d}", "parent_id": district, **COMMON_ORG}


def organizations(scale: Scale, street_ids: list[int]) -> Iterator[dict[str, Any]]:
    """Communities under the streets in turn (five each, so a street mixes busy and quiet ones);
    units under the streets round-robin."""
    for i in range(scale.communities):
        yield {
            "name": f"基准社区{i:03d}",
            "kind": OrganizationKind.community.value,
            "code": f"BC{i:04d}",
            "parent_id": street_ids[i % len(street_ids)],
            **COMMON_ORG,
        }
    for i in range(scale.units):
        yield {
            "name": f"基准单位{i:04d}",
            "kind": OrganizationKind.unit.value,
            "code": f"BU{i:05d}",
            "parent_id": street_ids[i % len(street_ids)],
            **COMMON_ORG,
        }


def partnerships(communities: list[int], units: list[int]) -> tuple[list[dict[str, Any]], dict[int, list[int]]]:
    """Each unit with one to three communities, the busier ones more often; community → its units."""
    rng = random.Random(35)
    partners: dict[int, list[int]] = {c: [] for c in communities}
    rows = []
    for number, unit in enumerate(units):
        # Every community gets partners: the first pass walks them in turn.
        chosen = {communities[number % len(communities)]}
        for _ in range(rng.randrange(3)):
            chosen.add(communities[min(int(rng.paretovariate(1.2)) - 1, len(communities) - 1)])
        for community in sorted(chosen):
            partners[community].append(unit)
            rows.append(
                {
                    "unit_org_id": unit,
                    "community_org_id": community,
                    "start_date": date(2016, 1, 1),
                    "agreement": "共驻共建协议",
                    "version": 1,
                }
            )
    return rows, partners


def members(scale: Scale, communities: list[int], partners: dict[int, list[int]]) -> Iterator[dict[str, Any]]:
    rng = random.Random(2017)
    categories = list(MemberCategory)
    number = 0
    for community, size in zip(communities, community_sizes(scale), strict=True):
        units = partners[community]
        for _ in range(size):
            category = categories[0] if number % 5 < 2 else categories[number % len(categories)]
            phone = f"13{number % 10}{10_000_000 + number:08d}"
            yield {
                "name": f"党员{rng.randrange(100_000):05d}",
                "gender": "male" if number % 2 else "female",
                "birth_date": date(1940 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                "phone_ciphertext": encrypt(phone),
                "phone_lookup": phone_lookup(phone),
                "joined_party_on": date(1960 + rng.randrange(57), 7, 1),
                "category": category.value,
                "unit_org_id": units[number % len(units)] if category is MemberCategory.in_service else None,
                "community_org_id": community,
                "reported_on": date(2017, 3, 1),
                "skills": ["法律咨询", "书法"] if number % 4 == 0 else [],
                "volunteer_number": f"V{number:07d}",
                "status": "active",
                "version": 1,
            }
            number += 1


def activities(scale: Scale, communities: list[int], sizes: list[int]) -> Iterator[dict[str, Any]]:
    """Spread over communities in proportion to their members; a tenth still ahead (open)."""
    rng = random.Random(7)
    kinds = [k.value for k in ActivityKind]
    weights = [s / scale.members for s in sizes]
    horizon = datetime.now(UTC)
    for i in range(scale.activities):
        community = rng.choices(communities, weights)[0]
        upcoming = i % 10 == 0
        starts = horizon + timedelta(days=1 + rng.randrange(60)) if upcoming else when(rng)
        yield {
            "title": f"志愿服务活动{i:06d}",
            "kind": kinds[i % len(kinds)],
            "community_org_id": community,
            "organizer_org_id": community,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "location": "社区广场",
            "capacity": 30 if i % 3 == 0 else None,
            "counts_hours": True,
            "status": "open" if upcoming else "finished",
            "guest_count": 0,
            "description": "",
            "created_by": "user:1",
            "created_by_name": "基准",
            "version": 1,
        }


def signups(
    scale: Scale, activity_rows: list[tuple[int, int]], community_members: dict[int, list[int]]
) -> Iterator[dict[str, Any]]:
    """Ten members of the activity's community per activity, each (activity, member) once."""
    rng = random.Random(11)
    per_activity = max(1, scale.signups // max(1, len(activity_rows)))
    for activity_id, community in activity_rows:
        pool = community_members[community]
        for member_id in rng.sample(pool, min(per_activity, len(pool))):
            signed = when(rng)
            yield {
                "activity_id": activity_id,
                "member_id": member_id,
                "signed_up_at": signed,
                "signed_up_by": "user:1",
                "signed_up_by_name": "基准",
                "status": "signed_up",
            }


def records(scale: Scale, member_rows: list[tuple[int, int]]) -> Iterator[dict[str, Any]]:
    """`scale.records` records, spread evenly over members, organised by the member's community."""
    rng = random.Random(2021)
    for i in range(scale.records):
        member_id, community = member_rows[i % len(member_rows)]
        ended = when(rng)
        half_hours = 2 + rng.randrange(8)
        pending = i % 10 == 0
        yield {
            "member_id": member_id,
            "content": "社区志愿服务",
            "location": "黄石港区",
            "started_at": ended - timedelta(minutes=30 * half_hours),
            "ended_at": ended,
            "half_hours": half_hours,
            "hours_source": "entered",
            "organizer_org_id": community,
            "evaluation": "",
            **BY,
            "recorded_at": ended + timedelta(days=1),
            "entry_deadline": ended.date() + timedelta(days=14),
            "late": False,
            "status": "pending" if pending else "approved",
            "reviewed_by": None if pending else "user:1",
            "reviewed_by_name": None if pending else "基准",
            "reviewed_at": None if pending else ended + timedelta(days=2),
            "review_note": "",
            "correction_reason": "",
            "version": 1,
        }


def wishes(scale: Scale, member_rows: list[tuple[int, int]]) -> Iterator[dict[str, Any]]:
    """Most fulfilled by a member of the same community; a fifth published and waiting."""
    rng = random.Random(110)
    for i in range(scale.wishes):
        claimant, community = member_rows[rng.randrange(len(member_rows))]
        created = when(rng)
        waiting = i % 5 == 0
        yield {
            "community_org_id": community,
            "resident_name": f"居民{i:06d}",
            "household_note": "",
            "content": "需要一台助听器",
            "kind": WishKind.goods.value if i % 2 else WishKind.service.value,
            "estimated_value": 200,
            "status": "published" if waiting else "fulfilled",
            "claimant_member_id": None if waiting else claimant,
            "verified_at": created + timedelta(days=1),
            "published_at": created + timedelta(days=2),
            "claimed_at": None if waiting else created + timedelta(days=3),
            "fulfilled_at": None if waiting else created + timedelta(days=10),
            "created_at": created,
            "updated_at": created,
            "version": 1,
        }


def concerns(member_rows: list[tuple[int, int]]) -> Iterator[dict[str, Any]]:
    rng = random.Random(3)
    categories = [c.value for c in ConcernCategory]
    for i in range(0, len(member_rows), 20):
        member_id, community = member_rows[i]
        reported = when(rng)
        open_ = i % 100 == 0
        yield {
            "community_org_id": community,
            "category": categories[i % len(categories)],
            "title": "楼道照明损坏",
            "description": "",
            "location": "3 栋",
            "reporter_kind": "member",
            "reporter_name": "党员",
            "reporter_member_id": member_id,
            "reported_by": "user:1",
            "reported_by_name": "基准",
            "reported_at": reported,
            "status": "reported" if open_ else "resolved",
            "resolved_at": None if open_ else reported + timedelta(days=5),
            "version": 1,
        }


def meetings(communities: list[int]) -> Iterator[dict[str, Any]]:
    """Two a month per community, 2017–2025."""
    for community in communities:
        for month in range(9 * 12):
            for day in (5, 20):
                yield {
                    "community_org_id": community,
                    "kind": "coordination",
                    "held_on": date(2017 + month // 12, 1 + month % 12, day),
                    "theme": "联席会例会",
                    "attending_org_ids": [],
                    "minutes": "",
                    "status": "held",
                    "created_by": "user:1",
                    "created_by_name": "基准",
                    "version": 1,
                }


def service_items(communities: list[int], units: list[int]) -> Iterator[dict[str, Any]]:
    """Five needs per community and two resources per unit, published."""
    categories = [c.value for c in ServiceCategoryCode]
    for direction, providers, per in (("need", communities, 5), ("resource", units, 2)):
        for provider in providers:
            for n in range(per):
                yield {
                    "title": f"{'需求' if direction == 'need' else '资源'}{provider}-{n}",
                    "description": "",
                    "category": categories[n % len(categories)],
                    "provider_org_id": provider,
                    "direction": direction,
                    "capacity": 3,
                    "status": "published",
                    "published_at": EPOCH,
                    "version": 1,
                }


def main(scale_name: str) -> None:
    scale = SCALES[scale_name]
    counts: dict[str, int] = {}
    with unit_of_work() as session:
        # The district, its streets, then the communities and units under the streets (issue 17).
        district_row = {"name": "基准区委组织部", "kind": OrganizationKind.district.value, "code": "BD0", **COMMON_ORG}
        counts["organizations"] = write(session, Organization, [district_row])
        district = session.execute(select(Organization.id).where(Organization.code == "BD0")).scalar_one()
        counts["organizations"] += write(session, Organization, streets(scale, district))
        street_ids = list(
            session.execute(
                select(Organization.id).where(Organization.code.like("BS%")).order_by(Organization.code)
            ).scalars()
        )
        counts["organizations"] += write(session, Organization, organizations(scale, street_ids))
        # Ours only, by code: reference data may hold organisations of its own.
        codes = session.execute(select(Organization.id, Organization.code).order_by(Organization.id)).all()
        communities = [id_ for id_, code in codes if code.startswith("BC")]
        units = [id_ for id_, code in codes if code.startswith("BU")]
        partnership_rows, partners = partnerships(communities, units)
        counts["partnerships"] = write(session, Partnership, partnership_rows)
        counts["members"] = write(session, Member, members(scale, communities, partners))
        member_rows = [(m, c) for m, c in session.execute(select(Member.id, Member.community_org_id))]
        community_members: dict[int, list[int]] = {c: [] for c in communities}
        for member_id, community in member_rows:
            community_members[community].append(member_id)
        counts["volunteer_records"] = write(session, VolunteerRecord, records(scale, member_rows))
        session.execute(update(VolunteerRecord).values(root_id=VolunteerRecord.id))
        sizes = community_sizes(scale)
        counts["activities"] = write(session, Activity, activities(scale, communities, sizes))
        activity_rows = [(a, c) for a, c in session.execute(select(Activity.id, Activity.community_org_id))]
        counts["signups"] = write(session, ActivitySignup, signups(scale, activity_rows, community_members))
        counts["wishes"] = write(session, Wish, wishes(scale, member_rows))
        counts["concerns"] = write(session, Concern, concerns(member_rows))
        counts["meetings"] = write(session, Meeting, meetings(communities))
        meeting_ids = list(session.execute(select(Meeting.id, Meeting.community_org_id, Meeting.held_on)))
        counts["meeting_topics"] = write(
            session,
            MeetingTopic,
            (
                {"meeting_id": m, "title": f"议题{n}", "description": "", "version": 1}
                for m, _, _ in meeting_ids
                for n in range(3)
            ),
        )
        topics = list(session.execute(select(MeetingTopic.id, MeetingTopic.meeting_id)))
        meeting_of = {m: (c, held) for m, c, held in meeting_ids}
        counts["meeting_tasks"] = write(
            session,
            MeetingTask,
            (
                {
                    "topic_id": topic,
                    "owner_org_id": partners[meeting_of[meeting][0]][topic % len(partners[meeting_of[meeting][0]])],
                    "description": "落实议题",
                    "due_on": meeting_of[meeting][1] + timedelta(days=30),
                    "status": "done",
                    "progress_note": "",
                    "done_at": datetime.combine(meeting_of[meeting][1] + timedelta(days=20), datetime.min.time(), UTC),
                    "version": 1,
                }
                for topic, meeting in topics
            ),
        )
        counts["service_items"] = write(session, ServiceItem, service_items(communities, units))
        items = list(session.execute(select(ServiceItem.id, ServiceItem.provider_org_id, ServiceItem.direction)))
        unit_partners: dict[int, list[int]] = {}
        for community, its_units in partners.items():
            for unit in its_units:
                unit_partners.setdefault(unit, []).append(community)
        counts["claims"] = write(
            session,
            Claim,
            (
                {
                    "item_id": item,
                    "organization_id": (partners[provider] if direction == "need" else unit_partners[provider])[0],
                    "status": "verified",
                    "note": "",
                    "claimed_by": "user:1",
                    "claimed_by_name": "基准",
                    "completed_at": EPOCH + timedelta(days=30),
                    "verified_at": EPOCH + timedelta(days=31),
                    "rating": 5,
                    "version": 1,
                }
                for item, provider, direction in items
                if provider in partners or provider in unit_partners
            ),
        )
        # An evaluation period open for the year: opening creates one evaluation per in-service member
        # in one INSERT … SELECT (the service's own), so the ranking has its unit's evaluations.
        if session.get_bind().dialect.name == "postgresql":
            # Planner statistics for the rows written above, as autovacuum keeps them on a database
            # that has lived: without them, at L, PostgreSQL planned that INSERT … SELECT so badly that
            # it ran for more than 25 minutes (ANALYZE sees this transaction's own rows).
            session.execute(text("ANALYZE"))
        period = periods.create_period(
            session, SYSTEM, PeriodCreate(name="基准年度考评", start_date=date(2024, 1, 1), end_date=date(2024, 12, 31))
        )
        periods.open_period(session, SYSTEM, period.id, None)
        counts["evaluations"] = session.execute(select(func.count()).select_from(Evaluation)).scalar_one()
        evaluated_unit = session.execute(
            select(Evaluation.unit_org_id).group_by(Evaluation.unit_org_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()
        busiest = communities[0]
        busiest_member = community_members[busiest][0]
    print(
        json.dumps(
            {
                **counts,
                "district_id": district,
                "street_id": street_ids[0],
                "community_id": busiest,
                "community_members": len(community_members[busiest]),
                "unit_id": partners[busiest][0],
                "member_id": busiest_member,
                "period_id": period.id,
                "evaluation_unit_id": evaluated_unit,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "S")
