"""Request and response bodies of scored assessments (考评)."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator
from pydantic.config import JsonDict

from app.oversight.fields import Code, Points, Share, Strict
from app.schemas.common import AsciiDecimal, Reason, ShortText

# Swagger's example, accepted as sent (tests/test_request_examples.py): the scheme of the
# rural-environment plan's programme.
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
