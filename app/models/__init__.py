"""Every table, imported here so the metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

from app.models import approval, case  # noqa: F401  (their tables)
from app.models.attachment import Attachment
from app.models.audit import Event, OutboxMessage
from app.models.calendar import CalendarDay
from app.models.idempotency import IdempotencyRecord
from app.models.identity import Department, LoginThrottle, User
from app.models.integration import (
    ApiClient,
    RateLimitWindow,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from app.models.ticket import RoutingRule, Ticket, TicketCategory
from app.models.workflow import NumberSequence

__all__ = [
    "ApiClient",
    "Attachment",
    "CalendarDay",
    "Department",
    "Event",
    "IdempotencyRecord",
    "LoginThrottle",
    "NumberSequence",
    "OutboxMessage",
    "RateLimitWindow",
    "RoutingRule",
    "SQLModel",
    "Ticket",
    "TicketCategory",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
