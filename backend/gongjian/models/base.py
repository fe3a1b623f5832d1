"""Declarative base, the constraint naming convention and column types shared by every model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, func
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic revisions can name what they drop on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no zone support) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], datetime | None] | None:
        """On SQLite, the stored text straight to an aware datetime in one step.

        SQLAlchemy's own chain (parse the text, then `process_result_value`) is two Python calls per
        value; every list reads a few timestamps per row, and this was a tenth of a list's time.
        Our SQLite timestamps are naive UTC text (see `process_bind_param`), as written by
        SQLAlchemy or by `CURRENT_TIMESTAMP`; both parse with `datetime.fromisoformat`.
        """
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = datetime.fromisoformat

        def to_utc(value: str | None) -> datetime | None:
            if value is None:
                return None
            try:
                # Parsing the zone is ten times cheaper than `datetime.replace(tzinfo=…)` (measured).
                return parse(value + "+00:00")
            except ValueError:  # text that carries its own offset: not written by us, but readable
                return self.process_result_value(parse(value), dialect)

        return to_utc


# The communities' zone (no DST). The calendar's rules are in kit/calendar.py, which exports it;
# it is defined here so that the models' defaults can use it too.
LOCAL_ZONE = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_day_of(timestamp: str, *, optional: bool = False) -> Callable[[Any], date | None]:
    """Column default of a business date (kit/calendar.py): the local day of the row's timestamp
    column `timestamp`, or of now when the row leaves that to its own default (`optional`: none
    when the timestamp is none). The services always set business dates; this keeps a row inserted
    any other way (a bulk seed, a script, a test) consistent."""

    def default(context: Any) -> date | None:
        moment = context.get_current_parameters().get(timestamp)
        if moment is None and optional:
            return None
        moment = moment or utcnow()
        if moment.tzinfo is None:  # already bound for SQLite: naive UTC
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(LOCAL_ZONE).date()

    return default


# Set only by `clock_at` (the demo loader replaying 2017 through the services); None: the real clock.
_fixed_now: ContextVar[datetime | None] = ContextVar("gongjian_fixed_now", default=None)


def utcnow() -> datetime:
    fixed = _fixed_now.get()
    return fixed if fixed is not None else datetime.now(UTC)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Within this block `utcnow()` answers `moment` (in this thread/context only).

    For replaying past records through the services with the rules of their own time (deadlines,
    "not in the future", timestamps) — the demo community's 2017. Never used on a request path.
    """
    if moment.tzinfo is None:
        raise ValueError("clock_at needs an aware datetime")
    token = _fixed_now.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _fixed_now.reset(token)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class VersionedMixin:
    """A row version for ETag / If-Match; bumped by the services on every update."""

    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
