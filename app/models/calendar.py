"""Official days entered by administrators over the holiday package's data."""

import datetime as dt
import enum
import uuid

from sqlmodel import Field, SQLModel

from app.models.base import timestamp_field


class DayKind(enum.StrEnum):
    holiday = "holiday"
    workday = "workday"


class CalendarDay(SQLModel, table=True):
    __tablename__ = "calendar_days"

    day: dt.date = Field(primary_key=True)
    kind: str = Field(max_length=16)
    name: str = Field(default="", max_length=100)
    updated_by_id: uuid.UUID | None = Field(default=None)
    updated_at: dt.datetime = timestamp_field()


class CacheVersion(SQLModel, table=True):
    """A token changed with every write to data that processes cache (the calendar's days).

    Each process compares it before using its copy, so several workers stay consistent.
    """

    __tablename__ = "cache_versions"

    name: str = Field(primary_key=True, max_length=64)
    token: uuid.UUID
