"""Uploaded photos and what they are attached to.

An upload is a re-encoded image (nothing but pixels: see uploads/images.py) and its thumbnail,
kept in the configured storage under random keys; the row holds what to serve it with. An
attachment hangs one upload on one owner row (a wish, a concern, an activity, a community record);
an upload is attached at most once, so who may read it is decided by exactly one owner.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongjian.models.base import Base, IdMixin, UTCDateTime, utcnow


class Upload(IdMixin, Base):
    __tablename__ = "uploads"

    # Random storage keys, never derived from anything the client sent.
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    thumbnail_key: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    thumbnail_size: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the stored bytes: the ETag of the content (and of the thumbnail, with a suffix).
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(String(64), index=True)
    created_by_name: Mapped[str] = mapped_column(String(100))


class Attachment(IdMixin, Base):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner_kind_owner_id", "owner_kind", "owner_id"),)

    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), unique=True)
    owner_kind: Mapped[str] = mapped_column(String(24))
    owner_id: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(100))

    upload: Mapped[Upload] = relationship(lazy="raise")
