"""The five service-station cards: issuing and closing them, and their append-only entry logs.

A card is visible exactly when its member is (members/permissions.py). Entries are written by a
platform admin or an admin of one of the member's two organisations, only on an open card of an
active member, and never change afterwards. Points entries carry the running balance; the card row
is locked while one is added so concurrent entries can't compute the same balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from pydantic import TypeAdapter
from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.orm import Session

from gongjian.cards.schemas import (
    CardEntryCreate,
    CardEntryListQuery,
    CardEntryRead,
    CardListQuery,
    CardRead,
    EntryRead,
    PointsEntryCreate,
    RegistrationEntryCreate,
)
from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.calendar import local_today
from gongjian.kit.errors import conflict, forbidden, not_found, unprocessable
from gongjian.kit.pagination import Page, cached_select, read_page, read_rows
from gongjian.kit.personal_data import encrypt, mask_mobile, reveal
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.sorting import apply_sort
from gongjian.members import permissions
from gongjian.models import Card, CardEntry, Member, Organization
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction, CardStatus, CardType, MemberCategory, MemberStatus

CARD_LABEL = "服务卡"
# Core tables for bulk inserts (plain executemany: the ORM's bulk paths cost more than the rows).
CARDS_TABLE = cast(Table, Card.__table__)
ENTRY_LABEL = "服务卡记录"

CARD_FOR_CATEGORY: dict[MemberCategory, CardType] = {
    MemberCategory.in_service: CardType.contact,
    MemberCategory.retired: CardType.points,
    MemberCategory.unemployed: CardType.employment,
    MemberCategory.mobile: CardType.registration,
    MemberCategory.two_new: CardType.communication,
}
# The type part of a card number (pinyin initials): 联系 积分 就业 登记 沟通.
TYPE_CODES: dict[CardType, str] = {
    CardType.contact: "LX",
    CardType.points: "JF",
    CardType.employment: "JY",
    CardType.registration: "DJ",
    CardType.communication: "GT",
}
SEQUENCE_DIGITS = 6
# Entries record what happened: not later than tomorrow (slack for time zones).
FUTURE_SLACK = timedelta(days=1)

_entry_adapter: TypeAdapter[EntryRead] = TypeAdapter(CardEntryRead)


# --- issuing ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardRequest:
    member_id: int
    category: MemberCategory
    community_org_id: int


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """Primary keys for `count` rows about to be bulk-inserted with plain executemany.

    RETURNING with many rows in order is row-at-a-time on SQLite (minutes for 10,000 rows), so
    bulk writers take their ids first: on PostgreSQL from the table's sequence (safe under
    concurrency), on SQLite after the current maximum (callers hold the write lock).
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        stmt = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return sorted(int(v) for v in session.scalars(stmt))
    start = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(start + 1, start + count + 1))


def issue_cards(session: Session, principal: Principal, requests: Sequence[CardRequest]) -> list[int]:
    """Issue one open card per request, numbered `<community code>-<type>-<sequence>`.

    The issuing communities' rows are locked first (PostgreSQL; SQLite callers hold the write lock),
    so two transactions can't take the same sequence number of a series.
    """
    if not requests:
        return []
    community_ids = sorted({r.community_org_id for r in requests})
    codes: dict[int, str] = dict(
        session.execute(
            select(Organization.id, Organization.code)
            .where(Organization.id.in_(community_ids))
            .order_by(Organization.id)
            .with_for_update()
        ).all()
    )
    series_of = [f"{codes[r.community_org_id].upper()}-{TYPE_CODES[CARD_FOR_CATEGORY[r.category]]}" for r in requests]
    last: dict[str, int] = dict(
        session.execute(
            select(Card.series, func.max(Card.sequence)).where(Card.series.in_(set(series_of))).group_by(Card.series)
        ).all()
    )
    now = utcnow()
    ids = allocate_ids(session, CARDS_TABLE, len(requests))
    rows: list[dict[str, Any]] = []
    for card_id, request, series in zip(ids, requests, series_of, strict=True):
        sequence = last.get(series, 0) + 1
        last[series] = sequence
        card_type = CARD_FOR_CATEGORY[request.category]
        rows.append(
            {
                "id": card_id,
                "member_id": request.member_id,
                "card_type": card_type.value,
                "number": f"{series}-{sequence:0{SEQUENCE_DIGITS}d}",
                "series": series,
                "sequence": sequence,
                "community_org_id": request.community_org_id,
                "status": CardStatus.open.value,
                "issued_at": now,
                "points_balance": 0 if card_type is CardType.points else None,
            }
        )
    session.execute(insert(CARDS_TABLE), rows)
    audit.record_many(
        session,
        principal,
        AuditAction.create,
        "card",
        [
            (card_id, {"member_id": row["member_id"], "card_type": row["card_type"], "number": row["number"]})
            for card_id, row in zip(ids, rows, strict=True)
        ],
    )
    return ids


