"""Micro-wishes: visibility, masking of residents' names, and the audited flow

    submitted → verified → published → claimed → fulfilled → closed
    submitted / verified → rejected;  submitted … claimed → cancelled;  claimed → published (released)

The wish's community verifies, rejects, publishes, closes and cancels; one claimant at a time,
decided under a row lock exactly like claims on service items; the claimant or the community
reports fulfilment, or releases the wish back to `published`. Who may do each, and who sees which
wish, is in `wishes.permissions`; the allowed moves are `WISH_MOVES` in `models/enums.py`.
Residents' names are shown in full only to those who manage the wish, masked (`张*`, `欧阳**`) for
everyone else; the household note goes to them alone (`permissions.sees_household_note`).
A resident posts its own wishes, withdraws them before they are claimed and rates the follow-up once
fulfilled (`rate_wish`); what a resident sees and may do is `wishes.permissions` too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from gongjian import notifications
from gongjian.kit import audit
from gongjian.kit.calendar import business_date
from gongjian.kit.errors import conflict, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, cached_select, page_of, read_rows
from gongjian.kit.personal_data import mask_name
from gongjian.kit.principal import Principal
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.kit.transitions import check_move
from gongjian.models import Member, Organization, Wish
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    WISH_MOVES,
    WISH_RELEASE_MOVES,
    AuditAction,
    OrganizationKind,
    WebhookEventType,
    WishStatus,
)
from gongjian.residents.permissions import login_of, own_resident_id
from gongjian.residents.schemas import FollowUpRating
from gongjian.webhooks.outbox import emit
from gongjian.wishes.permissions import (
    allowed_actions,
    cancel_moves,
    claimant,
    origin,
    rateable,
    require_handler,
    require_rater,
    sees_household_note,
    sees_resident,
    visibility,
)
from gongjian.wishes.schemas import (
    MemberRef,
    WishCancel,
    WishClaim,
    WishClose,
    WishCreate,
    WishFulfil,
    WishListQuery,
    WishMonth,
    WishRead,
    WishReject,
    WishStatusCount,
    WishSummary,
)

LABEL = "微心愿"
WISH_FIELDS = (
    "community_org_id",
    "resident_name",
    "household_note",
    "content",
    "kind",
    "estimated_value",
    "status",
    "claimant_member_id",
    "claimant_org_id",
    "fulfil_note",
    "photo_url",
    "followup_feedback",
    "end_reason",
    "resident_id",
    "rating",
    "rating_comment",
    "registered_on",
    "fulfilled_on",
)


def readable_wishes(principal: Principal) -> Select[Any]:
    stmt = select(Wish).options(
        joinedload(Wish.community_org, innerjoin=True),
        joinedload(Wish.claimant_org),
        joinedload(Wish.claimant_member),
    )
    visible = visibility(principal)
    return stmt if visible is None else stmt.where(visible)


def wish_read(principal: Principal, wish: Wish, own_resident: int | None = None) -> WishRead:
    """`own_resident`: the caller's resident id (`own_resident_id`), read once per request."""
    values: dict[str, Any] = {name: getattr(wish, name) for name in WishRead.model_fields if hasattr(wish, name)}
    full = sees_resident(principal, wish, own_resident)
    values["resident_name"] = wish.resident_name if full else mask_name(wish.resident_name)
    values["resident_name_masked"] = not full
    values["household_note"] = wish.household_note if sees_household_note(principal, wish, own_resident) else None
    values["allowed_actions"] = allowed_actions(principal, wish, own_resident)
    if not full:
        values.update(resident_id=None, rating=None, rating_comment=None, rated_at=None)
    if principal.is_resident and wish.claimant_member is not None:
        # A resident learns that a member took its wish up, not who (the community arranges the visit).
        member = wish.claimant_member
        values["claimant_member"] = MemberRef(id=member.id, name=mask_name(member.name))
    return WishRead.model_validate(values)


def list_wishes(session: Session, principal: Principal, query: WishListQuery) -> Page[WishRead]:
    rows, total = read_rows(_wishes_matching(query, principal), query, session=session)
    mine = own_resident_id(session, principal)
    return page_of(WishRead, [wish_read(principal, w, mine) for w in _with_parties(session, rows)], total, query)


