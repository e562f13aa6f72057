"""Request and response bodies of monthly reports (月报)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator
from pydantic.config import JsonDict

from app.oversight.fields import Code, Quantity, Share, Strict
from app.schemas.common import AsciiDecimal, ShortText

# Swagger's example, accepted as sent (tests/test_request_examples.py): the year's
# programme of the rural-environment plan.
PROGRAMME_EXAMPLE: JsonDict = {
    "code": "rural-env-2026",
    "name": "农村人居环境整治提升",
    "year": 2026,
    "due_day": 15,
    "items": [
        {
            "code": "toilets",
            "name": "三格化粪池新建/改造",
            "unit": "户",
            "annual_target": "2880",
            "schedule": [{"month": 8, "share": "0.7"}, {"month": 12, "share": "1"}],
            "unit_targets": {},
        }
    ],
    "units": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
}


class Checkpoint(Strict):
    month: int = Field(ge=1, le=12)
    share: Share


class ReportItemSpec(Strict):
    """One figure every unit reports each month, cumulative for the year."""

    code: Code
    name: ShortText
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
    annual_target: Annotated[Decimal, AsciiDecimal, Field(gt=0, max_digits=14, decimal_places=2)]
    schedule: list[Checkpoint] = Field(
        min_length=1,
        max_length=12,
        description="Checkpoints of the share due by the end of a month (时序进度), e.g. "
        "70% by August; between them the share grows in a straight line from 0 in January.",
    )
    unit_targets: dict[
        uuid.UUID, Annotated[Decimal, AsciiDecimal, Field(gt=0, max_digits=14, decimal_places=2)]
    ] = Field(default_factory=dict, description="Per-unit targets by department id.")

    @model_validator(mode="after")
    def _schedule_grows(self) -> Self:
        months = [c.month for c in self.schedule]
        shares = [c.share for c in self.schedule]
        if months != sorted(set(months)) or shares != sorted(shares):
            raise ValueError("schedule: months must increase and shares must not fall")
        return self

    def target_for(self, department_id: uuid.UUID) -> Decimal:
        return self.unit_targets.get(department_id, self.annual_target)


class ProgrammeCreate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PROGRAMME_EXAMPLE]})

    code: Code
    name: ShortText
    year: int = Field(ge=2000, le=2100)
    due_day: int = Field(
        default=15,
        ge=1,
        le=28,
        description="The day of the next month a month's report is due; a day off work "
        "moves it to the next working day.",
    )
    items: list[ReportItemSpec] = Field(min_length=1, max_length=50)
    units: list[uuid.UUID] = Field(
        min_length=1, max_length=500, description="The departments (towns, bureaus) that report."
    )

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if len({i.code for i in self.items}) != len(self.items):
            raise ValueError("items: codes must be unique")
        if len(set(self.units)) != len(self.units):
            raise ValueError("units: a department is listed twice")
        return self


class ProgrammePublic(ProgrammeCreate):
    id: uuid.UUID
    created_at: datetime


class Figure(Strict):
    item: Code
    completed: Quantity = Field(description="Cumulative for the year at the month's end.")
    preparation_done: StrictBool = Field(
        default=False, description="Preparation is finished though the work has not started."
    )


class SubmissionCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "figures": [
                        {"item": "toilets", "completed": "1500", "preparation_done": False}
                    ],
                    "note": "",
                }
            ]
        },
    )

    department_id: uuid.UUID | None = Field(
        default=None, description="The reporting unit; defaults to the caller's department."
    )
    figures: list[Figure] = Field(min_length=1, max_length=50)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class SubmissionPublic(BaseModel):
    id: uuid.UUID
    programme: str
    period: str
    department_id: uuid.UUID
    figures: list[Figure]
    note: str
    submitted_at: datetime
    submitted_by: uuid.UUID
    due_on: date
    is_late: bool
    supersedes_id: uuid.UUID | None
    is_current: bool


class ItemProgress(BaseModel):
    item: str
    completed: Decimal | None
    target: Decimal
    expected_share: Decimal
    actual_share: Decimal | None
    on_schedule: bool | None


class UnitProgress(BaseModel):
    department_id: uuid.UUID
    department_name: str
    reported: bool
    is_late: bool | None
    submitted_at: datetime | None
    corrections: int
    items: list[ItemProgress]


class PeriodProgress(BaseModel):
    programme: str
    period: str
    due_on: date
    missing: list[uuid.UUID]
    late: list[uuid.UUID]
    units: list[UnitProgress]
