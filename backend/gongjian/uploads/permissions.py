"""Who may read an upload and who may attach one — each owner's own rules, asked, never copied.

An attachment is readable exactly by those who can read what it is attached to: `readable_owner`
asks the owner's domain for its read scope (wishes, concerns, activities: their `visibility` /
`activity_scope`; a community record: the scope of its member, `visible_members`) — a resident
reads the photos of its own wishes and concerns only. Attaching (and detaching) is the owner's
domain's rule too (`require_photo_attacher` of wishes and concerns): the wish's community, for a
fulfilment photo also the one who claimed it, for a photo of what is wished for also its resident;
the concern's handler, or for a photo of the problem also whoever reported it or the resident it
is of; the activity's managers; the member's community for a record. An upload not yet attached is
its uploader's alone (and a platform admin's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from gongjian.activities import permissions as activities
from gongjian.concerns import permissions as concerns
from gongjian.kit.access import is_platform_admin
from gongjian.kit.errors import forbidden
from gongjian.kit.principal import Principal
from gongjian.members import permissions as members
from gongjian.models import Activity, Attachment, CommunityRecord, Concern, Member, Upload, Wish
from gongjian.models.enums import AttachmentOwnerKind, AttachmentPurpose
from gongjian.wishes import permissions as wishes


def _scoped(condition: ColumnElement[bool] | None) -> ColumnElement[bool]:
    return true() if condition is None else condition


def _wish(session: Session, principal: Principal, owner_id: int) -> Any:
    return session.execute(select(Wish).where(Wish.id == owner_id, _scoped(wishes.visibility(principal)))).scalar()


def _concern(session: Session, principal: Principal, owner_id: int) -> Any:
    stmt = select(Concern).where(Concern.id == owner_id, _scoped(concerns.visibility(principal)))
    return session.execute(stmt).scalar()


def _activity(session: Session, principal: Principal, owner_id: int) -> Any:
    stmt = select(Activity).where(Activity.id == owner_id, _scoped(activities.activity_scope(principal)))
    return session.execute(stmt).scalar()


def _record(session: Session, principal: Principal, owner_id: int) -> Any:
    stmt = (
        select(CommunityRecord, Member)
        .join(Member, Member.id == CommunityRecord.member_id)
        .where(CommunityRecord.id == owner_id, members.visible_members(principal))
    )
    found = session.execute(stmt).first()
    return None if found is None else found[1]  # what decides about a record is its member


_READERS: dict[AttachmentOwnerKind, Callable[[Session, Principal, int], Any]] = {
    AttachmentOwnerKind.wish: _wish,
    AttachmentOwnerKind.concern: _concern,
    AttachmentOwnerKind.activity: _activity,
    AttachmentOwnerKind.community_record: _record,
}


def readable_owner(session: Session, principal: Principal, kind: AttachmentOwnerKind, owner_id: int) -> Any:
    """The owner row (for a community record: its member) if the caller may read it, else None."""
    return _READERS[kind](session, principal, owner_id)


def require_may_attach(
    session: Session, principal: Principal, kind: AttachmentOwnerKind, owner: Any, purpose: AttachmentPurpose
) -> None:
    """403 unless the caller may attach (or detach) a photo for `purpose` on this (readable) owner."""
    if kind is AttachmentOwnerKind.wish:
        wishes.require_photo_attacher(session, principal, owner, purpose)
    elif kind is AttachmentOwnerKind.concern:
        concerns.require_photo_attacher(session, principal, owner, purpose)
    elif kind is AttachmentOwnerKind.activity:
        activities.require_manager(principal, owner)
    elif not members.may_write_community_records(principal, owner):
        raise forbidden("在社区表现记录的照片由党员报到社区的管理员添加")


def is_uploader(principal: Principal, upload: Upload) -> bool:
    return upload.created_by == principal.key


def may_read_upload(session: Session, principal: Principal, upload: Upload, attachment: Attachment | None) -> bool:
    if is_platform_admin(principal) or is_uploader(principal, upload):
        return True
    if attachment is None:
        return False
    return (
        readable_owner(session, principal, AttachmentOwnerKind(attachment.owner_kind), attachment.owner_id) is not None
    )
