"""Response bodies of a party's whole history (一件事): its timeline and summary."""

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class TimelineEntry(BaseModel):
    module: str = Field(description="`approval`, `case` or `ticket`.")
    collection: str
    id: uuid.UUID
    number: str
    title: str
    state: str
    step: str = Field(description="The record's latest step (its newest event's action).")
    step_at: datetime
    created_at: datetime
    due_at: datetime | None


class TimelinePage(BaseModel):
    items: list[TimelineEntry]
    next_cursor: str | None = None


class StateCount(BaseModel):
    module: str
    state: str
    count: int


class OpenDeadline(BaseModel):
    module: str
    id: uuid.UUID
    number: str
    due_at: datetime
    is_overdue: bool


class PartySummary(BaseModel):
    id_number: str
    counts: list[StateCount]
    open_deadlines: list[OpenDeadline]
    penalties_decided: Decimal = Field(description="Fines decided, in yuan.")
    penalties_paid: Decimal = Field(description="Fines paid, in yuan.")
    permits_held: int = Field(description="Permits granted and not expired.")
