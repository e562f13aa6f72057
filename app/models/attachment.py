"""Files attached to records: materials, evidence, photos."""

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.base import new_id, timestamp_field


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_record", "record_kind", "record_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    record_kind: str = Field(max_length=32)
    record_id: uuid.UUID
    kind: str = Field(max_length=64)
    file_name: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=300)
    uploaded_by_id: uuid.UUID | None = None
    uploaded_by_name: str = Field(max_length=200)
    created_at: datetime = timestamp_field()
