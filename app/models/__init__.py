"""Every table, imported here so the metadata (and Alembic) sees them all."""

from typing import Any

from sqlmodel import SQLModel

from app.models import approval, case, document  # noqa: F401  (their tables)
from app.models.attachment import Attachment
from app.models.audit import Event, OutboxMessage
from app.models.calendar import CacheVersion, CalendarDay
from app.models.idempotency import IdempotencyRecord
from app.models.identity import Department, LoginThrottle, User
from app.models.integration import (
    ApiClient,
    RateLimitWindow,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from app.models.oversight import (
    AssessmentFinding,
    AssessmentRun,
    AssessmentSchemeRow,
    ReportProgramme,
    ReportSubmission,
)
from app.models.rating import Rating, Rectification
from app.models.rollup import RollupWatermark, TicketRollup
from app.models.ticket import RoutingRule, Ticket, TicketCategory
from app.models.workflow import NumberSequence

# Indexes PostgreSQL alone has (pg_trgm search), made by migrations and absent from the
# models: schema comparisons leave them out.
POSTGRES_ONLY_INDEXES = (
    "ix_tickets_search_trgm",
    "ix_approvals_search_trgm",
    "ix_cases_search_trgm",
)


def described_by_models(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's ``include_object``: whether the models speak for this schema object."""
    return not (type_ == "index" and reflected and name in POSTGRES_ONLY_INDEXES)


__all__ = [
    "ApiClient",
    "AssessmentFinding",
    "AssessmentRun",
    "AssessmentSchemeRow",
    "Attachment",
    "CacheVersion",
    "CalendarDay",
    "Department",
    "Event",
    "IdempotencyRecord",
    "LoginThrottle",
    "NumberSequence",
    "OutboxMessage",
    "RateLimitWindow",
    "Rating",
    "Rectification",
    "ReportProgramme",
    "ReportSubmission",
    "RollupWatermark",
    "RoutingRule",
    "SQLModel",
    "Ticket",
    "TicketCategory",
    "TicketRollup",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
