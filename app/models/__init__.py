"""Every table, imported here so the metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

from app.models.audit import Event, OutboxMessage
from app.models.calendar import CalendarDay
from app.models.idempotency import IdempotencyRecord
from app.models.identity import Department, LoginThrottle, User

__all__ = [
    "CalendarDay",
    "Department",
    "Event",
    "IdempotencyRecord",
    "LoginThrottle",
    "OutboxMessage",
    "SQLModel",
    "User",
]
