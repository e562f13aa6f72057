"""Official documents (文书), their service (送达) and their public disclosure (公示).

A document, once issued, is never changed: no code updates a ``documents`` row. A
correction is a new document whose ``supersedes_id`` names the one it replaces; both are
kept. Service is recorded in ``document_services`` (each correction a new row), and
disclosure in ``disclosures``, which hold only what the redaction rule lets out.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import JSONType, UTCDateTime, new_id, timestamp_field


class DocumentTemplate(SQLModel, table=True):
    """A Jinja2 template of one document kind; a new upload is a new version."""

    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_document_templates_version"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(max_length=32)
    version: int
    body: str
    note: str = Field(default="", max_length=500)
    created_at: datetime = timestamp_field()
    created_by_name: str = Field(default="system", max_length=200)


class DocumentNumberRule(SQLModel, table=True):
    """How a department numbers a kind, e.g. ``{dept_abbr}综执罚〔{year}〕{seq}号``."""

    __tablename__ = "document_number_rules"

    department_id: uuid.UUID = Field(foreign_key="departments.id", primary_key=True)
    kind: str = Field(max_length=32, primary_key=True)
    template: str = Field(max_length=100)
    abbreviation: str = Field(default="", max_length=32)
    updated_at: datetime = timestamp_field()


class Document(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_record", "record_kind", "record_id", "issued_at"),
        UniqueConstraint("department_id", "number", name="uq_documents_department_number"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    record_kind: str = Field(max_length=32)
    record_id: uuid.UUID
    kind: str = Field(max_length=32)
    title: str = Field(max_length=100)
    number: str = Field(max_length=64)
    department_id: uuid.UUID = Field(foreign_key="departments.id")
    action: str = Field(max_length=64)
    issued_at: datetime = timestamp_field()
    issued_by_id: uuid.UUID | None = None
    issued_by_name: str = Field(max_length=200)
    template_id: uuid.UUID = Field(foreign_key="document_templates.id")
    template_version: int
    sha256: str = Field(max_length=64)
    size: int
    # What the template was given: the document's contents, kept beside the PDF.
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    recipient_type: str = Field(default="person", max_length=16)
    recipient_name: str = Field(default="", max_length=200)
    supersedes_id: uuid.UUID | None = Field(default=None, foreign_key="documents.id")


class DocumentContent(SQLModel, table=True):
    """The PDF bytes, apart so that listing documents never reads them."""

    __tablename__ = "document_contents"

    document_id: uuid.UUID = Field(foreign_key="documents.id", primary_key=True)
    pdf: bytes = Field(sa_type=LargeBinary)


class DocumentService(SQLModel, table=True):
    """One record of service; a correction is a later row for the same document."""

    __tablename__ = "document_services"
    __table_args__ = (Index("ix_document_services_document", "document_id", "recorded_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    document_id: uuid.UUID = Field(foreign_key="documents.id")
    method: str = Field(max_length=32)
    served_at: datetime = Field(sa_type=UTCDateTime)
    # When service is complete in law: the receipt's signed date by post, 30 days after
    # publication (民事诉讼法 第九十五条), otherwise served_at.
    effective_at: datetime = Field(sa_type=UTCDateTime)
    # False while a publication's 30 days run: the sweeper applies it when they end.
    applied: bool = True
    served_by_id: uuid.UUID | None = None
    served_by_name: str = Field(max_length=200)
    signed_by: str | None = Field(default=None, max_length=200)
    witness: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=2000)
    receipt_document_id: uuid.UUID | None = Field(default=None, foreign_key="documents.id")
    corrects_id: uuid.UUID | None = Field(default=None, foreign_key="document_services.id")
    recorded_at: datetime = timestamp_field()


class Disclosure(SQLModel, table=True):
    """A decision published to the public (公示), redacted when it is created."""

    __tablename__ = "disclosures"
    __table_args__ = (
        Index("ix_disclosures_public", "category", "status", "published_at", "id"),
        Index("ix_disclosures_due", "status", "due_at"),
        UniqueConstraint("category", "document_number", name="uq_disclosures_number"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    category: str = Field(max_length=32)  # penalty_decision / permit
    record_kind: str = Field(max_length=32)
    record_id: uuid.UUID
    document_id: uuid.UUID = Field(foreign_key="documents.id")
    document_number: str = Field(max_length=64)
    department_id: uuid.UUID = Field(foreign_key="departments.id", index=True)
    department_name: str = Field(max_length=200)
    title: str = Field(max_length=200)
    # Redacted content: nothing the redaction rule removes is ever stored here.
    content: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    search_text: str = Field(default="", max_length=5000)
    decided_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=16)  # pending / published / withdrawn
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_late: bool = False
    # Set once by the sweeper when a pending disclosure passes due_at.
    overdue_flagged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdraw_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawal_reason: str | None = Field(default=None, max_length=2000)
    created_at: datetime = timestamp_field()
