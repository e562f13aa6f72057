"""Monthly reports (月报) and scored assessments (考评): programmes, submissions, schemes,
findings, adjustments and computed runs.

A programme's items and units, and an assessment's scheme, are documents an administrator
enters (validated by ``app/oversight/report_schemas.py`` and
``assessment_schemas.py``), kept as JSON: their shape is the
programme's own, and nothing queries inside them. Submissions, findings and adjustments
are rows that are never edited: a correction is a new submission that supersedes the last.
"""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.base import JSONType, VersionedTable, new_id, timestamp_field
from app.models.money import Money


class ReportProgramme(VersionedTable, table=True):
    __tablename__ = "report_programmes"

    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    year: int
    due_day: int = Field(default=15)
    items: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    units: list[str] = Field(default_factory=list, sa_type=JSONType)


class ReportSubmission(SQLModel, table=True):
    __tablename__ = "report_submissions"
    __table_args__ = (
        Index("ix_report_submissions_period", "programme_id", "period", "department_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="report_programmes.id")
    period: str = Field(max_length=7)
    department_id: uuid.UUID = Field(foreign_key="departments.id")
    figures: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    note: str = Field(default="", max_length=2000)
    submitted_at: dt.datetime = timestamp_field()
    submitted_by: uuid.UUID = Field(foreign_key="users.id")
    due_on: dt.date
    is_late: bool = Field(default=False)
    supersedes_id: uuid.UUID | None = Field(default=None, foreign_key="report_submissions.id")


class AssessmentSchemeRow(VersionedTable, table=True):
    __tablename__ = "assessment_schemes"

    programme_id: uuid.UUID = Field(foreign_key="report_programmes.id", unique=True)
    definition: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    updated_by: uuid.UUID = Field(foreign_key="users.id")


class AssessmentFinding(SQLModel, table=True):
    """An inspection's deduction, a bonus item, or a report found false, with its reason."""

    __tablename__ = "assessment_findings"
    __table_args__ = (Index("ix_assessment_findings_period", "programme_id", "period"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="report_programmes.id")
    period: str = Field(max_length=7)
    department_id: uuid.UUID = Field(foreign_key="departments.id")
    kind: str = Field(max_length=16)
    item: str | None = Field(default=None, max_length=64)
    # Points are exact to the hundredth, like money: the same column type serves.
    points: Decimal = Field(sa_type=Money)
    reason: str = Field(max_length=2000)
    is_adjustment: bool = Field(default=False)
    created_at: dt.datetime = timestamp_field()
    created_by: uuid.UUID = Field(foreign_key="users.id")


class AssessmentRun(SQLModel, table=True):
    """One computation of a period's scores, kept: a later run supersedes, never rewrites."""

    __tablename__ = "assessment_runs"
    __table_args__ = (Index("ix_assessment_runs_period", "programme_id", "period", "computed_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="report_programmes.id")
    period: str = Field(max_length=7)
    scheme_version: int
    results: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    computed_at: dt.datetime = timestamp_field()
    computed_by: uuid.UUID = Field(foreign_key="users.id")


class ScorecardSchemeRow(SQLModel, table=True):
    """One version of the department scorecard's scheme (部门考评): a change adds a version,
    so a run's ``scheme_version`` still says which weights scored it."""

    __tablename__ = "scorecard_schemes"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    version: int = Field(unique=True)
    definition: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: dt.datetime = timestamp_field()
    created_by: uuid.UUID = Field(foreign_key="users.id")


class ScorecardRun(SQLModel, table=True):
    """One computation of a quarter's department scorecard, kept like an assessment run."""

    __tablename__ = "scorecard_runs"
    __table_args__ = (Index("ix_scorecard_runs_period", "period", "computed_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    period: str = Field(max_length=7)
    scheme_version: int
    results: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    computed_at: dt.datetime = timestamp_field()
    computed_by: uuid.UUID = Field(foreign_key="users.id")
