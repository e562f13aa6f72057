"""Request and response shapes for API clients and webhooks."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StrictBool, StringConstraints
from pydantic.config import JsonDict

from app.schemas.common import PatchModel

Scope = Literal[
    "tickets:read",
    "tickets:write",
    "approvals:read",
    "approvals:write",
    "cases:read",
    "cases:write",
    "webhooks:manage",
    "ratings:write",
]
# Marks a response field that is shown once and never stored: an idempotent replay of the
# answer leaves it out (app/idempotency.py).
SHOWN_ONCE_KEY = "x-shown-once"
SHOWN_ONCE: JsonDict = {SHOWN_ONCE_KEY: True}
ClientName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
EventPattern = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z_]+\.(\*|[a-z_]+)$|^\*$"),
    Field(examples=["ticket.*"]),
]


class ApiClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ClientName
    department_id: uuid.UUID | None = None
    scopes: list[Scope] = Field(default_factory=list, max_length=20)
    is_active: StrictBool = True


class ApiClientUpdate(PatchModel):
    clearable = frozenset({"department_id"})

    name: ClientName | None = None
    department_id: uuid.UUID | None = None
    scopes: list[Scope] | None = Field(default=None, max_length=20)
    is_active: StrictBool | None = None


class ApiClientPublic(BaseModel):
    id: uuid.UUID
    name: str
    department_id: uuid.UUID | None
    scopes: list[str]
    is_active: bool
    key_prefix: str
    previous_key_expires_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class ApiClientWithKey(ApiClientPublic):
    api_key: str = Field(
        description="Shown once: store it now. Send it as `X-API-Key`. A replay of the "
        "request (same `Idempotency-Key`) leaves it out.",
        json_schema_extra=SHOWN_ONCE,
    )


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    event_types: list[EventPattern] = Field(min_length=1, max_length=50)
    is_active: StrictBool = True
    department_id: uuid.UUID | None = None


class WebhookUpdate(PatchModel):
    clearable = frozenset({"department_id"})

    url: HttpUrl | None = None
    event_types: list[EventPattern] | None = Field(default=None, min_length=1, max_length=50)
    is_active: StrictBool | None = None
    department_id: uuid.UUID | None = None


class WebhookPublic(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    is_active: bool
    department_id: uuid.UUID | None
    consecutive_failures: int
    disabled_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookPublic):
    secret: str = Field(
        description="Shown once: the `whsec_…` signing secret. A replay of the request (same "
        "`Idempotency-Key`) leaves it out.",
        json_schema_extra=SHOWN_ONCE,
    )


class AttemptPublic(BaseModel):
    attempted_at: datetime
    status_code: int | None
    error: str | None
    latency_ms: int


class DeliveryPublic(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    record_id: uuid.UUID
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptPublic]
