"""Members under dual management: reading them, creating, updating, archiving and restoring.

- Who may see and change a member: members/permissions.py; the checks a member must pass (its
  placement, dates, volunteer number, linked login), shared with the bulk import: members/rules.py.
- Phone numbers are stored encrypted and answered in full or masked by `sees_full_phone`.
- Creating a member, or changing its category, issues the card of its category; the previous card
  is kept, closed.
- Members are archived and restored, never deleted; an archived member is read-only.
The bulk import lives in members/importing.py, a member's community records in
members/community_records.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, select, union_all
from sqlalchemy.orm import Session, joinedload

from gongjian.cards import service as cards
from gongjian.db import unit_of_work
from gongjian.evaluation.syncing import sync_members
from gongjian.kit import audit
from gongjian.kit.access import require_admin_role
from gongjian.kit.errors import conflict, forbidden
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, bounded_count, cached_select, cut_at_page_end, page_of, read_rows
from gongjian.kit.personal_data import encrypt, mask_mobile, phone_lookup, phone_lookups, reveal
from gongjian.kit.principal import Principal
from gongjian.kit.rows import one_or_404
from gongjian.kit.sorting import LIKE_ESCAPE, apply_sort, like_pattern
from gongjian.members import permissions
from gongjian.members.rules import (
    MEMBER_FIELDS,
    check_user_link,
    date_issues,
    ensure_volunteer_number_free,
    load_orgs,
    placement_issues,
    raise_first,
    row_values,
)
from gongjian.members.schemas import MemberCreate, MemberFilters, MemberListQuery, MemberRead, MemberUpdate
from gongjian.models import Member, Organization, User
from gongjian.models.base import utcnow
from gongjian.models.enums import AuditAction, MemberCategory, MemberStatus, Role, WebhookEventType
from gongjian.webhooks.outbox import emit

LABEL = "党员"

# --- reading -------------------------------------------------------------------------------------


def readable_members(principal: Principal) -> Select[Any]:
    return (
        select(Member)
        .options(joinedload(Member.unit_org), joinedload(Member.community_org))
        .where(permissions.visible_members(principal))
    )


SORT_COLUMNS = {
    "name": Member.sort_name,  # pinyin order (kit/sorting.py name_sort_key)
    "joined_party_on": Member.joined_party_on,
    "reported_on": Member.reported_on,
    "id": Member.id,
}


def list_members(principal: Principal, query: MemberListQuery) -> Page[MemberRead]:
    """One page of the members the caller may see, phones masked as `sees_full_phone` says.

    Read as columns on the list's fast path (kit/pagination.py), the organisations joined in the
    same statement; only the page's phone numbers are decrypted."""
    kind, org_id = _scope_of(principal)
    if kind == "org":
        rows, total = read_rows(_org_page(query, org_id), query, total=_org_total(query, org_id))
    else:
        rows, total = read_rows(_members_matching(query, kind, org_id, principal if kind == "other" else None), query)
    return page_of(MemberRead, [_listed(principal, row) for row in rows], total, query)


MEMBERS = cast(Table, Member.__table__)
_M = MEMBERS.c
_UNIT = cast(Table, Organization.__table__).alias("unit_org")
_COMMUNITY = cast(Table, Organization.__table__).alias("community_org")
_ORG_REF = ("id", "name", "kind", "code")
_LISTED = (
    *(_M[name] for name in MemberRead.model_fields if name in _M and name != "phone"),
    _M.phone_ciphertext,
    _M.unit_org_id,
    _M.community_org_id,
    _M.sort_name,
    *(_UNIT.c[name].label(f"unit__{name}") for name in _ORG_REF),
    *(_COMMUNITY.c[name].label(f"community__{name}") for name in _ORG_REF),
)


def _scope_of(principal: Principal) -> tuple[str, int | None]:
    """Which select serves the caller: every member, one organisation's (either side), or another
    scope built from the caller (an area admin's, a member's own row)."""
    if principal.is_admin:
        return "all", None
    if principal.is_org_admin and not principal.is_area_admin and principal.organization_id is not None:
        return "org", principal.organization_id
    return "other", None


