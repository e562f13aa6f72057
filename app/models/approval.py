"""Approval applications (行政审批 / 行政许可) and the service catalogue (事项清单)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, Numeric
from sqlmodel import Field

from app.models.base import JSONType, UTCDateTime, VersionedTable
from app.models.workflow import WorkflowRecord


class ApprovalService(VersionedTable, table=True):
    """One licensing service the agency offers, with its time limits and materials.

    ``department_id`` may be empty only for services seeded before any department
    existed: such a service takes no application until an administrator assigns it.
    """

    __tablename__ = "approval_services"

    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    department_id: uuid.UUID | None = Field(default=None, foreign_key="departments.id", index=True)
    # Working days (行政许可法 第八十二条); the committed limit is at most the legal one.
    legal_limit_days: int
    committed_limit_days: int
    on_the_spot: bool = False
    # [{code, name, required}]
    required_materials: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    fee: Decimal = Field(default=Decimal("0.00"), sa_type=Numeric(12, 2))
    is_active: bool = True


class ApprovalApplication(WorkflowRecord, table=True):
    __tablename__ = "approvals"
    __table_args__ = (
        Index("ix_approvals_status_created", "status", "created_at", "id"),
        Index("ix_approvals_department_created", "department_id", "created_at", "id"),
        Index("ix_approvals_service_created", "service_code", "created_at", "id"),
        Index("ix_approvals_channel_created", "channel", "created_at", "id"),
        # A party's timeline (一件事): an applicant's applications, newest first.
        Index("ix_approvals_applicant_created", "applicant_id_number", "created_at", "id"),
    )

    service_code: str = Field(max_length=64, foreign_key="approval_services.code")
    channel: str = Field(max_length=16)
    green_channel: bool = False
    applicant_type: str = Field(max_length=16)
    applicant_name: str = Field(max_length=200)
    applicant_id_number: str = Field(max_length=18)
    applicant_phone: str = Field(max_length=32)
    applicant_contact: str | None = Field(default=None, max_length=100)
    # [{code, provided, file_id}] as the applicant gave them.
    materials: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    # The service's materials list in force when the application was made: [{code, name, required}].
    required_materials: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    on_the_spot: bool = False
    legal_limit_days: int = 0
    # The committed limit in force at application, halved (rounded up) on the green channel.
    decision_limit_days: int = 0

    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acceptance_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deemed_accepted: bool = False
    # The one-time notice (一次性告知): [{code, note}].
    missing_materials: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    supplement_count: int = 0
    not_accepted_reason: str | None = Field(default=None, max_length=2000)

    suspension_reason: str | None = Field(default=None, max_length=32)
    extended: bool = False
    extension_reason: str | None = Field(default=None, max_length=2000)
    recommendation: str | None = Field(default=None, max_length=16)
    recommendation_comment: str | None = Field(default=None, max_length=2000)

    decision_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision: str | None = Field(default=None, max_length=16)
    decision_reason: str | None = Field(default=None, max_length=2000)
    conditions: str | None = Field(default=None, max_length=5000)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_on_the_spot: bool = False
    decided_late: bool = False
    # Working days from acceptance to decision, suspensions not counted (第四十五条).
    decision_working_days: int | None = None
    licence_number: str | None = Field(default=None, max_length=32, unique=True)
    valid_until: date | None = None

    delivery_method: str | None = Field(default=None, max_length=16)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
