"""Uploads: an image cleaned (images.py), stored under random keys (storage.py), and attached to
the wish, concern, activity or community record it shows (permissions.py says who may).

Cleaning and storing run before the database transaction and fetching after it, so no request
holds a transaction (SQLite's write lock) while it decodes pixels or waits on the object store.
An object stored for a transaction that then fails is left behind unreferenced (never served);
unattached uploads older than a day are purged by `gongjian purge-uploads` (run it daily, as
`purge-idempotency`): their rows, then their objects.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session, joinedload

from gongjian.db import unit_of_work
from gongjian.kit import audit
from gongjian.kit.errors import ProblemError, conflict, not_found, unprocessable
from gongjian.kit.pagination import Page, cached_select, read_rows
from gongjian.kit.principal import Principal, stamp
from gongjian.kit.routing import API_PREFIX
from gongjian.kit.sorting import apply_sort
from gongjian.models import Attachment, Upload
from gongjian.models.base import utcnow
from gongjian.models.enums import ATTACHMENT_PURPOSES, AttachmentOwnerKind, AttachmentPurpose, AuditAction
from gongjian.uploads import images
from gongjian.uploads.permissions import may_read_upload, readable_owner, require_may_attach
from gongjian.uploads.schemas import AttachmentCreate, AttachmentListQuery, AttachmentRead, UploadRead
from gongjian.uploads.storage import Missing, StorageError, new_key, storage

LABEL = "图片"
ATTACHMENT_LABEL = "附件"
# An upload nobody attached within this long is taken for abandoned.
UNATTACHED_GRACE = timedelta(days=1)
FIELDS = ("content_type", "size", "width", "height", "sha256")


def _unavailable(exc: StorageError) -> ProblemError:
    return ProblemError(503, "storage_unavailable", "存储暂不可用", "图片存储暂不可用，请稍后再试")


def upload_read(upload: Upload, *, attached: bool) -> UploadRead:
    base = f"{API_PREFIX}/uploads/{upload.id}"
    return UploadRead(
        id=upload.id,
        content_type=upload.content_type,
        size=upload.size,
        width=upload.width,
        height=upload.height,
        thumbnail_size=upload.thumbnail_size,
        content_url=f"{base}/content",
        thumbnail_url=f"{base}/thumbnail",
        attached=attached,
        created_at=upload.created_at,
        created_by_name=upload.created_by_name,
    )


def create_upload(principal: Principal, data: bytes) -> UploadRead:
    """Clean and store the image, then record it (run in a worker thread: decoding is CPU work)."""
    clean = images.clean(data)
    key = new_key()
    thumbnail_key = f"{key}.thumb"
    try:
        storage().put(key, clean.content, clean.content_type)
        storage().put(thumbnail_key, clean.thumbnail, clean.content_type)
    except StorageError as exc:
        raise _unavailable(exc) from exc
    with unit_of_work(write_lock=True) as session:
        upload = Upload(
            storage_key=key,
            thumbnail_key=thumbnail_key,
            content_type=clean.content_type,
            size=len(clean.content),
            width=clean.width,
            height=clean.height,
            thumbnail_size=len(clean.thumbnail),
            sha256=hashlib.sha256(clean.content).hexdigest(),
            **stamp(principal, "created"),
        )
        session.add(upload)
        session.flush()
        audit.record(session, principal, AuditAction.create, "upload", upload.id, audit.snapshot(upload, FIELDS))
        return upload_read(upload, attached=False)


def _readable_upload(session: Session, principal: Principal, upload_id: int) -> tuple[Upload, Attachment | None]:
    """The upload and its attachment, if the caller may read it; else 404, as if it didn't exist."""
    upload = session.get(Upload, upload_id)
    if upload is None:
        raise not_found(LABEL)
    attachment = session.execute(select(Attachment).where(Attachment.upload_id == upload_id)).scalar()
    if not may_read_upload(session, principal, upload, attachment):
        raise not_found(LABEL)
    return upload, attachment


def get_upload(session: Session, principal: Principal, upload_id: int) -> UploadRead:
    upload, attachment = _readable_upload(session, principal, upload_id)
    return upload_read(upload, attached=attachment is not None)


@dataclass(frozen=True, slots=True)
class Served:
    content: bytes
    content_type: str
    etag: str
    filename: str


def served_file(principal: Principal, upload_id: int, *, thumbnail: bool) -> Served:
    """The stored bytes of an upload (or its thumbnail) the caller may read (run in a worker thread)."""
    with unit_of_work() as session:
        upload, _ = _readable_upload(session, principal, upload_id)
        key = upload.thumbnail_key if thumbnail else upload.storage_key
        suffix = "-thumb" if thumbnail else ""
        etag = f'"{upload.sha256[:32]}{suffix}"'
        # Named after the id, never the client's file name.
        filename = f"upload-{upload.id}{suffix}.{images.EXTENSIONS[upload.content_type]}"
        content_type = upload.content_type
    try:
        content = storage().get(key)
    except Missing as exc:
        raise not_found(LABEL) from exc
    except StorageError as exc:
        raise _unavailable(exc) from exc
    return Served(content, content_type, etag, filename)