def close_open_card(session: Session, principal: Principal, member_id: int) -> None:
    card = session.execute(
        select(Card).where(Card.member_id == member_id, Card.status == CardStatus.open.value).with_for_update()
    ).scalar_one_or_none()
    if card is None:
        return
    card.status = CardStatus.closed.value
    card.closed_at = utcnow()
    session.flush()  # before the new card's insert: at most one open card per member
    audit.record(session, principal, AuditAction.update, "card", card.id, {"status": ["open", "closed"]})


# --- reading ---------------------------------------------------------------------------------------


def readable_cards(principal: Principal) -> Select[Any]:
    return select(Card).join(Member, Member.id == Card.member_id).where(permissions.visible_members(principal))


def list_member_cards(principal: Principal, member_id: int, query: CardListQuery) -> Page[CardRead]:
    with unit_of_work() as session:
        permissions.visible_member(session, principal, member_id)
        # Built per request: the scope is a where clause of the caller (members/permissions.py).
        stmt = readable_cards(principal).where(Card.member_id == member_id)
        stmt = apply_sort(stmt, query.sort.value, {"issued_at": Card.issued_at}, Card.id)
        return read_page(stmt, query, CardRead, session=session)


def get_card(session: Session, principal: Principal, card_id: int) -> CardRead:
    card, _member = _card_and_member(session, principal, card_id)
    return CardRead.model_validate(card)


def _card_and_member(session: Session, principal: Principal, card_id: int) -> tuple[Card, Member]:
    row = session.execute(
        select(Card, Member)
        .join(Member, Member.id == Card.member_id)
        .where(Card.id == card_id, permissions.visible_members(principal))
    ).first()
    if row is None:
        raise not_found(CARD_LABEL)
    return row[0], row[1]


def list_entries(principal: Principal, card_id: int, query: CardEntryListQuery) -> Page[CardEntryRead]:
    with unit_of_work() as session:
        _card, member = _card_and_member(session, principal, card_id)
        rows, total = read_rows(_entries(card_id, query), query, session=session)
        items = _entry_reads(session, principal, member, rows)
        return _ENTRY_PAGE.validate_python(
            {"items": items, "total": total, "page": query.page, "page_size": query.page_size}
        )


_ENTRY_PAGE: TypeAdapter[Page[CardEntryRead]] = TypeAdapter(Page[CardEntryRead])


@cached_select()
def _entries(card_id: int, query: CardEntryListQuery) -> Select[Any]:
    stmt = select(CardEntry).where(CardEntry.card_id == card_id)
    columns = {"id": CardEntry.id, "occurred_on": CardEntry.occurred_on}
    return apply_sort(stmt, query.sort.value, columns, CardEntry.id)


def _entry_reads(session: Session, principal: Principal, member: Member, rows: list[Any]) -> list[EntryRead]:
    reversed_by: dict[int, int] = {}
    if rows and rows[0].card_type == CardType.points.value:
        pairs = session.execute(
            select(CardEntry.reverses_entry_id, CardEntry.id).where(
                CardEntry.reverses_entry_id.in_([r.id for r in rows])
            )
        )
        reversed_by = {target: entry_id for target, entry_id in pairs if target is not None}
    full_phone = permissions.sees_full_phone(principal, member)
    return [entry_read(r, full_phone, reversed_by.get(r.id)) for r in rows]


def get_entry(session: Session, principal: Principal, card_id: int, entry_id: int) -> EntryRead:
    _card, member = _card_and_member(session, principal, card_id)
    entry = session.execute(
        select(CardEntry).where(CardEntry.id == entry_id, CardEntry.card_id == card_id)
    ).scalar_one_or_none()
    if entry is None:
        raise not_found(ENTRY_LABEL)
    reversed_by = session.scalar(select(CardEntry.id).where(CardEntry.reverses_entry_id == entry.id))
    return entry_read(entry, permissions.sees_full_phone(principal, member), reversed_by)


