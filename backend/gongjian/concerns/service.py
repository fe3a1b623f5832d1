"""Residents' concerns (社情民意): found in the community, resolved on the spot or escalated.

    reported → in_progress → resolved
    reported / in_progress → escalated (to a named body, with a due date) → resolved

    reported → cancelled (withdrawn by its resident before the community starts on it)

Every step carries a note and is kept (`concern_steps`): it is the feedback the reporter reads.
The resident whose concern it is rates the answer once it is resolved (`rate_concern`).
"Past due" is derived when read (not resolved and the due date before today), never stored. Who
may see, report and handle a concern is in `concerns.permissions`; the allowed moves are
`CONCERN_MOVES` in `models/enums.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from gongjian import notifications
from gongjian.concerns.permissions import (
    allowed_actions,
    masks_reporter,
    rateable,
    reporter,
    require_author,
    require_handler,
    require_reporter_in,
    sees_resident,
    visibility,
)
from gongjian.concerns.schemas import (
    ConcernCancel,
    ConcernCreate,
    ConcernEscalate,
    ConcernListQuery,
    ConcernRead,
    ConcernSummary,
)
from gongjian.kit import audit
from gongjian.kit.calendar import business_date, local_today
from gongjian.kit.errors import conflict, unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, cached_select, page_of, read_rows
from gongjian.kit.personal_data import mask_name
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.kit.transitions import check_move
from gongjian.models import Concern, ConcernStep, Organization
from gongjian.models.base import utcnow
from gongjian.models.enums import (
    CONCERN_ENDED_STATUSES,
    CONCERN_MOVES,
    AuditAction,
    ConcernCategory,
    ConcernStatus,
    OrganizationKind,
)
from gongjian.residents.permissions import login_of, own_resident_id
from gongjian.residents.schemas import FollowUpRating

LABEL = "社情民意"
FIELDS = (
    "community_org_id",
    "category",
    "title",
    "description",
    "location",
    "reporter_kind",
    "reporter_name",
    "status",
    "due_on",
    "escalated_to",
    "resident_id",
    "rating",
    "rating_comment",
    "reported_on",
    "resolved_on",
)
OPEN_STATUSES = (ConcernStatus.reported.value, ConcernStatus.in_progress.value, ConcernStatus.escalated.value)
ENDED_VALUES = [s.value for s in CONCERN_ENDED_STATUSES]


def overdue_condition(today: date) -> ColumnElement[bool]:
    return and_(Concern.status.not_in(ENDED_VALUES), Concern.due_on < today)


def readable_concerns(principal: Principal) -> Select[Concern]:
    stmt = select(Concern)
    visible = visibility(principal)
    return stmt if visible is None else stmt.where(visible)


def concern_reads(session: Session, principal: Principal, rows: Sequence[Any]) -> list[ConcernRead]:
    """Concerns (entities, or a list page's rows read by attribute) as the caller reads them."""
    if not rows:
        return []
    ids = [c.id for c in rows]
    steps: dict[int, list[ConcernStep]] = defaultdict(list)
    for step in session.execute(
        select(ConcernStep).where(ConcernStep.concern_id.in_(ids)).order_by(ConcernStep.id)
    ).scalars():
        steps[step.concern_id].append(step)
    orgs = {
        o.id: o
        for o in session.execute(
            select(Organization.id, Organization.name, Organization.kind).where(
                Organization.id.in_({c.community_org_id for c in rows})
            )
        )
    }
    today = local_today()
    mine = own_resident_id(session, principal)
    reads = []
    for c in rows:
        values = {name: getattr(c, name) for name in ConcernRead.model_fields if hasattr(c, name)}
        masked = masks_reporter(principal, c, mine)
        values.update(
            community_org=orgs[c.community_org_id],
            reporter_name=mask_name(c.reporter_name) if masked else c.reporter_name,
            reporter_name_masked=masked,
            overdue=c.status not in ENDED_VALUES and c.due_on is not None and c.due_on < today,
            resolved_locally=c.status == ConcernStatus.resolved.value and c.escalated_to is None,
            steps=steps[c.id],
            allowed_actions=allowed_actions(principal, c, mine),
        )
        if not sees_resident(principal, c, mine):
            values.update(resident_id=None, rating=None, rating_comment=None, rated_at=None)
        reads.append(ConcernRead.model_validate(values))
    return reads


def list_concerns(session: Session, principal: Principal, query: ConcernListQuery) -> Page[ConcernRead]:
    # "Overdue" is measured against today: the select depends on it only when the filter is asked.
    today = local_today() if query.overdue is not None else None
    rows, total = read_rows(_concerns_matching(query, principal, today), query, session=session)
    reads = concern_reads(session, principal, [SimpleNamespace(**row) for row in rows])
    return page_of(ConcernRead, reads, total, query)


@cached_select()
def _concerns_matching(query: ConcernListQuery, principal: Principal, today: date | None) -> Select[Any]:
    """The list's select of columns, built once per caller, filters (and day, for `overdue`)."""
    stmt = select(Concern.__table__)
    visible = visibility(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    if query.community_org_id is not None:
        stmt = stmt.where(Concern.community_org_id == query.community_org_id)
    if query.status is not None:
        stmt = stmt.where(Concern.status == query.status.value)
    if query.category is not None:
        stmt = stmt.where(Concern.category == query.category.value)
    if query.overdue is not None and today is not None:
        condition = overdue_condition(today)
        stmt = stmt.where(condition if query.overdue else ~condition | Concern.due_on.is_(None))
    if query.escalated is not None:
        stmt = stmt.where(Concern.escalated_to.is_not(None) if query.escalated else Concern.escalated_to.is_(None))
    if query.reported_from is not None:
        stmt = stmt.where(Concern.reported_on >= query.reported_from)
    if query.reported_until is not None:
        stmt = stmt.where(Concern.reported_on <= query.reported_until)
    columns = {"reported_at": Concern.reported_at, "due_on": Concern.due_on, "id": Concern.id}
    return apply_sort(stmt, query.sort.value, columns, Concern.id)


def _get(session: Session, principal: Principal, concern_id: int, *, lock: bool = False) -> Concern:
    concern: Concern = one_or_404(
        session, readable_concerns(principal).where(Concern.id == concern_id), LABEL, lock=lock
    )
    return concern


def get_concern(session: Session, principal: Principal, concern_id: int) -> ConcernRead:
    return concern_reads(session, principal, [_get(session, principal, concern_id)])[0]


def _step(
    session: Session,
    principal: Principal,
    concern: Concern,
    from_status: str | None,
    note: str,
    *,
    escalated_to: str | None = None,
    due_on: date | None = None,
) -> None:
    session.add(
        ConcernStep(
            concern_id=concern.id,
            from_status=from_status,
            to_status=concern.status,
            note=note,
            escalated_to=escalated_to,
            due_on=due_on,
            **stamp(principal, "changed"),
            at=utcnow(),
        )
    )


def create_concern(session: Session, principal: Principal, data: ConcernCreate) -> ConcernRead:
    who = reporter(session, principal, data)
    community = live_organization(session, who.community_org_id, "body.community_org_id")
    if community.kind != OrganizationKind.community.value:
        raise unprocessable("wrong_organization_kind", "社情民意须属于社区", field="body.community_org_id")
    require_reporter_in(session, principal, community.id)
    now = utcnow()
    reported_on = business_date(principal, data.reported_on, at=now, field="body.reported_on")
    concern = Concern(
        community_org_id=community.id,
        category=data.category.value,
        title=data.title,
        description=data.description,
        location=data.location,
        reporter_kind=who.kind.value,
        reporter_name=who.name,
        reporter_member_id=who.member_id,
        resident_id=who.resident_id,
        **stamp(principal, "reported"),
        reported_at=now,
        reported_on=reported_on,
        status=ConcernStatus.reported.value,
        due_on=data.due_on,
    )
    session.add(concern)
    session.flush()
    _step(session, principal, concern, None, "已登记", due_on=data.due_on)
    audit.record(session, principal, AuditAction.create, "concern", concern.id, audit.snapshot(concern, FIELDS))
    return get_concern(session, principal, concern.id)


def _transition(
    session: Session, principal: Principal, concern_id: int, if_match: str | None, target: ConcernStatus
) -> tuple[Concern, dict[str, Any]]:
    concern = _get(session, principal, concern_id, lock=True)
    require_handler(principal, concern)
    check_if_match(if_match, concern.version)
    check_move(ConcernStatus(concern.status), target, CONCERN_MOVES, "concern_invalid_transition")
    before = audit.snapshot(concern, FIELDS)
    concern.status = target.value
    return concern, before


def _answer(
    session: Session, principal: Principal, concern: Concern, before: dict[str, Any], note: str, **step: Any
) -> ConcernRead:
    """A step the community takes (start, escalate, resolve): the resident who raised the concern
    hears it in WeChat, with the note."""
    if concern.resident_id is not None:
        notifications.notify_concern_answered(session, concern, login_of(session, concern.resident_id), note)
    return _finish(session, principal, concern, before, note, **step)


def _finish(
    session: Session, principal: Principal, concern: Concern, before: dict[str, Any], note: str, **step: Any
) -> ConcernRead:
    _step(session, principal, concern, before["status"], note, **step)
    audit.finish_update(session, principal, "concern", concern, before, FIELDS)
    session.expire(concern)
    return get_concern(session, principal, concern.id)


def start_concern(
    session: Session, principal: Principal, concern_id: int, note: str, if_match: str | None
) -> ConcernRead:
    concern, before = _transition(session, principal, concern_id, if_match, ConcernStatus.in_progress)
    return _answer(session, principal, concern, before, note)


def escalate_concern(
    session: Session, principal: Principal, concern_id: int, data: ConcernEscalate, if_match: str | None
) -> ConcernRead:
    concern, before = _transition(session, principal, concern_id, if_match, ConcernStatus.escalated)
    concern.escalated_to = data.escalated_to
    concern.escalated_at = utcnow()
    concern.due_on = data.due_on
    return _answer(session, principal, concern, before, data.note, escalated_to=data.escalated_to, due_on=data.due_on)


def resolve_concern(
    session: Session,
    principal: Principal,
    concern_id: int,
    note: str,
    if_match: str | None,
    *,
    resolved_on: date | None = None,
) -> ConcernRead:
    concern, before = _transition(session, principal, concern_id, if_match, ConcernStatus.resolved)
    concern.resolved_at = utcnow()
    concern.resolved_on = business_date(
        principal,
        resolved_on,
        at=concern.resolved_at,
        field="body.resolved_on",
        not_before=concern.reported_on,
        not_before_label="反映日期",
    )
    return _answer(session, principal, concern, before, note)


def cancel_concern(
    session: Session, principal: Principal, concern_id: int, data: ConcernCancel, if_match: str | None
) -> ConcernRead:
    """The resident withdraws its own concern before the community starts on it."""
    concern = _get(session, principal, concern_id, lock=True)
    require_author(session, principal, concern, "只有反映问题的居民本人可以撤回")
    check_if_match(if_match, concern.version)
    check_move(
        ConcernStatus(concern.status), ConcernStatus.cancelled, CONCERN_MOVES, "concern_invalid_transition", "社情民意"
    )
    before = audit.snapshot(concern, FIELDS)
    concern.status = ConcernStatus.cancelled.value
    return _finish(session, principal, concern, before, data.reason or "居民撤回")


def rate_concern(
    session: Session, principal: Principal, concern_id: int, data: FollowUpRating, if_match: str | None
) -> ConcernRead:
    """The resident's 满意度 with the answer, once, after the concern is resolved."""
    concern = _get(session, principal, concern_id, lock=True)
    require_author(session, principal, concern, "只有反映问题的居民本人可以评价")
    check_if_match(if_match, concern.version)
    if concern.rated_at is not None:
        raise conflict("already_rated", "已经评价过，不能重复评价")
    if not rateable(concern):
        raise conflict("concern_not_rateable", "问题解决后才能评价")
    before = audit.snapshot(concern, FIELDS)
    concern.rating = data.rating
    concern.rating_comment = data.comment or None
    concern.rated_at = utcnow()
    audit.finish_update(session, principal, "concern", concern, before, FIELDS)
    session.expire(concern)
    return get_concern(session, principal, concern.id)


def summary(session: Session, principal: Principal, community_org_id: int | None) -> ConcernSummary:
    """Counts by status and category, and the open concerns past their due date, all counted by
    the database from the concerns themselves."""
    conditions: list[ColumnElement[bool]] = []
    visible = visibility(principal)
    if visible is not None:
        conditions.append(visible)
    if community_org_id is not None:
        conditions.append(Concern.community_org_id == community_org_id)
    by_status = dict(
        session.execute(select(Concern.status, func.count()).where(*conditions).group_by(Concern.status)).all()
    )
    by_category = dict(
        session.execute(select(Concern.category, func.count()).where(*conditions).group_by(Concern.category)).all()
    )
    overdue = session.execute(
        select(func.count()).select_from(Concern).where(*conditions, overdue_condition(local_today()))
    ).scalar_one()
    return ConcernSummary.model_validate(
        {
            "community_org_id": community_org_id,
            "open": sum(int(by_status.get(s, 0)) for s in OPEN_STATUSES),
            "overdue": int(overdue),
            "by_status": [{"status": s, "count": by_status[s.value]} for s in ConcernStatus if s.value in by_status],
            "by_category": [
                {"category": c, "count": by_category[c.value]} for c in ConcernCategory if c.value in by_category
            ],
        }
    )
