"""Stored first responses to POSTs that carried an ``Idempotency-Key``."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, timestamp_field


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_records"

    principal: str = Field(primary_key=True, max_length=128)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int | None = Field(default=None)
    response_body: bytes | None = Field(default=None)
    content_type: str | None = Field(default=None, max_length=128)
    etag: str | None = Field(default=None, max_length=64)
    # Shown-once fields (an API key, a signing secret) left out of the stored answer.
    omitted_fields: str | None = Field(default=None, max_length=200)
    created_at: datetime = timestamp_field(index=True)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
