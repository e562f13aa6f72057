"""Request and response bodies of monthly reports (月报) and scored assessments (考评)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator
from pydantic.config import JsonDict

from app.schemas.common import AsciiDecimal, Reason, ShortText

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")]
Share = Annotated[Decimal, AsciiDecimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
Points = Annotated[Decimal, AsciiDecimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]
Quantity = Annotated[Decimal, AsciiDecimal, Field(ge=0, max_digits=14, decimal_places=2)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Swagger's examples, each accepted as sent (tests/test_request_examples.py): the year's
# programme of the rural-environment plan, and its scheme.
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
SCHEME_EXAMPLE: JsonDict = {
    "items": [
        {
            "code": "toilets",
            "name": "户厕改造",
            "max_score": "100",
            "measures": "toilets",
            "preparation_share": "0.4",
            "deduction_per_10pct_short": "3",
            "late_report_deduction": "2",
            "late_report_cap": "6",
        }
    ],
    "total_cap": "100",
    "bonus": {"cap": "10", "ranking": ["1.5", "1", "0.5"]},
    "false_report": {"max_penalty": "5", "loses_bonus": True},
    "year_weights": {"Q2": "0.2", "Q3": "0.2", "Q4": "0.6"},
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


class ItemRule(Strict):
    code: Code
    name: ShortText
    max_score: Annotated[Decimal, AsciiDecimal, Field(gt=0, le=100, max_digits=6, decimal_places=2)]
    measures: Code | None = Field(
        default=None, description="The report item whose progress this item scores."
    )
    preparation_share: Share | None = Field(
        default=None, description="Share of the score when preparation is done, work not started."
    )
    deduction_per_10pct_short: Points = Decimal(0)
    late_report_deduction: Points = Decimal(0)
    late_report_cap: Points | None = None


class BonusRule(Strict):
    cap: Points = Decimal(10)
    ranking: list[Points] = Field(
        default_factory=lambda: [Decimal("1.5"), Decimal(1), Decimal("0.5")], max_length=10
    )


class FalseReportRule(Strict):
    max_penalty: Points = Decimal(5)
    loses_bonus: StrictBool = True


class AssessmentScheme(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SCHEME_EXAMPLE]})

    items: list[ItemRule] = Field(min_length=1, max_length=50)
    total_cap: Points = Decimal(100)
    bonus: BonusRule = Field(default_factory=BonusRule)
    false_report: FalseReportRule = Field(default_factory=FalseReportRule)
    year_weights: dict[Literal["Q1", "Q2", "Q3", "Q4"], Share] = Field(
        description="The year-end formula's weights, e.g. Q2 20%, Q3 20%, Q4 60%."
    )

    @model_validator(mode="after")
    def _weights_and_codes(self) -> Self:
        if sum(self.year_weights.values()) != 1:
            raise ValueError("year_weights must add up to 1")
        if len({i.code for i in self.items}) != len(self.items):
            raise ValueError("items: codes must be unique")
        return self


class SchemePublic(AssessmentScheme):
    programme: str
    version: int
    updated_at: datetime


class FindingCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "department_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                    "kind": "deduction",
                    "item": "toilets",
                    "points": "2",
                    "reason": "暗访：村道两侧垃圾堆放",
                }
            ]
        },
    )

    department_id: uuid.UUID
    kind: Literal["deduction", "bonus", "false_report"]
    item: Code | None = Field(default=None, description="The scheme item, for a deduction.")
    points: Annotated[Decimal, AsciiDecimal, Field(gt=0, le=100, max_digits=6, decimal_places=2)]
    reason: Reason

    @model_validator(mode="after")
    def _item_for_deduction(self) -> Self:
        if (self.kind == "deduction") != (self.item is not None):
            raise ValueError("item: a deduction names its item, other findings none")
        return self


class FindingPublic(BaseModel):
    id: uuid.UUID
    period: str
    department_id: uuid.UUID
    kind: str
    item: str | None
    points: Decimal
    reason: str
    created_at: datetime
    created_by: uuid.UUID


class AdjustmentCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "department_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                    "points": "3",
                    "reason": "受台风影响，工期顺延",
                }
            ]
        },
    )

    department_id: uuid.UUID
    points: Annotated[Decimal, AsciiDecimal, Field(ge=-100, le=100, max_digits=6, decimal_places=2)]
    reason: Reason

    @model_validator(mode="after")
    def _moves(self) -> Self:
        if self.points == 0:
            raise ValueError("points: an adjustment moves the score")
        return self


class ScoreLine(BaseModel):
    item: str | None
    kind: str
    points: str
    reason: str


class UnitResult(BaseModel):
    department_id: uuid.UUID
    department_name: str
    rank: int
    items: dict[str, str]
    subtotal: str
    penalty: str
    adjustment: str
    bonus: str
    total: str
    lines: list[ScoreLine]


class AssessmentRunPublic(BaseModel):
    id: uuid.UUID
    programme: str
    period: str
    scheme_version: int
    computed_at: datetime
    computed_by: uuid.UUID
    units: list[UnitResult]


class TimelineEntry(BaseModel):
    module: str = Field(description="`approval`, `case` or `ticket`.")
    collection: str
    id: uuid.UUID
    number: str
    title: str
    state: str
    step: str = Field(description="The record's latest step (its newest event's action).")
    step_at: datetime
    created_at: datetime
    due_at: datetime | None


class TimelinePage(BaseModel):
    items: list[TimelineEntry]
    next_cursor: str | None = None


class StateCount(BaseModel):
    module: str
    state: str
    count: int


class OpenDeadline(BaseModel):
    module: str
    id: uuid.UUID
    number: str
    due_at: datetime
    is_overdue: bool


class PartySummary(BaseModel):
    id_number: str
    counts: list[StateCount]
    open_deadlines: list[OpenDeadline]
    penalties_decided: Decimal = Field(description="Fines decided, in yuan.")
    penalties_paid: Decimal = Field(description="Fines paid, in yuan.")
    permits_held: int = Field(description="Permits granted and not expired.")


RatingLevel = Literal[
    "very_satisfied", "satisfied", "basically_satisfied", "unsatisfied", "very_unsatisfied"
]


class RatingCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "approval",
                    "record_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                    "level": "satisfied",
                    "comment": "",
                    "real_name": True,
                }
            ]
        },
    )

    kind: Literal["approval", "ticket"]
    record_id: uuid.UUID
    level: RatingLevel = Field(
        description="非常满意, 满意, 基本满意, 不满意, 非常不满意 (国办发〔2019〕51号)."
    )
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    real_name: StrictBool = Field(
        default=True,
        description="Given under the rater's real name: a bad real-name rating opens a "
        "rectification for the responsible department.",
    )


class RatingPublic(BaseModel):
    id: uuid.UUID
    kind: str
    record_id: uuid.UUID
    record_number: str
    department_id: uuid.UUID | None
    service: str
    level: RatingLevel
    level_label: str
    comment: str
    real_name: bool
    source: Literal["citizen", "callback", "provincial"]
    rated_at: datetime
    rectification_id: uuid.UUID | None


class RectificationPublic(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    title: str
    department_id: uuid.UUID | None
    rating_id: uuid.UUID
    source_kind: str
    source_record_id: uuid.UUID
    source_number: str
    level: str
    complaint: str
    founded: bool | None
    verification: str | None
    measures: str | None
    review_comment: str | None
    sent_back_count: int
    due_at: datetime | None
    is_overdue: bool
    closed_at: datetime | None
    created_at: datetime
    version: int
    allowed_actions: list[str]


class RatingGroup(BaseModel):
    group: str
    ratings: int
    by_level: dict[str, int]
    bad: int
    bad_rectified_on_time: int
    bad_rectified_on_time_rate: float | None


class RatingStats(BaseModel):
    group_by: str
    groups: list[RatingGroup]
