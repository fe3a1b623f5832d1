"""Micro-wishes: visibility, masking of residents' names, and the audited flow

    submitted → verified → published → claimed → fulfilled → closed
    submitted / verified → rejected;  submitted … claimed → cancelled;  claimed → published (released)

The wish's community (its community admin, or a platform admin) verifies, rejects, publishes,
closes and cancels. A member claims for itself (through its linked member record), a unit or
social organisation's admin claims for its organisation (or names one of its members); one
claimant at a time, decided under a row lock exactly like claims on service items. The claimant or
the community reports fulfilment, or releases the wish back to `published`.

Visibility: a community admin sees every wish of its community; everyone sees published and later
wishes (so they can be claimed) and the wishes they claimed. Residents' names are shown in full only
to the wish's community admin and platform admins, masked (`张*`, `欧阳**`) for everyone else.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, joinedload

from gongjian.kit import audit
from gongjian.kit.calendar import end_of, local_month, month_bounds, start_of
from gongjian.kit.errors import ProblemError, conflict, forbidden, not_found, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import PageParams, fetch_page
from gongjian.kit.personal_data import mask_name
from gongjian.kit.principal import Principal
from gongjian.kit.sorting import apply_sort
from gongjian.models import Member, Organization, Wish
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    ActorType,
    AuditAction,
    OrganizationKind,
    Role,
    WebhookEventType,
    WishKind,
    WishStatus,
)
from gongjian.webhooks.outbox import emit
from gongjian.wishes.schemas import (
    WishCancel,
    WishClaim,
    WishClose,
    WishCreate,
    WishFulfil,
    WishMonth,
    WishRead,
    WishReject,
    WishSort,
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
)
PUBLIC_STATUSES = (WishStatus.published, WishStatus.claimed, WishStatus.fulfilled, WishStatus.closed)
CLAIMANT_ORG_KINDS = {OrganizationKind.unit.value, OrganizationKind.social.value}


def _own_member_ids(principal: Principal) -> Select[int]:
    return select(Member.id).where(Member.user_id == principal.id)


def _visibility(principal: Principal) -> ColumnElement[bool] | None:
    if principal.is_admin:
        return None
    conditions: list[ColumnElement[bool]] = [Wish.status.in_([s.value for s in PUBLIC_STATUSES])]
    if principal.organization_id is not None and principal.role is Role.community_admin:
        conditions.append(Wish.community_org_id == principal.organization_id)
    if principal.organization_id is not None and principal.role is Role.unit_admin:
        conditions.append(Wish.claimant_org_id == principal.organization_id)
    if principal.role is Role.member and principal.actor_type is ActorType.user:
        conditions.append(Wish.claimant_member_id.in_(_own_member_ids(principal)))
    return or_(*conditions)


def readable_wishes(principal: Principal) -> Select[Wish]:
    stmt = select(Wish).options(
        joinedload(Wish.community_org, innerjoin=True),
        joinedload(Wish.claimant_org),
        joinedload(Wish.claimant_member),
    )
    visible = _visibility(principal)
    return stmt if visible is None else stmt.where(visible)


def manages(principal: Principal, wish: Wish) -> bool:
    """The wish's community admin, or a platform admin."""
    return principal.is_admin or (
        principal.role is Role.community_admin and principal.organization_id == wish.community_org_id
    )


def wish_read(principal: Principal, wish: Wish) -> WishRead:
    values: dict[str, Any] = {name: getattr(wish, name) for name in WishRead.model_fields if hasattr(wish, name)}
    full = manages(principal, wish)
    values["resident_name"] = wish.resident_name if full else mask_name(wish.resident_name)
    values["resident_name_masked"] = not full
    return WishRead.model_validate(values)


