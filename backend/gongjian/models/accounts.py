"""Users, API keys, the failed-login throttle and login sessions (refresh-token families)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gongjian.models.base import Base, IdMixin, TimestampMixin, UTCDateTime, VersionedMixin


class User(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # Bumped on password change, reset and deactivation: tokens carrying an older value are refused.
    token_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiKey(IdMixin, TimestampMixin, Base):
    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the key, shown so people can tell keys apart; not a secret.
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the whole key. Keys are 256-bit random, so a fast hash is enough and lets every
    # request find its key by an index lookup.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Failed logins per client address and per user name (auth/throttle.py), kept in the database so
    every API process sees the same count. A row is forgotten (and purged) after `forget_after`."""

    __tablename__ = "login_throttles"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # "address" or "account"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forget_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginSession(Base):
    """One login's family of refresh tokens (auth/tokens.py). Only the id of the one refresh token
    that may be spent next is kept, never a token; presenting an older one revokes the family."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    current_jti: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "logout" or "reuse" (a spent refresh token came back).
    revoked_reason: Mapped[str | None] = mapped_column(String(16))
