"""Revision 0019 on a database in the old shape: the reference list in items of placeholder
organisations, some of them claimed by real ones. After the upgrade the list is templates, the
placeholders are gone (or archived where something else still names them), claimed items keep
their claims and go on working, and nothing of the real organisations changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from factories.scratch import scratch_database
from gongjian.claims import catalogue, claiming
from gongjian.claims import items as claim_items
from gongjian.claims.reference import load_service_list
from gongjian.claims.schemas import AdoptionCreate, ClaimComplete, ClaimVerify, ServiceItemListQuery
from gongjian.cli import alembic_config
from gongjian.db import normalise_url
from gongjian.kit.errors import ProblemError
from gongjian.kit.principal import SYSTEM, Principal
from gongjian.models.enums import ActorType, Role

CATEGORIES = [("hardship_aid", 1), ("funding", 2), ("volunteer", 3), ("culture_sports", 4), ("advice", 5)]
WHEN = datetime(2017, 3, 1, 2, 0)

# Organisations: the three placeholders of the old `load-reference`, and a real community and unit.
COMM, UNIT, SOC, LHT, COURT = 1, 2, 3, 4, 5
# Items of the old reference list (id, code, provider, direction, category, title, places).
ITEMS = [
    (1, "SL-HA01", COMM, "need", "hardship_aid", "结对帮扶困难党员", 5),
    (2, "SL-HA02", COMM, "need", "hardship_aid", "走访慰问困难户", 5),
    (3, "SL-FU01", COMM, "need", "funding", "楼道照明改造", 2),
    (4, "SL-VO02", UNIT, "resource", "volunteer", "送法进社区普法宣传", 2),
    (5, "SL-AD05", UNIT, "resource", "advice", "社区治理法律风险评估", 1),
    (6, "SL-VO08", SOC, "resource", "volunteer", "义诊与健康讲座", 2),
]
HANDMADE = 7  # the community's own need, entered by hand


@pytest.fixture
def old_database(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    with scratch_database(database_url, tmp_path) as url:
        command.upgrade(alembic_config(url), "0016")
        engine = create_engine(normalise_url(url))
        try:
            with engine.begin() as conn:
                _old_rows(conn)
            yield url, engine
        finally:
            engine.dispose()


def _old_rows(conn: Connection) -> None:
    tables = sa.MetaData()
    tables.reflect(conn)

    def add(table: str, **values: Any) -> None:
        conn.execute(tables.tables[table].insert().values(**values))

    for code, order in CATEGORIES:
        add("service_categories", code=code, name=code, sort_order=order)
    for org_id, code, name, kind in (
        (COMM, "GJREF-COMM", "共建参考社区党委", "community"),
        (UNIT, "GJREF-UNIT", "共建参考单位机关党委", "unit"),
        (SOC, "GJREF-SOC", "共建参考社会工作服务中心", "social"),
        (LHT, "LHT", "老虎头社区党委", "community"),
        (COURT, "HSZY", "黄石市中级人民法院机关党委", "unit"),
    ):
        add("organizations", id=org_id, code=code, name=name, kind=kind)
    add("partnerships", id=1, unit_org_id=COURT, community_org_id=LHT, start_date=date(2017, 1, 1))
    # Someone made an account for the placeholder unit: it still names it, so it is archived, not deleted.
    add(
        "users",
        id=1,
        username="ref-unit",
        display_name="参考单位",
        password_hash="x",
        role="unit_admin",
        organization_id=UNIT,
    )
    for item_id, code, provider, direction, category, title, places in ITEMS:
        add(
            "service_items",
            id=item_id,
            code=code,
            title=title,
            description=f"{title}说明",
            category=category,
            provider_org_id=provider,
            direction=direction,
            capacity=places,
            status="published",
            published_at=WHEN,
        )
    add(
        "service_items",
        id=HANDMADE,
        code=None,
        title="独居老人周末陪护",
        category="volunteer",
        provider_org_id=LHT,
        direction="need",
        capacity=2,
        status="published",
        published_at=WHEN,
    )

    def claim(claim_id: int, item_id: int, org_id: int, status: str) -> None:
        add(
            "claims",
            id=claim_id,
            item_id=item_id,
            organization_id=org_id,
            status=status,
            claimed_by="user:9",
            claimed_by_name="某管理员",
            created_at=WHEN,
        )

    if conn.dialect.name == "postgresql":  # the rows above named their ids: move the sequences past them
        for table in ("organizations", "partnerships", "users", "service_items", "claims", "service_categories"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 100)"))
    claim(1, 1, COURT, "in_progress")  # the court works on the placeholder community's need
    claim(2, 3, COURT, "withdrawn")  # withdrawn, but a claim all the same: its item stays
    claim(3, 4, LHT, "verified")  # 老虎头 claimed the placeholder unit's resource, verified
    claim(4, HANDMADE, COURT, "claimed")


def _rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(text(sql))]


def test_0019_turns_the_reference_list_into_templates_and_keeps_real_claims(
    old_database: tuple[str, Engine],
) -> None:
    url, engine = old_database
    command.upgrade(alembic_config(url), "0019")
    with engine.connect() as conn:
        # Templates from every reference item, in the list's order (category, then code).
        assert _rows(
            conn,
            "SELECT code, title, category, direction, capacity, sort_order FROM service_templates ORDER BY sort_order",
        ) == [
            ("SL-HA01", "结对帮扶困难党员", "hardship_aid", "need", 5, 1),
            ("SL-HA02", "走访慰问困难户", "hardship_aid", "need", 5, 2),
            ("SL-FU01", "楼道照明改造", "funding", "need", 2, 3),
            ("SL-VO02", "送法进社区普法宣传", "volunteer", "resource", 2, 4),
            ("SL-VO08", "义诊与健康讲座", "volunteer", "resource", 2, 5),
            ("SL-AD05", "社区治理法律风险评估", "advice", "resource", 1, 6),
        ]
        # Claimed items stay, closed, with no provider and their template; unclaimed ones are gone;
        # the community's own item is as it was.
        assert _rows(
            conn, "SELECT id, template_code, provider_org_id, status, version FROM service_items ORDER BY id"
        ) == [
            (1, "SL-HA01", None, "closed", 2),
            (3, "SL-FU01", None, "closed", 2),
            (4, "SL-VO02", None, "closed", 2),
            (HANDMADE, None, LHT, "published", 1),
        ]
        assert all(_rows(conn, "SELECT closed_at IS NOT NULL FROM service_items WHERE id IN (1, 3, 4)"))
        assert "code" not in {c["name"] for c in inspect(conn).get_columns("service_items")}
        # Every claim as it was.
        assert _rows(conn, "SELECT id, item_id, organization_id, status FROM claims ORDER BY id") == [
            (1, 1, COURT, "in_progress"),
            (2, 3, COURT, "withdrawn"),
            (3, 4, LHT, "verified"),
            (4, HANDMADE, COURT, "claimed"),
        ]
        # The placeholders: deleted, but the unit an account still names, which is archived.
        orgs = _rows(conn, "SELECT id, code, archived_at IS NOT NULL FROM organizations ORDER BY id")
        assert [(i, c, bool(a)) for i, c, a in orgs] == [
            (UNIT, "GJREF-UNIT", True),
            (LHT, "LHT", False),
            (COURT, "HSZY", False),
        ]
        assert _rows(conn, "SELECT organization_id FROM users") == [(UNIT,)]
        events = _rows(conn, "SELECT action, entity, entity_id FROM audit_events ORDER BY id")
        assert sorted(events) == sorted(
            [("update", "service_item", str(i)) for i in (1, 3, 4)]
            + [("delete", "service_item", str(i)) for i in (2, 5, 6)]
            + [("archive", "organization", str(UNIT))]
            + [("delete", "organization", str(i)) for i in (COMM, SOC)]
        )

    # The kept claims go on: the court completes its claim, a platform admin verifies it in the
    # provider's place; the court still sees the item it works on, and no one can claim it anew.
    # (The services below are today's code, so the database goes on to the newest revision first.)
    command.upgrade(alembic_config(url), "head")
    court = Principal(ActorType.user, 21, "法院管理员", Role.unit_admin, COURT)
    lht = Principal(ActorType.user, 22, "老虎头管理员", Role.community_admin, LHT)
    with Session(engine) as session:
        seen = claim_items.list_items(session, court, ServiceItemListQuery())
        by_id = {item.id: item for item in seen.items}
        assert set(by_id) == {1, 3, HANDMADE}  # its own claims' items, and its partner's need
        assert by_id[1].provider_org is None and by_id[1].template_code == "SL-HA01"
        assert by_id[1].caller_may_claim is False
        assert [i.id for i in claim_items.list_items(session, lht, ServiceItemListQuery()).items] == [4, HANDMADE]
        claiming.complete_claim(session, court, 1, ClaimComplete(report="已结对 3 户"), None)
        with pytest.raises(ProblemError) as refused:
            claiming.verify_claim(session, lht, 1, ClaimVerify(rating=5), None)
        assert refused.value.status == 404  # not its item, nor its claim
        verified = claiming.verify_claim(session, SYSTEM, 1, ClaimVerify(rating=4), None)
        assert verified.status == "verified" and verified.item.template_code == "SL-HA01"
        assert verified.item.provider_org is None

        # The catalogue loads over the migrated templates, and a real community adopts one that
        # the old list's kept item carries: that item has no provider, so it is no obstacle.
        load_service_list(session)
        adopted = catalogue.adopt(session, lht, AdoptionCreate(template_codes=["SL-HA01", "SL-FU01"]))
        assert [(i.template_code, i.provider_org.id if i.provider_org else None) for i in adopted.items] == [
            ("SL-HA01", LHT),
            ("SL-FU01", LHT),
        ]
        session.commit()
    with engine.connect() as conn:
        assert _rows(conn, "SELECT count(*) FROM service_templates") == [(35,)]
        assert _rows(conn, "SELECT title FROM service_templates WHERE code = 'SL-HA02'") == [
            ("春节、“七一”走访慰问困难户和老党员",)
        ]

    # Down again: the kept items get a placeholder provider back, with their code.
    command.downgrade(alembic_config(url), "0016")
    with engine.connect() as conn:
        rows = _rows(
            conn,
            "SELECT i.id, i.code, o.code FROM service_items i JOIN organizations o ON o.id = i.provider_org_id "
            "ORDER BY i.id",
        )
        assert [r for r in rows if r[0] in (1, 3, 4)] == [
            (1, "SL-HA01", "GJREF-COMM"),
            (3, "SL-FU01", "GJREF-COMM"),
            (4, "SL-VO02", "GJREF-UNIT"),
        ]


def test_0019_on_a_database_without_the_reference_list(database_url: str, tmp_path: Path) -> None:
    with scratch_database(database_url, tmp_path) as url:
        command.upgrade(alembic_config(url), "0016")
        engine = create_engine(normalise_url(url))
        try:
            with engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO organizations (id, code, name, kind) VALUES (1, 'C1', '甲社区', 'community')")
                )
            command.upgrade(alembic_config(url), "0019")
            with engine.connect() as conn:
                assert _rows(conn, "SELECT count(*) FROM service_templates") == [(0,)]
                assert _rows(conn, "SELECT id, code FROM organizations") == [(1, "C1")]
                assert _rows(conn, "SELECT count(*) FROM audit_events") == [(0,)]
        finally:
            engine.dispose()
