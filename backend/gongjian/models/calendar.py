"""The platform's own working-day table: days an admin marks as a working day or a day off, over
the official calendar (kit/calendar.py), for years the `chinesecalendar` package doesn't know yet."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from gongjian.models.base import Base, IdMixin, TimestampMixin, VersionedMixin


class CalendarDay(IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, unique=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    # What the day is, e.g. 春节 or 春节调休上班.
    name: Mapped[str] = mapped_column(String(50), default="", server_default="")
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_by_name: Mapped[str] = mapped_column(String(100))