@cached_select()
def _members_matching(query: MemberFilters, kind: str, org_id: int | None, principal: Principal | None) -> Select[Any]:
    """The list's rows. An organisation's admin sees the members of its organisation on either side
    of dual management (`unit_org_id = org OR community_org_id = org`): no one index serves that OR
    in order, so each side is read by its own index — the community side, then the unit side
    without the members that are on both — and the two are merged in the list's order (UNION ALL
    under the ORDER BY: SQLite merges the two ordered branches; PostgreSQL sorts the whole scope,
    which is why a page is read by `_org_page`). The export reads every row of this select."""
    if kind == "org":
        both = union_all(*_org_sides(query, org_id)).subquery("scoped")
        columns = both.c
        stmt = select(both)
    else:
        stmt = _side(query) if kind == "all" else _side(query, permissions.visible_members(principal))  # type: ignore[arg-type]
        columns = MEMBERS.c
    sort_columns = {key: columns[column.key] for key, column in SORT_COLUMNS.items()}
    return apply_sort(stmt, query.sort.value, sort_columns, columns.id)


def _org_sides(query: MemberFilters, org_id: int | None) -> tuple[Select[Any], Select[Any]]:
    """An organisation's members as two disjoint selects, each served by one index."""
    return (
        _side(query, _M.community_org_id == org_id),
        _side(query, _M.unit_org_id == org_id, _M.community_org_id != org_id),
    )


def _side(query: MemberFilters, *scope: ColumnElement[bool]) -> Select[Any]:
    """The list's columns for the members in `scope` that pass the query's filters."""
    stmt = (
        select(*_LISTED)
        # LEFT JOINs (the community is never missing): the count drops them (kit/pagination.py).
        .select_from(
            MEMBERS.outerjoin(_COMMUNITY, _COMMUNITY.c.id == _M.community_org_id).outerjoin(
                _UNIT, _UNIT.c.id == _M.unit_org_id
            )
        )
        .where(*scope)
    )
    if query.category is not None:
        stmt = stmt.where(_M.category == query.category.value)
    if query.unit_org_id is not None:
        stmt = stmt.where(_M.unit_org_id == query.unit_org_id)
    if query.community_org_id is not None:
        stmt = stmt.where(_M.community_org_id == query.community_org_id)
    if query.status is not None:
        stmt = stmt.where(_M.status == query.status.value)
    if query.q:
        stmt = stmt.where(_M.name.like(like_pattern(query.q), escape=LIKE_ESCAPE))
    return stmt


@cached_select()
def _org_page(query: MemberFilters, org_id: int | None) -> Select[Any]:
    """An organisation admin's page: each side of dual management read in the list's order and cut
    at the page's end before the two are merged. PostgreSQL 15 builds no Merge Append over the
    UNION ALL of `_members_matching`, so it read and sorted the whole scope for every page (24,637
    members at L: 37 ms a page, SQLite 1 ms); a LIMIT inside each side lets both databases stop at
    the page. Counted by `_org_total`: the same rows without the cuts."""
    sides = [
        select(cut_at_page_end(apply_sort(side, query.sort.value, SORT_COLUMNS, _M.id)).subquery())
        for side in _org_sides(query, org_id)
    ]
    merged = union_all(*sides).subquery("scoped")
    columns = {key: merged.c[column.key] for key, column in SORT_COLUMNS.items()}
    return apply_sort(select(merged), query.sort.value, columns, merged.c.id)


@cached_select()
def _org_total(query: MemberFilters, org_id: int | None) -> ColumnElement[int]:
    return bounded_count(_members_matching(query, "org", org_id, None))


def _listed(principal: Principal, row: dict[str, Any]) -> dict[str, Any]:
    """A list row as MemberRead's fields: the organisations nested, the phone decrypted and masked."""
    ciphertext = row.pop("phone_ciphertext")
    phone = reveal(ciphertext) if ciphertext else None
    masked = phone is not None and not permissions.sees_full_phone_at(
        principal, row["unit_org_id"], row["community_org_id"], row["user_id"]
    )
    row["phone"] = mask_mobile(phone) if masked and phone else phone
    row["phone_masked"] = masked
    unit = {name: row.pop(f"unit__{name}") for name in _ORG_REF}
    row["unit_org"] = unit if unit["id"] is not None else None
    row["community_org"] = {name: row.pop(f"community__{name}") for name in _ORG_REF}
    return row


# Rows an export reads from the database at a time: its memory stays flat however many there are.
EXPORT_BATCH = 1000