def list_wishes(
    session: Session,
    principal: Principal,
    params: PageParams,
    *,
    status: WishStatus | None,
    community_org_id: int | None,
    claimant_org_id: int | None,
    claimant_member_id: int | None,
    kind: WishKind | None,
    month: str | None,
    sort: WishSort,
) -> tuple[list[WishRead], int]:
    stmt = readable_wishes(principal)
    if status is not None:
        stmt = stmt.where(Wish.status == status.value)
    if community_org_id is not None:
        stmt = stmt.where(Wish.community_org_id == community_org_id)
    if claimant_org_id is not None:
        stmt = stmt.where(Wish.claimant_org_id == claimant_org_id)
    if claimant_member_id is not None:
        stmt = stmt.where(Wish.claimant_member_id == claimant_member_id)
    if kind is not None:
        stmt = stmt.where(Wish.kind == kind.value)
    if month is not None:
        first, following = month_bounds(month)
        stmt = stmt.where(Wish.created_at >= first, Wish.created_at < following)
    columns = {"created_at": Wish.created_at, "estimated_value": Wish.estimated_value, "id": Wish.id}
    rows, total = fetch_page(session, apply_sort(stmt, sort.value, columns, Wish.id), params)
    return [wish_read(principal, w) for w in rows], total


def get_wish(session: Session, principal: Principal, wish_id: int, *, lock: bool = False) -> Wish:
    stmt = readable_wishes(principal).where(Wish.id == wish_id)
    if lock:
        stmt = stmt.with_for_update(of=Wish)
    wish = session.execute(stmt).scalar_one_or_none()
    if wish is None:
        raise not_found(LABEL)
    return wish


def _reload(session: Session, principal: Principal, wish: Wish) -> WishRead:
    session.flush()
    session.expire(wish)
    return wish_read(principal, get_wish(session, principal, wish.id))


def create_wish(session: Session, principal: Principal, data: WishCreate) -> WishRead:
    if principal.is_admin:
        if data.community_org_id is None:
            raise unprocessable("organization_required", "平台管理员须指定所在社区", field="body.community_org_id")
        community_id = data.community_org_id
    elif principal.role is Role.community_admin and principal.organization_id is not None:
        community_id = data.community_org_id or principal.organization_id
        if community_id != principal.organization_id:
            raise ProblemError(403, "not_own_organization", "无权操作", "只能为本社区的居民登记心愿")
    else:
        raise forbidden("微心愿由社区党组织登记")
    community = session.get(Organization, community_id)
    if community is None or community.archived_at is not None:
        raise unprocessable("organization_not_found", "党组织不存在或已归档", field="body.community_org_id")
    if community.kind != OrganizationKind.community.value:
        raise unprocessable("wrong_organization_kind", "微心愿须属于社区党组织", field="body.community_org_id")
    wish = Wish(**data.model_dump(exclude={"community_org_id", "kind"}), kind=data.kind.value)
    wish.community_org_id = community.id
    wish.status = WishStatus.submitted.value
    session.add(wish)
    session.flush()
    audit.record(session, principal, AuditAction.create, "wish", wish.id, audit.snapshot(wish, WISH_FIELDS))
    return wish_read(principal, get_wish(session, principal, wish.id))


def _invalid(wish: Wish, target: WishStatus) -> ProblemError:
    current = WishStatus(wish.status)
    return conflict(
        "wish_invalid_transition",
        f"心愿当前为“{WishStatus.label_of(current)}”，不能改为“{WishStatus.label_of(target)}”",
    )


def _is_claimant(session: Session, principal: Principal, wish: Wish) -> bool:
    if wish.claimant_org_id is not None:
        return principal.is_org_admin and principal.organization_id == wish.claimant_org_id
    if wish.claimant_member_id is not None:
        member = session.get(Member, wish.claimant_member_id)
        if member is None:
            return False
        if principal.actor_type is ActorType.user and member.user_id == principal.id:
            return True
        return principal.role is Role.unit_admin and principal.organization_id == member.unit_org_id
    return False


