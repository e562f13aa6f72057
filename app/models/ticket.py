"""Hotline tickets (12345 / 城管热线 工单), their category catalogue and routing rules."""

import uuid
from datetime import datetime

from sqlalchemy import Index, String, cast, func, select, text
from sqlalchemy.orm import column_property, undefer
from sqlmodel import Field

from app.models.base import UTCDateTime, VersionedTable
from app.models.workflow import WorkflowRecord

PENDING_CLOCK = text("clock_status = 'running' AND is_overdue = false")


class Ticket(WorkflowRecord, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_created", "status", "created_at", "id"),
        Index("ix_tickets_department_created", "department_id", "created_at", "id"),
        # The work queue: a department's tickets in the states it acts on.
        Index("ix_tickets_department_status", "department_id", "status"),
        Index("ix_tickets_category_created", "category_code", "created_at", "id"),
        Index("ix_tickets_district_created", "district", "created_at", "id"),
        Index("ix_tickets_reporter_phone", "reporter_phone"),
        Index("ix_tickets_duplicate_of", "duplicate_of"),
        # Statistics' rollups (app/records/rollups.py): the records changed since the last
        # refresh, and running clocks past their deadline the sweeper has not flagged yet.
        Index("ix_tickets_updated_at", "updated_at"),
        Index(
            "ix_tickets_clock_pending",
            "due_at",
            postgresql_where=PENDING_CLOCK,
            sqlite_where=PENDING_CLOCK,
        ),
    )

    channel: str = Field(max_length=16)
    type: str = Field(max_length=16)
    category_code: str = Field(max_length=64)
    content: str = Field(max_length=5000)
    address: str = Field(default="", max_length=300)
    district: str = Field(default="", max_length=100)
    lat: float | None = None
    lon: float | None = None
    # A link to a photo or video of the problem, as Open311 clients send it (never fetched).
    media_url: str | None = Field(default=None, max_length=1000)
    reporter_name: str | None = Field(default=None, max_length=100)
    reporter_phone: str | None = Field(default=None, max_length=32)
    reporter_anonymous: bool = False
    reporter_confidential: bool = False
    priority: str = Field(default="normal", max_length=16)
    resolution_mode: str | None = Field(default=None, max_length=16)
    reply: str | None = Field(default=None, max_length=5000)
    satisfaction: str | None = Field(default=None, max_length=32)
    satisfaction_comment: str | None = Field(default=None, max_length=1000)
    duplicate_of: uuid.UUID | None = None
    supervised: int = 0
    reopen_count: int = 0
    extended_days: int = 0
    related_case_id: uuid.UUID | None = None
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    return_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    assigned_by_ruling: bool = False
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def _merged_into_ticket() -> object:
    """The ids of the tickets merged into a ticket, comma-joined, read with it when asked
    (``undefer``): a ticket and its duplicates in one round trip."""
    tickets = Ticket.__table__  # type: ignore[attr-defined]
    duplicate = tickets.alias("duplicate")
    return column_property(
        select(func.aggregate_strings(cast(duplicate.c.id, String), ","))
        .where(duplicate.c.duplicate_of == tickets.c.id)
        .correlate_except(duplicate)
        .scalar_subquery(),
        deferred=True,
    )


Ticket.__mapper__.add_property("duplicate_ids", _merged_into_ticket())  # type: ignore[attr-defined]
WITH_DUPLICATES = (undefer(Ticket.duplicate_ids),)  # type: ignore[attr-defined]


class TicketCategory(VersionedTable, table=True):
    __tablename__ = "ticket_categories"

    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=100)
    parent_code: str | None = Field(default=None, max_length=64)
    default_department_id: uuid.UUID | None = Field(default=None, foreign_key="departments.id")
    # Overrides of the default service commitments, in working days, for normal priority.
    sign_limit_working_days: int | None = None
    reply_limit_working_days: int | None = None
    is_active: bool = True


class RoutingRule(VersionedTable, table=True):
    """Which department a ticket goes to: empty keys are wildcards, the most specific wins."""

    __tablename__ = "routing_rules"

    category_code: str | None = Field(default=None, max_length=64, index=True)
    district: str | None = Field(default=None, max_length=100)
    department_id: uuid.UUID = Field(foreign_key="departments.id")