@cached_select()
def _wishes_matching(query: WishListQuery, principal: Principal) -> Select[Any]:
    """The list's select of columns, built once per caller and filters: no joins, so the database
    orders narrow rows (the organisations and the claimant are read for the page alone)."""
    stmt = select(Wish.__table__)
    visible = visibility(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    if query.status is not None:
        stmt = stmt.where(Wish.status == query.status.value)
    if query.community_org_id is not None:
        stmt = stmt.where(Wish.community_org_id == query.community_org_id)
    if query.claimant_org_id is not None:
        stmt = stmt.where(Wish.claimant_org_id == query.claimant_org_id)
    if query.claimant_member_id is not None:
        stmt = stmt.where(Wish.claimant_member_id == query.claimant_member_id)
    if query.kind is not None:
        stmt = stmt.where(Wish.kind == query.kind.value)
    if query.month is not None:
        year, month = (int(part) for part in query.month.split("-"))
        stmt = stmt.where(Wish.registered_on >= date(year, month, 1), Wish.registered_on < _next_month(year, month))
    columns = {"created_at": Wish.created_at, "estimated_value": Wish.estimated_value, "id": Wish.id}
    return apply_sort(stmt, query.sort.value, columns, Wish.id)


def _with_parties(session: Session, rows: list[dict[str, Any]]) -> list[Any]:
    """A page's rows read by attribute as `wish_read` reads a `Wish`, with its community, claiming
    organisation and claiming member looked up for the whole page at once."""
    if not rows:
        return []
    org_ids = {row["community_org_id"] for row in rows} | {row["claimant_org_id"] for row in rows} - {None}
    orgs = {
        org.id: org
        for org in session.execute(
            select(Organization.id, Organization.name, Organization.kind).where(Organization.id.in_(org_ids))
        )
    }
    member_ids = {row["claimant_member_id"] for row in rows} - {None}
    members = (
        {
            member.id: member
            for member in session.execute(
                select(Member.id, Member.name, Member.user_id, Member.unit_org_id).where(Member.id.in_(member_ids))
            )
        }
        if member_ids
        else {}
    )
    return [
        SimpleNamespace(
            **row,
            community_org=orgs[row["community_org_id"]],
            claimant_org=orgs.get(row["claimant_org_id"]),
            claimant_member=members.get(row["claimant_member_id"]),
        )
        for row in rows
    ]


def _next_month(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


def _get_wish(session: Session, principal: Principal, wish_id: int, *, lock: bool = False) -> Wish:
    wish: Wish = one_or_404(session, readable_wishes(principal).where(Wish.id == wish_id), LABEL, lock=lock, of=Wish)
    return wish


def get_wish(session: Session, principal: Principal, wish_id: int) -> WishRead:
    return wish_read(principal, _get_wish(session, principal, wish_id), own_resident_id(session, principal))


def _reload(session: Session, principal: Principal, wish: Wish) -> WishRead:
    session.flush()
    session.expire(wish)
    return get_wish(session, principal, wish.id)


def create_wish(session: Session, principal: Principal, data: WishCreate) -> WishRead:
    source = origin(session, principal, data)
    community = live_organization(session, source.community_org_id, "body.community_org_id")
    if community.kind != OrganizationKind.community.value:
        raise unprocessable("wrong_organization_kind", "微心愿须属于社区党组织", field="body.community_org_id")
    now = utcnow()
    registered_on = business_date(principal, data.registered_on, at=now, field="body.registered_on")
    wish = Wish(
        **data.model_dump(exclude={"community_org_id", "kind", "resident_id", "resident_name", "registered_on"}),
        kind=data.kind.value,
        resident_name=source.resident_name,
        resident_id=source.resident.id if source.resident is not None else None,
    )
    wish.community_org_id = community.id
    wish.created_at, wish.registered_on = now, registered_on
    wish.status = WishStatus.submitted.value
    session.add(wish)
    session.flush()
    audit.record(session, principal, AuditAction.create, "wish", wish.id, audit.snapshot(wish, WISH_FIELDS))
    return get_wish(session, principal, wish.id)


def _step(
    session: Session,
    principal: Principal,
    wish_id: int,
    if_match: str | None,
    *,
    target: WishStatus,
    claimant_may: bool = False,
    moves: Mapping[WishStatus, Collection[WishStatus]] = WISH_MOVES,
) -> tuple[Wish, dict[str, Any]]:
    """Lock the wish, check who acts (its community, or also its claimant), the version and the move."""
    wish = _get_wish(session, principal, wish_id, lock=True)
    require_handler(session, principal, wish, claimant_may=claimant_may)
    check_if_match(if_match, wish.version)
    check_move(WishStatus(wish.status), target, moves, "wish_invalid_transition", "心愿")
    before = audit.snapshot(wish, WISH_FIELDS)
    wish.status = target.value
    return wish, before


def _tell_resident(session: Session, wish: Wish) -> None:
    """The resident who posted the wish hears in WeChat that it was claimed or fulfilled."""
    if wish.resident_id is not None:
        notifications.notify_wish_progress(session, wish, login_of(session, wish.resident_id))


def _done(session: Session, principal: Principal, wish: Wish, before: dict[str, Any]) -> WishRead:
    audit.finish_update(session, principal, "wish", wish, before, WISH_FIELDS)
    return _reload(session, principal, wish)


def verify_wish(session: Session, principal: Principal, wish_id: int, if_match: str | None) -> WishRead:
    wish, before = _step(session, principal, wish_id, if_match, target=WishStatus.verified)
    wish.verified_at = utcnow()
    return _done(session, principal, wish, before)


def reject_wish(
    session: Session, principal: Principal, wish_id: int, data: WishReject, if_match: str | None
) -> WishRead:
    wish, before = _step(
        session,
        principal,
        wish_id,
        if_match,
        target=WishStatus.rejected,
    )
    wish.ended_at = utcnow()
    wish.end_reason = data.reason
    return _done(session, principal, wish, before)


def publish_wish(session: Session, principal: Principal, wish_id: int, if_match: str | None) -> WishRead:
    wish, before = _step(session, principal, wish_id, if_match, target=WishStatus.published)
    wish.published_at = utcnow()
    return _done(session, principal, wish, before)


def claim_wish(session: Session, principal: Principal, wish_id: int, data: WishClaim, if_match: str | None) -> WishRead:
    """Run inside `unit_of_work(write_lock=True)`: the wish row is locked before its state is read."""
    wish = _get_wish(session, principal, wish_id, lock=True)
    member_id, org_id = claimant(session, principal, data)
    check_if_match(if_match, wish.version)
    if wish.status == WishStatus.claimed.value:
        raise conflict("wish_already_claimed", "该心愿已被认领")
    check_move(WishStatus(wish.status), WishStatus.claimed, WISH_MOVES, "wish_invalid_transition", "心愿")
    before = audit.snapshot(wish, WISH_FIELDS)
    wish.status = WishStatus.claimed.value
    wish.claimant_member_id = member_id
    wish.claimant_org_id = org_id
    wish.claimed_at = utcnow()
    _tell_resident(session, wish)
    return _done(session, principal, wish, before)


def release_wish(session: Session, principal: Principal, wish_id: int, if_match: str | None) -> WishRead:
    wish, before = _step(
        session,
        principal,
        wish_id,
        if_match,
        target=WishStatus.published,
        claimant_may=True,
        moves=WISH_RELEASE_MOVES,
    )
    wish.claimant_member_id = None
    wish.claimant_org_id = None
    wish.claimed_at = None
    return _done(session, principal, wish, before)


def fulfil_wish(
    session: Session, principal: Principal, wish_id: int, data: WishFulfil, if_match: str | None
) -> WishRead:
    wish, before = _step(
        session,
        principal,
        wish_id,
        if_match,
        target=WishStatus.fulfilled,
        claimant_may=True,
    )
    wish.fulfilled_at = utcnow()
    wish.fulfilled_on = business_date(
        principal,
        data.fulfilled_on,
        at=wish.fulfilled_at,
        field="body.fulfilled_on",
        not_before=wish.registered_on,
        not_before_label="登记日期",
    )
    wish.fulfil_note = data.note
    wish.photo_url = data.photo_url
    emit(
        session,
        WebhookEventType.wish_fulfilled,
        {
            "wish_id": wish.id,
            "community_org_id": wish.community_org_id,
            "claimant_org_id": wish.claimant_org_id,
            "claimant_member_id": wish.claimant_member_id,
            "fulfilled_at": wish.fulfilled_at,
        },
    )
    _tell_resident(session, wish)
    return _done(session, principal, wish, before)


def close_wish(session: Session, principal: Principal, wish_id: int, data: WishClose, if_match: str | None) -> WishRead:
    wish, before = _step(session, principal, wish_id, if_match, target=WishStatus.closed)
    wish.closed_at = utcnow()
    wish.followup_feedback = data.feedback
    return _done(session, principal, wish, before)


def cancel_wish(
    session: Session, principal: Principal, wish_id: int, data: WishCancel, if_match: str | None
) -> WishRead:
    """By its community, or by its resident before anyone claims it (`permissions.cancel_moves`)."""
    wish = _get_wish(session, principal, wish_id, lock=True)
    moves = cancel_moves(session, principal, wish)
    check_if_match(if_match, wish.version)
    check_move(WishStatus(wish.status), WishStatus.cancelled, moves, "wish_invalid_transition", "心愿")
    before = audit.snapshot(wish, WISH_FIELDS)
    wish.status = WishStatus.cancelled.value
    wish.ended_at = utcnow()
    wish.end_reason = data.reason
    return _done(session, principal, wish, before)


def rate_wish(
    session: Session, principal: Principal, wish_id: int, data: FollowUpRating, if_match: str | None
) -> WishRead:
    """The resident's 满意度, once, after the wish is fulfilled."""
    wish = _get_wish(session, principal, wish_id, lock=True)
    require_rater(session, principal, wish)
    check_if_match(if_match, wish.version)
    if wish.rated_at is not None:
        raise conflict("already_rated", "已经评价过，不能重复评价")
    if not rateable(wish):
        raise conflict("wish_not_rateable", "心愿实现后才能评价")
    before = audit.snapshot(wish, WISH_FIELDS)
    wish.rating = data.rating
    wish.rating_comment = data.comment or None
    wish.rated_at = utcnow()
    return _done(session, principal, wish, before)


def wishes_summary(
    session: Session, principal: Principal, *, community_org_id: int | None, since: date | None, until: date | None
) -> WishSummary:
    """Wishes submitted and fulfilled in [since, until], by their business dates (registration,
    fulfilment), per month."""
    if since is not None and until is not None and until < since:
        raise unprocessable("invalid_date_range", "结束日期不能早于开始日期", field="query.until")

    def in_period(column: Any) -> ColumnElement[bool]:
        bounds: list[ColumnElement[bool]] = [column.is_not(None)]
        if since is not None:
            bounds.append(column >= since)
        if until is not None:
            bounds.append(column <= until)
        return and_(*bounds)

    stmt = select(Wish.registered_on, Wish.fulfilled_on, Wish.status).where(
        or_(in_period(Wish.registered_on), in_period(Wish.fulfilled_on))
    )
    visible = visibility(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    if community_org_id is not None:
        stmt = stmt.where(Wish.community_org_id == community_org_id)
    months: dict[str, list[int]] = {}
    statuses: dict[WishStatus, int] = {}

    def inside(day: date | None) -> bool:
        return day is not None and (since is None or day >= since) and (until is None or day <= until)

    for registered_on, fulfilled_on, status in session.execute(stmt):
        if inside(registered_on):
            months.setdefault(f"{registered_on:%Y-%m}", [0, 0])[0] += 1
            statuses[WishStatus(status)] = statuses.get(WishStatus(status), 0) + 1
        if inside(fulfilled_on):
            months.setdefault(f"{fulfilled_on:%Y-%m}", [0, 0])[1] += 1
    by_month = [WishMonth(month=m, submitted=s, fulfilled=f) for m, (s, f) in sorted(months.items())]
    return WishSummary(
        community_org_id=community_org_id,
        since=since,
        until=until,
        submitted=sum(m.submitted for m in by_month),
        fulfilled=sum(m.fulfilled for m in by_month),
        by_month=by_month,
        by_status=[WishStatusCount(status=s, count=statuses[s]) for s in WishStatus if s in statuses],
    )


def wish_counts_by_community(
    session: Session, community_ids: Sequence[int], *, since: date, until: date
) -> dict[int, tuple[int, int]]:
    """`wishes_summary`'s two totals (submitted: registered in [since, until]; fulfilled: fulfilled
    in it, by the business dates) for many communities in one grouped query, unscoped (the
    statistics' own reading). Communities without such wishes are absent."""

    def inside(column: Any) -> Any:
        return func.coalesce(func.sum(case((and_(column >= since, column <= until), 1), else_=0)), 0)

    rows = session.execute(
        select(Wish.community_org_id, inside(Wish.registered_on), inside(Wish.fulfilled_on))
        .where(
            Wish.community_org_id.in_(community_ids),
            or_(Wish.registered_on.between(since, until), Wish.fulfilled_on.between(since, until)),
        )
        .group_by(Wish.community_org_id)
    ).all()
    return {community: (int(submitted), int(fulfilled)) for community, submitted, fulfilled in rows}
