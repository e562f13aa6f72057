"""Enforcement cases (行政处罚案件) and the officers who handle them."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.base import JSONType, UTCDateTime
from app.models.money import Money
from app.models.workflow import WorkflowRecord


class EnforcementCase(WorkflowRecord, table=True):
    """One case. Money is ``Decimal`` yuan (see app.models.money); lists are JSON."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_created", "status", "created_at", "id"),
        Index("ix_cases_department_created", "department_id", "created_at", "id"),
        Index("ix_cases_category_created", "category_code", "created_at", "id"),
        Index("ix_cases_district_created", "district", "created_at", "id"),
        Index("ix_cases_source_created", "source", "created_at", "id"),
        Index("ix_cases_penalty_fine", "penalty_fine_amount"),
        # A party's timeline (一件事) and summary: its cases, newest first.
        Index("ix_cases_party_created", "party_id_number", "created_at", "id"),
        Index("ix_cases_source_ticket", "source_ticket_id"),
        Index("ix_cases_reviewed_by", "reviewed_by_id"),
        Index("ix_cases_decision_number", "decision_number", unique=True),
    )

    source: str = Field(max_length=16)
    source_ticket_id: uuid.UUID | None = Field(default=None, foreign_key="tickets.id")
    category_code: str = Field(max_length=64)
    procedure: str | None = Field(default=None, max_length=16)  # simple / ordinary
    party_type: str = Field(max_length=16)
    party_name: str = Field(max_length=200)
    party_id_number: str | None = Field(default=None, max_length=64)
    party_address: str = Field(default="", max_length=300)
    party_phone: str | None = Field(default=None, max_length=32)
    address: str = Field(default="", max_length=300)
    district: str = Field(default="", max_length=100)
    lat: float | None = None
    lon: float | None = None
    facts: str = Field(max_length=5000)
    violation_occurred_on: date
    discovered_on: date
    serious_harm: bool = False
    legal_basis: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    measures: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    filed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    proposed_kinds: list[str] | None = Field(default=None, sa_type=JSONType)
    proposed_fine_amount: Decimal | None = Field(default=None, sa_type=Money)
    proposed_confiscated: str | None = Field(default=None, max_length=1000)
    reviewed_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_opinion: str | None = Field(default=None, max_length=2000)
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    statement_window_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    statement_waived: bool = False
    hearing_requested: bool = False
    hearing_record: str | None = Field(default=None, max_length=5000)
    penalty_kinds: list[str] | None = Field(default=None, sa_type=JSONType)
    penalty_fine_amount: Decimal | None = Field(default=None, sa_type=Money)
    penalty_confiscated: str | None = Field(default=None, max_length=1000)
    decision_number: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_late: bool = False
    disposition: str | None = Field(default=None, max_length=16)
    disposal_reason: str | None = Field(default=None, max_length=2000)
    transferred_to: str | None = Field(default=None, max_length=16)
    served_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    service_method: str | None = Field(default=None, max_length=32)
    served_late: bool = False
    payment_due_on: date | None = None
    appeals: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    enforcement_court: str | None = Field(default=None, max_length=200)
    enforcement_applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paid_amount: Decimal | None = Field(default=None, sa_type=Money)
    paid_surcharge: Decimal | None = Field(default=None, sa_type=Money)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    extended_days: int = 0
    revoke_count: int = 0


class CaseOfficer(SQLModel, table=True):
    """The law-enforcement officers of a case (第四十二条): a table, so the list filters by one."""

    __tablename__ = "case_officers"

    case_id: uuid.UUID = Field(foreign_key="cases.id", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, index=True)
    position: int
    name: str = Field(max_length=200)
    credential_number: str = Field(max_length=32)
