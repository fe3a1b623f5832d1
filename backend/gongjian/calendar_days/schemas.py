from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import Field, StrictBool

from gongjian.kit.query import ListQuery
from gongjian.kit.schemas import InputModel, OutputModel
from gongjian.models.enums import CalendarSource


class CalendarDayWrite(InputModel):
    is_working_day: StrictBool = Field(description="true：工作日（含调休上班）；false：休息日（节假日）")
    name: str = Field(default="", max_length=50, description="说明，如“春节”“春节调休上班”")


class CalendarDayRead(OutputModel):
    """One day of the platform's own table."""

    day: date
    is_working_day: bool
    name: str
    updated_by_name: str
    updated_at: datetime
    version: int


class OfficialDay(OutputModel):
    is_working_day: bool
    name: str = Field(description="节假日或调休上班的名称；普通工作日为空，周末为“周末”")


class WorkingDayRead(OutputModel):
    """What the platform counts a day as, and why."""

    day: date
    is_working_day: bool
    name: str
    source: CalendarSource = Field(description="依据：平台维护的调整优先于国家法定节假日安排")
    official: OfficialDay | None = Field(description="国家法定节假日安排（chinesecalendar）；未收录的年份为 null")
    entry: CalendarDayRead | None = Field(description="平台维护的调整；没有时为 null")


class CalendarInfo(OutputModel):
    official_first_year: int = Field(description="国家法定节假日安排收录的第一年")
    official_last_year: int = Field(description="国家法定节假日安排收录的最后一年；之后的年份需平台维护")
    package: str = Field(description="提供国家安排的软件包及版本")


class CalendarDaySort(StrEnum):
    day = "day"
    day_desc = "-day"


class CalendarDayListQuery(ListQuery):
    year: Annotated[int | None, Query(ge=1900, le=2999, description="年份")] = None
    is_working_day: Annotated[bool | None, Query(description="只列工作日（true）或休息日（false）")] = None
    sort: CalendarDaySort = CalendarDaySort.day