def _step(
    session: Session,
    principal: Principal,
    wish_id: int,
    if_match: str | None,
    *,
    allowed_from: set[WishStatus],
    target: WishStatus,
    claimant_may: bool = False,
) -> tuple[Wish, dict[str, Any]]:
    wish = get_wish(session, principal, wish_id, lock=True)
    if not (manages(principal, wish) or (claimant_may and _is_claimant(session, principal, wish))):
        raise forbidden(
            "只有心愿所在社区、认领人或平台管理员可以执行此操作"
            if claimant_may
            else "只有心愿所在社区或平台管理员可以执行此操作"
        )
    check_if_match(if_match, wish.version)
    if WishStatus(wish.status) not in allowed_from:
        raise _invalid(wish, target)
    before = audit.snapshot(wish, WISH_FIELDS)
    wish.status = target.value
    return wish, before


def _done(session: Session, principal: Principal, wish: Wish, before: dict[str, Any]) -> WishRead:
    audit.finish_update(session, principal, "wish", wish, before, WISH_FIELDS)
    return _reload(session, principal, wish)


def verify_wish(session: Session, principal: Principal, wish_id: int, if_match: str | None) -> WishRead:
    wish, before = _step(
        session, principal, wish_id, if_match, allowed_from={WishStatus.submitted}, target=WishStatus.verified
    )
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
        allowed_from={WishStatus.submitted, WishStatus.verified},
        target=WishStatus.rejected,
    )
    wish.ended_at = utcnow()
    wish.end_reason = data.reason
    return _done(session, principal, wish, before)


def publish_wish(session: Session, principal: Principal, wish_id: int, if_match: str | None) -> WishRead:
    wish, before = _step(
        session, principal, wish_id, if_match, allowed_from={WishStatus.verified}, target=WishStatus.published
    )
    wish.published_at = utcnow()
    return _done(session, principal, wish, before)


def _member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.archived_at is not None:
        raise unprocessable("member_not_found", "党员不存在或已归档", field="body.member_id")
    return member


def _claimant(session: Session, principal: Principal, data: WishClaim) -> tuple[int | None, int | None]:
    """(member id, organisation id) of who claims, exactly one of them set."""
    if principal.is_admin:
        if (data.member_id is None) == (data.organization_id is None):
            raise unprocessable("claimant_required", "平台管理员须指定认领党员或认领单位之一")
        if data.member_id is not None:
            return _member(session, data.member_id).id, None
        assert data.organization_id is not None
        org = session.get(Organization, data.organization_id)
        if org is None or org.archived_at is not None:
            raise unprocessable("organization_not_found", "党组织不存在或已归档", field="body.organization_id")
        if org.kind not in CLAIMANT_ORG_KINDS:
            raise unprocessable(
                "wrong_organization_kind", "微心愿由驻区单位或社会组织认领", field="body.organization_id"
            )
        return None, org.id
    if principal.role is Role.member and principal.actor_type is ActorType.user:
        if data.member_id is not None or data.organization_id is not None:
            raise ProblemError(403, "not_own_member", "无权操作", "党员只能以本人名义认领")
        member = session.execute(
            select(Member).where(Member.user_id == principal.id, Member.archived_at.is_(None))
        ).scalar_one_or_none()
        if member is None:
            raise ProblemError(403, "no_member_profile", "无权操作", "当前账号没有关联党员档案，不能认领心愿")
        return member.id, None
    if principal.role is Role.unit_admin and principal.organization_id is not None:
        if data.organization_id is not None and data.organization_id != principal.organization_id:
            raise ProblemError(403, "not_own_organization", "无权操作", "只能以本组织名义认领")
        if data.member_id is not None:
            member = _member(session, data.member_id)
            if member.unit_org_id != principal.organization_id:
                raise unprocessable("member_not_in_unit", "该党员不属于本单位", field="body.member_id")
            return member.id, None
        return None, principal.organization_id
    raise forbidden("微心愿由党员或驻区单位、社会组织认领")


