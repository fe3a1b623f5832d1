"""Honours (荣誉) awarded to a community, an organisation, a team or a member.

Honours are public recognition: every authenticated caller with `honors:read` sees them. Each one
counts in one community's annual figures (`community_org_id`). Recording and correcting belongs to
that community's admin, a platform admin, or the admin of the organisation that received it
(`permissions.py`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gongjian.honors.permissions import honor_actions, require_may_record
from gongjian.honors.schemas import HonorCreate, HonorListQuery, HonorRead, HonorUpdate
from gongjian.kit import audit
from gongjian.kit.errors import unprocessable
from gongjian.kit.etag import check_if_match
from gongjian.kit.pagination import Page, cached_select, page_of, read_rows
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import live_organization, one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.members.permissions import named_member
from gongjian.models import Honor
from gongjian.models.enums import AuditAction, HonorLevel, HonorRecipientKind, OrganizationKind

LABEL = "荣誉"
FIELDS = (
    "title",
    "awarding_body",
    "awarded_on",
    "level",
    "recipient_kind",
    "recipient_org_id",
    "recipient_member_id",
    "recipient_name",
    "community_org_id",
    "note",
)


def list_honors(session: Session, principal: Principal, query: HonorListQuery) -> Page[HonorRead]:
    rows, total = read_rows(_honors_matching(query), query, session=session)
    return page_of(HonorRead, [honor_read(principal, h) for h in rows], total, query)


def honor_read(principal: Principal, honor: Honor) -> HonorRead:
    """The read schema, with what the caller may do to the honour."""
    values = {name: getattr(honor, name) for name in HonorRead.model_fields if name != "allowed_actions"}
    actions = honor_actions(principal, honor.community_org_id, honor.recipient_org_id)
    return HonorRead.model_validate({**values, "allowed_actions": actions})


@cached_select()
def _honors_matching(query: HonorListQuery) -> Select[Any]:
    stmt = select(Honor)
    if query.community_org_id is not None:
        stmt = stmt.where(Honor.community_org_id == query.community_org_id)
    if query.level is not None:
        stmt = stmt.where(Honor.level == query.level.value)
    if query.recipient_kind is not None:
        stmt = stmt.where(Honor.recipient_kind == query.recipient_kind.value)
    if query.year is not None:
        stmt = stmt.where(Honor.awarded_on >= date(query.year, 1, 1), Honor.awarded_on <= date(query.year, 12, 31))
    columns = {"awarded_on": Honor.awarded_on, "id": Honor.id}
    return apply_sort(stmt, query.sort.value, columns, Honor.id)


def _honor(session: Session, honor_id: int) -> Honor:
    row: Honor = one_or_404(session, select(Honor).where(Honor.id == honor_id), LABEL)
    return row


def get_honor(session: Session, principal: Principal, honor_id: int) -> HonorRead:
    return honor_read(principal, _honor(session, honor_id))


def create_honor(session: Session, principal: Principal, data: HonorCreate) -> HonorRead:
    kind = data.recipient_kind
    community_id = data.community_org_id
    if data.recipient_org_id is not None:
        org = live_organization(session, data.recipient_org_id, "body.recipient_org_id")
        is_community = org.kind == OrganizationKind.community.value
        if (kind is HonorRecipientKind.community) != is_community:
            raise unprocessable(
                "wrong_organization_kind",
                "获奖者类型为“社区”时须是社区党组织，否则请选“党组织”",
                field="body.recipient_org_id",
            )
        name = org.name
        if is_community:
            community_id = community_id or org.id
    elif data.recipient_member_id is not None:
        # A past honour may be recorded for a member archived since; one the caller can't see, not.
        member = named_member(
            session, principal, data.recipient_member_id, "body.recipient_member_id", archived_ok=True
        )
        name = member.name
        community_id = community_id or member.community_org_id
    else:
        name = data.team_name or ""
    if community_id is None:
        raise unprocessable("organization_required", "请指定计入统计的社区", field="body.community_org_id")
    community = live_organization(session, community_id, "body.community_org_id")
    if community.kind != OrganizationKind.community.value:
        raise unprocessable("wrong_organization_kind", "计入统计的组织须是社区党组织", field="body.community_org_id")
    require_may_record(
        principal, community_id, data.recipient_org_id, "只有本社区、获奖组织的管理员或平台管理员可以登记荣誉"
    )
    honor = Honor(
        title=data.title,
        awarding_body=data.awarding_body,
        awarded_on=data.awarded_on,
        level=data.level.value,
        recipient_kind=kind.value,
        recipient_org_id=data.recipient_org_id,
        recipient_member_id=data.recipient_member_id,
        recipient_name=name,
        community_org_id=community_id,
        note=data.note,
        **stamp(principal, "created"),
    )
    session.add(honor)
    session.flush()
    audit.record(session, principal, AuditAction.create, "honor", honor.id, audit.snapshot(honor, FIELDS))
    return honor_read(principal, honor)


def _editable(session: Session, principal: Principal, honor_id: int) -> Honor:
    honor = _honor(session, honor_id)
    require_may_record(
        principal,
        honor.community_org_id,
        honor.recipient_org_id,
        "只有本社区、获奖组织的管理员或平台管理员可以修改荣誉",
    )
    return honor


def update_honor(
    session: Session, principal: Principal, honor_id: int, data: HonorUpdate, if_match: str | None
) -> HonorRead:
    honor = _editable(session, principal, honor_id)
    check_if_match(if_match, honor.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    before = audit.snapshot(honor, FIELDS)
    for name, value in changes.items():
        setattr(honor, name, value.value if isinstance(value, HonorLevel) else value)
    audit.finish_update(session, principal, "honor", honor, before, FIELDS)
    return honor_read(principal, honor)


def delete_honor(session: Session, principal: Principal, honor_id: int) -> None:
    honor = _editable(session, principal, honor_id)
    snapshot = audit.snapshot(honor, FIELDS)
    session.delete(honor)
    session.flush()
    audit.record(session, principal, AuditAction.delete, "honor", honor_id, snapshot)
