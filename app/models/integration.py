"""Other agencies' systems: API clients, rate-limit windows and webhook subscriptions."""

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.base import JSONType, UTCDateTime, VersionedTable, new_id, timestamp_field


class ApiClient(VersionedTable, table=True):
    __tablename__ = "api_clients"

    name: str = Field(max_length=200)
    department_id: uuid.UUID | None = Field(default=None, foreign_key="departments.id")
    scopes: list[str] = Field(default_factory=list, sa_type=JSONType)
    is_active: bool = True
    # Keys are random and long, so a plain SHA-256 stands in for a password hash; the prefix
    # finds the row without scanning.
    key_prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    previous_key_prefix: str | None = Field(default=None, max_length=16, index=True)
    previous_key_hash: str | None = Field(default=None, max_length=64)
    previous_key_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RateLimitWindow(SQLModel, table=True):
    """Requests per client per minute, counted in the database so every process agrees."""

    __tablename__ = "rate_limit_windows"

    key: str = Field(primary_key=True, max_length=64)
    window_start: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    count: int = 0


class WebhookSubscription(VersionedTable, table=True):
    __tablename__ = "webhooks"

    url: str = Field(max_length=2048)
    event_types: list[str] = Field(default_factory=list, sa_type=JSONType)
    secret: str = Field(max_length=128)
    is_active: bool = True
    department_id: uuid.UUID | None = Field(default=None, foreign_key="departments.id")
    owner_client_id: uuid.UUID | None = Field(default=None, foreign_key="api_clients.id")
    consecutive_failures: int = 0
    disabled_reason: str | None = Field(default=None, max_length=200)


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription, retried until delivered or too old."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_order", "webhook_id", "record_id", "status", "outbox_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    webhook_id: uuid.UUID = Field(foreign_key="webhooks.id", index=True)
    outbox_id: int
    event_id: uuid.UUID
    event_type: str = Field(max_length=64)
    record_id: uuid.UUID
    status: str = Field(default="pending", max_length=16)  # pending, succeeded, failed
    attempts: int = 0
    next_attempt_at: datetime = timestamp_field()
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = timestamp_field()
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    delivery_id: uuid.UUID = Field(foreign_key="webhook_deliveries.id", index=True)
    attempted_at: datetime = timestamp_field()
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    latency_ms: int