def claim_wish(session: Session, principal: Principal, wish_id: int, data: WishClaim, if_match: str | None) -> WishRead:
    """Run inside `unit_of_work(write_lock=True)`: the wish row is locked before its state is read."""
    wish = get_wish(session, principal, wish_id, lock=True)
    member_id, org_id = _claimant(session, principal, data)
    check_if_match(if_match, wish.version)
    if wish.status == WishStatus.claimed.value:
        raise conflict("wish_already_claimed", "该心愿已被认领")
    if wish.status != WishStatus.published.value:
        raise _invalid(wish, WishStatus.claimed)
    before = audit.snapshot(wish, WISH_FIELDS)
    wish.status = WishStatus.claimed.value
    wish.claimant_member_id = member_id
    wish.claimant_org_id = org_id
    wish.claimed_at = utcnow()
    return _done(session, principal, wish, before)


def release_wish(session: Session, principal: Principal, wish_id: int, if_match: str | None) -> WishRead:
    wish, before = _step(
        session,
        principal,
        wish_id,
        if_match,
        allowed_from={WishStatus.claimed},
        target=WishStatus.published,
        claimant_may=True,
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
        allowed_from={WishStatus.claimed},
        target=WishStatus.fulfilled,
        claimant_may=True,
    )
    wish.fulfilled_at = utcnow()
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
    return _done(session, principal, wish, before)


def close_wish(session: Session, principal: Principal, wish_id: int, data: WishClose, if_match: str | None) -> WishRead:
    wish, before = _step(
        session, principal, wish_id, if_match, allowed_from={WishStatus.fulfilled}, target=WishStatus.closed
    )
    wish.closed_at = utcnow()
    wish.followup_feedback = data.feedback
    return _done(session, principal, wish, before)


def cancel_wish(
    session: Session, principal: Principal, wish_id: int, data: WishCancel, if_match: str | None
) -> WishRead:
    wish, before = _step(
        session,
        principal,
        wish_id,
        if_match,
        allowed_from={WishStatus.submitted, WishStatus.verified, WishStatus.published, WishStatus.claimed},
        target=WishStatus.cancelled,
    )
    wish.ended_at = utcnow()
    wish.end_reason = data.reason
    return _done(session, principal, wish, before)


def wishes_summary(
    session: Session, principal: Principal, *, community_org_id: int | None, since: date | None, until: date | None
) -> WishSummary:
    """Wishes submitted (by registration time) and fulfilled (by fulfilment time) in [since, until],
    Beijing days, per month."""
    if since is not None and until is not None and until < since:
        raise unprocessable("invalid_date_range", "结束日期不能早于开始日期", field="query.until")

    def in_period(column: Any) -> ColumnElement[bool]:
        bounds: list[ColumnElement[bool]] = [column.is_not(None)]
        if since is not None:
            bounds.append(column >= start_of(since))
        if until is not None:
            bounds.append(column < end_of(until))
        return and_(*bounds)

    stmt = select(Wish.created_at, Wish.fulfilled_at, Wish.status).where(
        or_(in_period(Wish.created_at), in_period(Wish.fulfilled_at))
    )
    visible = _visibility(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    if community_org_id is not None:
        stmt = stmt.where(Wish.community_org_id == community_org_id)
    months: dict[str, list[int]] = {}
    statuses: dict[WishStatus, int] = {}
    since_at = start_of(since) if since else None
    until_at = end_of(until) if until else None

    def inside(moment: Any) -> bool:
        return (
            moment is not None and (since_at is None or moment >= since_at) and (until_at is None or moment < until_at)
        )

    for created_at, fulfilled_at, status in session.execute(stmt):
        if inside(created_at):
            months.setdefault(local_month(created_at), [0, 0])[0] += 1
            statuses[WishStatus(status)] = statuses.get(WishStatus(status), 0) + 1
        if fulfilled_at is not None and inside(fulfilled_at):
            months.setdefault(local_month(fulfilled_at), [0, 0])[1] += 1
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