# --- attachments -------------------------------------------------------------------------------


def _attachment_read(attachment: Attachment) -> AttachmentRead:
    return AttachmentRead(
        id=attachment.id,
        owner_kind=AttachmentOwnerKind(attachment.owner_kind),
        owner_id=attachment.owner_id,
        purpose=attachment.purpose,
        upload=upload_read(attachment.upload, attached=True),
        created_at=attachment.created_at,
        created_by_name=attachment.created_by_name,
    )


def attach(session: Session, principal: Principal, data: AttachmentCreate) -> AttachmentRead:
    kind = data.owner_kind
    allowed = ATTACHMENT_PURPOSES[kind]
    purpose = data.purpose or allowed[0]
    if purpose not in allowed:
        names = "、".join(p.value for p in allowed)
        raise unprocessable("purpose_invalid", f"此类对象的附件用途只能是 {names}", field="body.purpose")
    owner = readable_owner(session, principal, kind, data.owner_id)
    if owner is None:
        raise unprocessable("owner_not_found", "要附加到的对象不存在", field="body.owner_id")
    require_may_attach(session, principal, kind, owner, purpose)
    # Only one's own upload: another's (or a missing one) is answered alike, so ids can't be probed.
    upload = session.execute(
        select(Upload).where(Upload.id == data.upload_id, Upload.created_by == principal.key).with_for_update()
    ).scalar()
    if upload is None:
        raise unprocessable("upload_not_found", "图片不存在", field="body.upload_id")
    if session.execute(select(Attachment.id).where(Attachment.upload_id == upload.id)).first() is not None:
        raise conflict("upload_attached", "该图片已附加到其他对象", field="body.upload_id")
    attachment = Attachment(
        upload=upload,
        owner_kind=kind.value,
        owner_id=data.owner_id,
        purpose=purpose.value,
        **stamp(principal, "created"),
    )
    session.add(attachment)
    session.flush()
    changes = {"upload_id": upload.id, "owner_kind": kind.value, "owner_id": data.owner_id, "purpose": purpose.value}
    audit.record(session, principal, AuditAction.create, "attachment", attachment.id, changes)
    return _attachment_read(attachment)


def list_attachments(session: Session, principal: Principal, query: AttachmentListQuery) -> Page[AttachmentRead]:
    if readable_owner(session, principal, query.owner_kind, query.owner_id) is None:
        raise not_found(AttachmentOwnerKind.label_of(query.owner_kind.value))
    rows, total = read_rows(_attachments_of(query), query, session=session)
    return Page(items=[_attachment_read(row) for row in rows], total=total, page=query.page, page_size=query.page_size)


@cached_select()
def _attachments_of(query: AttachmentListQuery) -> Select[Any]:
    stmt = (
        select(Attachment)
        .options(joinedload(Attachment.upload, innerjoin=True))
        .where(Attachment.owner_kind == query.owner_kind.value, Attachment.owner_id == query.owner_id)
    )
    if query.purpose is not None:
        stmt = stmt.where(Attachment.purpose == query.purpose.value)
    return apply_sort(stmt, query.sort.value, {"id": Attachment.id}, Attachment.id)


def detach(session: Session, principal: Principal, attachment_id: int) -> None:
    """Take the photo off its owner (the upload is its uploader's again, and purged in a day)."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise not_found(ATTACHMENT_LABEL)
    kind = AttachmentOwnerKind(attachment.owner_kind)
    owner = readable_owner(session, principal, kind, attachment.owner_id)
    if owner is None:
        raise not_found(ATTACHMENT_LABEL)
    require_may_attach(session, principal, kind, owner, AttachmentPurpose(attachment.purpose))
    changes = {"upload_id": attachment.upload_id, "owner_kind": kind.value, "owner_id": attachment.owner_id}
    session.delete(attachment)
    session.flush()
    audit.record(session, principal, AuditAction.delete, "attachment", attachment_id, changes)


def purge_unattached() -> int:
    """Delete uploads nobody attached within `UNATTACHED_GRACE`: rows first, then their objects."""
    cutoff = utcnow() - UNATTACHED_GRACE
    with unit_of_work(write_lock=True) as session:
        stale = select(Upload.id).where(
            Upload.created_at < cutoff, ~select(Attachment.id).where(Attachment.upload_id == Upload.id).exists()
        )
        keys = session.execute(
            delete(Upload).where(Upload.id.in_(stale)).returning(Upload.storage_key, Upload.thumbnail_key)
        ).all()
    for key, thumbnail_key in keys:
        storage().delete(key)
        storage().delete(thumbnail_key)
    return len(keys)