def export_members(
    principal: Principal, query: MemberFilters, write: Callable[[Iterable[dict[str, Any]]], None]
) -> None:
    """`write(rows)` given every member the list would show with these filters, in its order (no
    pages), as the list's rows (`_listed`: MemberRead's fields, organisations nested, phones masked
    as in the list). The rows are read as columns in batches while `write` consumes them, in a unit
    of work of this call (run it in one worker thread): the session is closed when `write` returns,
    before any of the file is sent."""
    kind, org_id = _scope_of(principal)
    stmt = _members_matching(query, kind, org_id, principal if kind == "other" else None)
    with unit_of_work(write_lock=False) as session:
        result = session.execute(stmt.execution_options(yield_per=EXPORT_BATCH)).mappings()
        try:
            write(_listed(principal, dict(row)) for row in result)
        finally:
            result.close()


def get_member(session: Session, principal: Principal, member_id: int) -> MemberRead:
    return to_read(principal, _member(session, principal, member_id))


def _member(session: Session, principal: Principal, member_id: int) -> Member:
    return one_or_404(session, readable_members(principal).where(Member.id == member_id), LABEL)  # type: ignore[no-any-return]


def phone_of(member: Member) -> str | None:
    return reveal(member.phone_ciphertext) if member.phone_ciphertext else None


def to_read(principal: Principal, member: Member) -> MemberRead:
    phone = phone_of(member)
    masked = phone is not None and not permissions.sees_full_phone(principal, member)
    data = {name: getattr(member, name) for name in MemberRead.model_fields if hasattr(member, name)}
    data.update(phone=mask_mobile(phone) if masked and phone else phone, phone_masked=masked)
    return MemberRead.model_validate(data, from_attributes=True)


# --- writing -------------------------------------------------------------------------------------


def create_member(session: Session, principal: Principal, data: MemberCreate) -> MemberRead:
    require_admin_role(principal, "只有平台管理员或党组织管理员可以登记党员")
    orgs = load_orgs(session, [data.unit_org_id, data.community_org_id])
    raise_first(
        placement_issues(principal, data.category, data.unit_org_id, data.community_org_id, orgs)
        + date_issues(data.birth_date, data.joined_party_on, data.reported_on)
    )
    if not permissions.looks_after(principal, data.unit_org_id, data.community_org_id):
        raise forbidden("只能登记本组织（作为工作单位或报到社区）的党员")
    if data.volunteer_number:
        ensure_volunteer_number_free(session, data.volunteer_number, None)
    if data.user_id is not None:
        check_user_link(session, data.user_id, data.unit_org_id, data.community_org_id, None)
    member = Member(**row_values(data))
    session.add(member)
    session.flush()
    audit.record(session, principal, AuditAction.create, "member", member.id, audit.snapshot(member, MEMBER_FIELDS))
    cards.issue_cards(session, principal, [cards.CardRequest(member.id, data.category, data.community_org_id)])
    sync_members(session, [member.id])  # an open period's evaluation, if in service (evaluation/syncing.py)
    return get_member(session, principal, member.id)


