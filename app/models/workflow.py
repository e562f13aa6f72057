"""Columns every workflow record shares, and the counters behind record numbers.

Storage choice: one table per kind (tickets, approvals, cases) with these columns in
common, and one shared ``events`` table keyed by (kind, record_id). Each kind keeps its
own columns and indexes for its own filters; the engine only needs the columns below.
"""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, VersionedTable


class WorkflowRecord(VersionedTable):
    # Taken by the engine when the record is created (app/core/numbering.py).
    number: str = Field(default="", max_length=32, unique=True)
    status: str = Field(max_length=32, index=True)
    title: str = Field(max_length=200)
    department_id: uuid.UUID | None = Field(default=None, foreign_key="departments.id", index=True)
    created_by_id: uuid.UUID | None = Field(default=None, index=True)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    clock_status: str = Field(default="stopped", max_length=16)
    clock_unit: str | None = Field(default=None, max_length=16)
    clock_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The clock's whole length in clock_unit, extensions and paused days included, so a
    # deadline can be recomputed from clock_started_at when the calendar changes.
    clock_amount: int | None = None
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_days: int = Field(default=0)
    deadline_basis: str | None = Field(default=None, max_length=16)
    is_overdue: bool = Field(default=False)
    # The deadline for which an overdue event was written: one event per deadline.
    overdue_for: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The head of the record's event chain, moved by the same UPDATE that changes the
    # record: appending an event needs no read of the events table.
    last_event_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_event_hash: str | None = Field(default=None, max_length=64)


class NumberSequence(SQLModel, table=True):
    """Per-prefix counters for human-readable record numbers (RX20261130-00001)."""

    __tablename__ = "number_sequences"

    name: str = Field(primary_key=True, max_length=64)
    value: int = Field(default=0)
