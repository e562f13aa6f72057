"""Response shapes the engine serves for every workflow."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class EventPublic(BaseModel):
    id: uuid.UUID
    seq: int
    kind: str
    record_id: uuid.UUID
    action: str
    from_status: str | None
    to_status: str | None
    actor: dict[str, Any] = Field(
        description="`type`, `id`, `name`, `roles`. A citizen who acted has `id` and `name` "
        "null for whoever may not see the record's person in full; citizens see staff as "
        "`roles` and `department` (`id`, `name`) with `id` and `name` null."
    )
    occurred_at: datetime
    comment: str | None
    payload: dict[str, Any]
    changes: dict[str, Any]
    client_ip: str | None = Field(
        description="Shown to staff who see the actor, and to the actor themself; else null."
    )
    request_id: str | None
    prev_hash: str | None
    hash: str


class ClockFields(BaseModel):
    """Deadline fields every workflow record carries."""

    due_at: datetime | None
    clock_status: str
    paused_days: int
    deadline_basis: str | None
    is_overdue: bool


class TaskItem(BaseModel):
    kind: str
    id: uuid.UUID
    number: str
    title: str
    status: str
    allowed_actions: list[str]
    due_at: datetime | None
    is_overdue: bool
    url: str


class BrokenLinkPublic(BaseModel):
    kind: str
    record_id: uuid.UUID
    seq: int
    expected_hash: str
    stored_hash: str
    problem: str


class VerifyReport(BaseModel):
    ok: bool
    records_checked: int
    events_checked: int
    broken_links: list[BrokenLinkPublic]
