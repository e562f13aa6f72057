"""The full-process record (全过程记录) and the outbox that carries it to other systems."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import JSONType, UTCDateTime, new_id, timestamp_field

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntegerKey = BigInteger().with_variant(Integer(), "sqlite")


class Event(SQLModel, table=True):
    """One append-only, hash-chained entry in a record's history."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("kind", "record_id", "seq", name="uq_events_record_seq"),
        Index("ix_events_occurred_at", "occurred_at"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigIntegerKey, primary_key=True, autoincrement=True)
    )
    event_id: uuid.UUID = Field(default_factory=new_id, unique=True)
    kind: str = Field(max_length=32)
    record_id: uuid.UUID
    seq: int
    action: str = Field(max_length=64)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str | None = Field(default=None, max_length=32)
    actor_type: str = Field(max_length=16)
    actor_id: uuid.UUID | None = None
    actor_name: str = Field(max_length=200)
    actor_roles: list[str] = Field(default_factory=list, sa_type=JSONType)
    occurred_at: datetime = timestamp_field()
    comment: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    client_ip: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=128)
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str = Field(max_length=64)


class OutboxMessage(SQLModel, table=True):
    """An event waiting to be delivered to subscribers, written in the same transaction."""

    __tablename__ = "outbox"

    id: int | None = Field(
        default=None, sa_column=Column(BigIntegerKey, primary_key=True, autoincrement=True)
    )
    event_id: uuid.UUID = Field(unique=True)
    event_type: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=32)
    record_id: uuid.UUID = Field(index=True)
    department_id: uuid.UUID | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = timestamp_field()
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