def entry_read(entry: CardEntry, full_phone: bool, reversed_by: int | None = None) -> EntryRead:
    data: dict[str, Any] = {
        "id": entry.id,
        "card_id": entry.card_id,
        "card_type": entry.card_type,
        "occurred_on": entry.occurred_on,
        "recorded_by": entry.recorded_by_name,
        "created_at": entry.created_at,
    }
    details = dict(entry.details)
    if entry.card_type == CardType.points.value:
        data.update(
            points=entry.points,
            balance=entry.balance,
            reverses_entry_id=entry.reverses_entry_id,
            reversed_by_entry_id=reversed_by,
        )
    if entry.card_type == CardType.registration.value:
        sealed = details.pop("contact_phone_ciphertext", None)
        phone = reveal(sealed) if sealed else None
        details["contact_phone"] = phone if phone is None or full_phone else mask_mobile(phone)
    data.update(details)
    return _entry_adapter.validate_python(data)


# --- writing ---------------------------------------------------------------------------------------


def add_entry(session: Session, principal: Principal, card_id: int, body: CardEntryCreate) -> EntryRead:
    card, member = _card_and_member(session, principal, card_id)
    if not permissions.looks_after_member(principal, member):
        raise forbidden("只有平台管理员或该党员所在单位、社区的管理员可以登记服务卡")
    if body.card_type != card.card_type:
        raise unprocessable(
            "entry_type_mismatch",
            f"该卡是{CardType.label_of(card.card_type)}，记录类型应为 {card.card_type}",
            field="body.card_type",
        )
    if member.status == MemberStatus.archived.value:
        raise conflict("member_archived", "党员已归档，不能再登记")
    if body.occurred_on > local_today() + FUTURE_SLACK:
        raise unprocessable("date_in_future", "日期不能晚于今天", field="body.occurred_on")
    # Lock the card (PostgreSQL; SQLite holds the write lock) and read its state afresh.
    card = session.execute(
        select(Card).where(Card.id == card_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    if card.status != CardStatus.open.value:
        raise conflict("card_closed", "该卡已关闭，只能查看，不能再登记")

    common = {"occurred_on", "card_type", "points", "reverses_entry_id"}
    details: dict[str, Any] = body.model_dump(mode="json", exclude=common)
    entry = CardEntry(
        card_id=card.id,
        card_type=card.card_type,
        occurred_on=body.occurred_on,
        details=details,
        **stamp(principal, "recorded"),
    )
    if isinstance(body, PointsEntryCreate):
        _apply_points(session, card, entry, body)
    if isinstance(body, RegistrationEntryCreate):
        phone = details.pop("contact_phone", None)
        if phone:
            details["contact_phone_ciphertext"] = encrypt(phone)
    session.add(entry)
    session.flush()
    logged = {"card_id": card.id, "card_type": card.card_type, "occurred_on": body.occurred_on.isoformat()}
    if entry.points is not None:
        logged.update(points=entry.points, balance=entry.balance, reverses_entry_id=entry.reverses_entry_id)
    audit.record(session, principal, AuditAction.create, "card_entry", entry.id, logged)
    return entry_read(entry, permissions.sees_full_phone(principal, member))


def _apply_points(session: Session, card: Card, entry: CardEntry, body: PointsEntryCreate) -> None:
    points = body.points
    if body.reverses_entry_id is not None:
        target = session.get(CardEntry, body.reverses_entry_id)
        if target is None or target.card_id != card.id:
            raise unprocessable("entry_not_found", "被冲正的记录不在这张卡上", field="body.reverses_entry_id")
        if target.reverses_entry_id is not None:
            raise conflict("cannot_reverse_reversal", "冲正记录本身不能再冲正")
        already = session.execute(select(CardEntry.id).where(CardEntry.reverses_entry_id == target.id)).first()
        if already is not None:
            raise conflict("entry_already_reversed", f"该记录已被第 {already[0]} 号记录冲正")
        assert target.points is not None
        points = -target.points
        entry.reverses_entry_id = target.id
    assert points is not None
    balance = (card.points_balance or 0) + points
    if balance < 0:
        raise conflict("insufficient_points", f"积分余额为 {card.points_balance or 0}，不足以扣减 {-points} 分")
    entry.points = points
    entry.balance = balance
    card.points_balance = balance
