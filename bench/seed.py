"""The benchmark's data, written by bulk inserts into a freshly migrated database (`bench/run.py`).

Run as `python bench/seed.py` with DATABASE_URL set, after `gongjian migrate`:

- BENCH_ORGANIZATIONS (10,000) organisations, kinds in turn community, unit, social;
- BENCH_MEMBERS (10,000) members spread over the first 50 communities (about 200 each, the size of
  a real community's roll), a fifth of them in service with one of the first 100 units, every one
  with an encrypted phone number as the app stores it;
- BENCH_RECORDS (100,000) volunteer records, ten per member, organised by the member's community,
  mostly approved, ending between 2017 and 2025;
and prints, as JSON, the id of the first community (`run.py` makes its community admin there) and
how many rows each list must report.
"""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from gongjian.db import unit_of_work
from gongjian.kit.personal_data import encrypt
from gongjian.models import Member, Organization, VolunteerRecord
from gongjian.models.enums import MemberCategory, OrganizationKind

ORGANIZATIONS = int(os.environ.get("BENCH_ORGANIZATIONS", "10000"))
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "10000"))
RECORDS = int(os.environ.get("BENCH_RECORDS", "100000"))
COMMUNITIES_WITH_MEMBERS = 50
UNITS_WITH_MEMBERS = 100
BATCH = 10_000


def organizations() -> list[dict[str, Any]]:
    kinds = [OrganizationKind.community.value, OrganizationKind.unit.value, OrganizationKind.social.value]
    return [
        dict(
            name=f"基准组织{i:05d}",
            kind=kinds[i % 3],
            code=f"B{i:05d}",
            address="黄石港区",
            contact_person="",
            description="",
            version=1,
        )
        for i in range(ORGANIZATIONS)
    ]


def members(communities: list[int], units: list[int]) -> list[dict[str, Any]]:
    rng = random.Random(2017)
    categories = list(MemberCategory)
    rows = []
    for i in range(MEMBERS):
        category = categories[i % len(categories)]
        rows.append(
            dict(
                name=f"党员{rng.randrange(100_000):05d}",
                gender="male" if i % 2 else "female",
                birth_date=date(1940 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                phone_ciphertext=encrypt(f"13{rng.randrange(10)}{rng.randrange(10_000_000, 100_000_000)}"),
                joined_party_on=date(1960 + rng.randrange(57), 7, 1),
                category=category.value,
                unit_org_id=units[i % len(units)] if category is MemberCategory.in_service else None,
                community_org_id=communities[i % len(communities)],
                reported_on=date(2017, 3, 1),
                skills=["法律咨询", "书法"] if i % 4 == 0 else [],
                volunteer_number=f"V{i:06d}",
                status="active",
                version=1,
            )
        )
    return rows


def records(member_orgs: list[tuple[int, int]]) -> list[dict[str, Any]]:
    rng = random.Random(2021)
    start = datetime(2017, 1, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(RECORDS):
        member_id, community = member_orgs[i % len(member_orgs)]
        ended = start + timedelta(minutes=rng.randrange(9 * 365 * 24 * 60))
        half_hours = 2 + rng.randrange(8)
        rows.append(
            dict(
                member_id=member_id,
                content="社区志愿服务",
                location="黄石港区",
                started_at=ended - timedelta(minutes=30 * half_hours),
                ended_at=ended,
                half_hours=half_hours,
                hours_source="entered",
                organizer_org_id=community,
                evaluation="",
                recorded_by="user:1",
                recorded_by_name="基准",
                recorded_at=ended + timedelta(days=1),
                entry_deadline=ended.date() + timedelta(days=30),
                late=False,
                status="pending" if i % 10 == 0 else "approved",
                reviewed_by=None if i % 10 == 0 else "user:1",
                reviewed_by_name=None if i % 10 == 0 else "基准",
                reviewed_at=None if i % 10 == 0 else ended + timedelta(days=2),
                review_note="",
                correction_reason="",
                version=1,
            )
        )
    return rows


def in_batches(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for at in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[at : at + BATCH])


def main() -> None:
    with unit_of_work() as session:
        in_batches(session, Organization, organizations())
        kinds = session.execute(select(Organization.id, Organization.kind).order_by(Organization.id)).all()
        communities = [id_ for id_, kind in kinds if kind == OrganizationKind.community.value]
        units = [id_ for id_, kind in kinds if kind == OrganizationKind.unit.value]
        in_batches(session, Member, members(communities[:COMMUNITIES_WITH_MEMBERS], units[:UNITS_WITH_MEMBERS]))
        member_orgs = [(id_, org) for id_, org in session.execute(select(Member.id, Member.community_org_id))]
        in_batches(session, VolunteerRecord, records(member_orgs))
        session.execute(update(VolunteerRecord).values(root_id=VolunteerRecord.id))
        community_members = session.execute(
            select(func.count()).where(
                or_(Member.community_org_id == communities[0], Member.unit_org_id == communities[0])
            )
        ).scalar_one()
    counts = {"organizations": ORGANIZATIONS, "members": MEMBERS, "records": RECORDS}
    print(json.dumps({**counts, "community_members": community_members, "community_id": communities[0]}))


if __name__ == "__main__":
    main()