def update_member(
    session: Session, principal: Principal, member_id: int, data: MemberUpdate, if_match: str | None
) -> MemberRead:
    member = _member(session, principal, member_id)
    manager = permissions.manages(principal, member)
    if not permissions.looks_after_member(principal, member):
        raise forbidden("只有平台管理员或该党员所在组织的管理员可以修改")
    if member.status == MemberStatus.archived.value:
        raise conflict("member_archived", "党员已归档，恢复后才能修改")
    check_if_match(if_match, member.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if not manager:
        outside = sorted(changes.keys() - permissions.COMMUNITY_SIDE_FIELDS)
        if outside:
            raise forbidden("社区只能修改在职党员的报到日期、技能特长、志愿者编号和登录账号；其余信息由所在单位维护")

    category = MemberCategory(changes.get("category", member.category))
    unit_org_id = changes.get("unit_org_id", member.unit_org_id)
    community_org_id = changes.get("community_org_id", member.community_org_id)
    placement_changed = (category.value, unit_org_id, community_org_id) != (
        member.category,
        member.unit_org_id,
        member.community_org_id,
    )
    if placement_changed:
        orgs = load_orgs(session, [unit_org_id, community_org_id])
        raise_first(placement_issues(principal, category, unit_org_id, community_org_id, orgs))
        if not permissions.looks_after(principal, unit_org_id, community_org_id):
            raise forbidden("不能把党员转出本组织；组织关系转接请联系平台管理员")
    raise_first(
        date_issues(
            changes.get("birth_date", member.birth_date),
            changes.get("joined_party_on", member.joined_party_on),
            changes.get("reported_on", member.reported_on),
        )
    )
    if changes.get("volunteer_number"):
        ensure_volunteer_number_free(session, changes["volunteer_number"], member.id)
    user_id = changes.get("user_id", member.user_id)
    if user_id is not None and ("user_id" in changes or placement_changed):
        check_user_link(session, user_id, unit_org_id, community_org_id, member.id)

    before = audit.snapshot(member, MEMBER_FIELDS)
    if "phone" in changes:
        phone = changes.pop("phone")
        if phone != phone_of(member):  # a fresh ciphertext of the same number is no change
            member.phone_ciphertext = encrypt(phone) if phone else None
            member.phone_lookup = phone_lookup(phone) if phone else None
    for name, value in changes.items():
        setattr(member, name, value.value if name in ("category", "gender") else value)
    if category.value != before["category"]:
        cards.close_open_card(session, principal, member.id)
        cards.issue_cards(session, principal, [cards.CardRequest(member.id, category, community_org_id)])
    audit.finish_update(session, principal, "member", member, before, MEMBER_FIELDS)
    if placement_changed:  # in or out of service: the open periods' evaluations follow
        sync_members(session, [member.id])
    session.expire(member)
    return get_member(session, principal, member.id)


def set_member_archived(session: Session, principal: Principal, member_id: int, archived: bool) -> MemberRead:
    member = _member(session, principal, member_id)
    if not permissions.manages(principal, member):
        raise forbidden("只有平台管理员或管理该党员的组织可以归档或恢复")
    if (member.status == MemberStatus.archived.value) == archived:
        raise conflict("already_archived" if archived else "not_archived", "党员已是该状态")
    before = audit.snapshot(member, MEMBER_FIELDS)
    member.status = (MemberStatus.archived if archived else MemberStatus.active).value
    member.archived_at = utcnow() if archived else None
    if archived:
        emit(
            session,
            WebhookEventType.member_archived,
            {
                "member_id": member.id,
                "community_org_id": member.community_org_id,
                "unit_org_id": member.unit_org_id,
                "archived_at": member.archived_at,
            },
        )
    audit.finish_update(
        session,
        principal,
        "member",
        member,
        before,
        MEMBER_FIELDS,
        action=AuditAction.archive if archived else AuditAction.restore,
    )
    sync_members(session, [member.id])  # an archived member's unscored evaluation goes, a restored one's comes
    return to_read(principal, member)


def link_reported_login(session: Session, principal: Principal, member: Member, user_id: int) -> None:
    """A 报到 approved for a member account: link the account to the member it reported as.

    The member's own login stays (409 `member_has_login` if it is another one). An account that
    reported to a new community (moving house) leaves its old member row, which its community
    keeps, and its login moves to the new community when it belonged to neither of the member's
    organisations."""
    if member.user_id == user_id:
        return
    if member.user_id is not None:
        raise conflict("member_has_login", "该党员已关联其他登录账号，请先与党员核对")
    user = session.get_one(User, user_id)
    if user.role != Role.member.value or not user.is_active:
        raise conflict("invalid_user_link", "报到账号已停用或不是党员账号，不能关联")
    previous = session.execute(select(Member).where(Member.user_id == user_id)).scalar_one_or_none()
    if previous is not None:
        previous.user_id = None
        previous.version += 1
        session.flush()  # before the new link: members.user_id is unique
        audit.record(
            session, principal, AuditAction.update, "member", previous.id, {"user_id": [user_id, None], "via": "report"}
        )
    if user.organization_id not in (member.unit_org_id, member.community_org_id):
        audit.record(
            session,
            principal,
            AuditAction.update,
            "user",
            user.id,
            {"organization_id": [user.organization_id, member.community_org_id], "via": "report"},
        )
        user.organization_id = member.community_org_id
        user.version += 1
    member.user_id = user_id
    member.version += 1
    audit.record(
        session, principal, AuditAction.update, "member", member.id, {"user_id": [None, user_id], "via": "report"}
    )


def find_by_phone(session: Session, community_org_id: int, phone: str) -> Member | None:
    """The community's member with this (normalised) phone, matched by its keyed hash under any data
    key held; an active one before an archived one, the oldest first (rows from before the hash
    column can't be duplicates of each other: migration 0015 filled it in)."""
    return session.execute(
        select(Member)
        .where(Member.community_org_id == community_org_id, Member.phone_lookup.in_(phone_lookups(phone)))
        .order_by(Member.archived_at.is_not(None), Member.id)
        .limit(1)
        .with_for_update()
    ).scalar_one_or_none()
