"""A member's record of conduct in its community (在社区表现): kept by the community it reported to.

Anyone who may see the member reads its records; a platform admin or an admin of the member's
community adds them, on an active member only, dated no later than today. Records never change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.calendar import local_today
from gongjian.kit.errors import conflict, forbidden, unprocessable
from gongjian.kit.pagination import Page, cached_select, read_page
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.rows import one_or_404
from gongjian.kit.sorting import apply_sort
from gongjian.members import permissions
from gongjian.members.schemas import CommunityRecordCreate, CommunityRecordListQuery, CommunityRecordRead
from gongjian.models import CommunityRecord
from gongjian.models.enums import AuditAction, MemberStatus

LABEL = "在社区表现记录"
# Records say what happened: not later than tomorrow (slack for time zones).
FUTURE_SLACK = timedelta(days=1)


def list_community_records(
    principal: Principal, member_id: int, query: CommunityRecordListQuery
) -> Page[CommunityRecordRead]:
    with unit_of_work() as session:
        permissions.visible_member(session, principal, member_id)
        return read_page(_records(member_id, query), query, CommunityRecordRead, session=session)


@cached_select()
def _records(member_id: int, query: CommunityRecordListQuery) -> Select[Any]:
    stmt = select(CommunityRecord).where(CommunityRecord.member_id == member_id)
    if query.kind is not None:
        stmt = stmt.where(CommunityRecord.kind == query.kind.value)
    columns = {"occurred_on": CommunityRecord.occurred_on, "id": CommunityRecord.id}
    return apply_sort(stmt, query.sort.value, columns, CommunityRecord.id)


def get_community_record(session: Session, principal: Principal, member_id: int, record_id: int) -> CommunityRecordRead:
    permissions.visible_member(session, principal, member_id)
    stmt = select(CommunityRecord).where(CommunityRecord.id == record_id, CommunityRecord.member_id == member_id)
    return CommunityRecordRead.model_validate(one_or_404(session, stmt, LABEL))


def add_community_record(
    session: Session, principal: Principal, member_id: int, data: CommunityRecordCreate
) -> CommunityRecordRead:
    member = permissions.visible_member(session, principal, member_id)
    if not permissions.may_write_community_records(principal, member):
        raise forbidden("在社区表现记录由党员报到社区的管理员填写")
    if member.status == MemberStatus.archived.value:
        raise conflict("member_archived", "党员已归档，不能再记录")
    if data.occurred_on > local_today() + FUTURE_SLACK:
        raise unprocessable("date_in_future", "日期不能晚于今天", field="body.occurred_on")
    record = CommunityRecord(
        member_id=member.id,
        community_org_id=member.community_org_id,
        occurred_on=data.occurred_on,
        kind=data.kind.value,
        description=data.description,
        **stamp(principal, "recorded"),
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        principal,
        AuditAction.create,
        "community_record",
        record.id,
        {"member_id": member.id, "kind": record.kind, "occurred_on": data.occurred_on.isoformat()},
    )
    return CommunityRecordRead.model_validate(record)
