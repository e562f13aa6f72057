"""Per-day rollups of records for statistics, and how far each kind's rollup is current.

Rebuildable from the record tables at any time (``python -m app rollups rebuild``): they
hold nothing the records do not.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Index, Integer
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime


class RollupWatermark(SQLModel, table=True):
    """A kind's rollup counts every record as it was before ``watermark``: a record updated
    after it is recounted live. ``zone`` is the city zone its days were cut in."""

    __tablename__ = "rollup_watermarks"

    kind: str = Field(primary_key=True, max_length=32)
    watermark: datetime = Field(sa_type=UTCDateTime)
    zone: str = Field(max_length=64)
    refreshed_at: datetime = Field(sa_type=UTCDateTime)


MEASURES = (
    "received", "closed", "open", "overdue", "closed_on_time", "rated", "satisfied", "handled",
    "handling_seconds", "mode_service", "mode_management", "mode_enforcement",
)  # fmt: skip


class TicketRollup(SQLModel, table=True):
    """Tickets created on ``day`` (city zone) with ``dimension`` = ``value``: per department,
    or over all departments (``across_departments``, ``department_id`` empty)."""

    __tablename__ = "ticket_rollups"
    __table_args__ = (
        Index("ix_ticket_rollups_read", "dimension", "across_departments", "department_id", "day"),
        Index("ix_ticket_rollups_day", "day"),
    )

    id: int | None = Field(
        default=None,
        primary_key=True,
        sa_type=BigInteger().with_variant(Integer(), "sqlite"),
    )
    day: date
    dimension: str = Field(max_length=32)
    value: str | None = Field(default=None, max_length=100)
    department_id: uuid.UUID | None = None
    across_departments: bool
    received: int
    closed: int
    open: int
    overdue: int
    closed_on_time: int
    rated: int
    satisfied: int
    handled: int
    handling_seconds: float
    mode_service: int
    mode_management: int
    mode_enforcement: int
