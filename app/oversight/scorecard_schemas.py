"""Request and response bodies of the department scorecard (部门考评): govflow's own figures."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from app.oversight.assessment_schemas import ScoreLine
from app.oversight.fields import Code, Points, Share, Strict
from app.schemas.common import AsciiDecimal, ShortText

Measure = Literal[
    "ticket_on_time",
    "approval_on_time",
    "case_on_time",
    "satisfaction",
    "ticket_reopen",
    "rectification_on_time",
    "disclosure_on_time",
]
# The measures where a smaller share is the better figure.
LOWER_IS_BETTER: frozenset[str] = frozenset({"ticket_reopen"})

SCORECARD_EXAMPLE: JsonDict = {
    "items": [
        {"code": "tickets", "name": "工单按时办结率", "measure": "ticket_on_time",
         "max_score": "30", "target": "0.95", "deduction_per_point": "1"},
        {"code": "satisfaction", "name": "好评率", "measure": "satisfaction",
         "max_score": "30"},
        {"code": "reopen", "name": "工单重办率", "measure": "ticket_reopen", "max_score": "20",
         "target": "0.05", "deduction_per_point": "2"},
        {"code": "rectified", "name": "差评按期整改率", "measure": "rectification_on_time",
         "max_score": "20"},
    ],
    "departments": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
}  # fmt: skip


class ScorecardItem(Strict):
    code: Code
    name: ShortText
    measure: Measure = Field(
        description="`ticket_on_time`: tickets closed in the quarter, share not overdue; "
        "`approval_on_time`: applications decided, share within the committed limit; "
        "`case_on_time`: cases decided, share within the legal limit; `satisfaction`: "
        "ratings given, share 基本满意 or better; `ticket_reopen` (lower is better): tickets "
        "closed, share reopened after a callback; `rectification_on_time`: rectifications "
        "due in the quarter, share closed by review in time; `disclosure_on_time`: "
        "disclosures due in the quarter, share published in time."
    )
    max_score: Annotated[Decimal, AsciiDecimal, Field(gt=0, le=100, max_digits=6, decimal_places=2)]
    target: Share | None = Field(
        default=None,
        description="The share that earns the full score (for `ticket_reopen`, the most "
        "allowed). Without a target the item earns its share of the score: max × rate "
        "(× (1 − rate) for `ticket_reopen`).",
    )
    deduction_per_point: Points | None = Field(
        default=None,
        description="With a target: points off per percentage point short of it, down to 0.",
    )

    @model_validator(mode="after")
    def _target_and_deduction(self) -> Self:
        if (self.target is None) != (self.deduction_per_point is None):
            raise ValueError("target and deduction_per_point are given together or not at all")
        return self


class ScorecardScheme(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SCORECARD_EXAMPLE]})

    items: list[ScorecardItem] = Field(min_length=1, max_length=20)
    departments: list[uuid.UUID] = Field(
        min_length=1, max_length=500, description="The departments scored."
    )
    total_cap: Points = Decimal(100)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if len({i.code for i in self.items}) != len(self.items):
            raise ValueError("items: codes must be unique")
        if len(set(self.departments)) != len(self.departments):
            raise ValueError("departments: a department is listed twice")
        return self


class ScorecardSchemePublic(ScorecardScheme):
    version: int
    updated_at: datetime
    updated_by: uuid.UUID


class ScorecardFigure(BaseModel):
    code: str
    name: str
    measure: str
    counted: int = Field(description="The records the share is taken of.")
    qualifying: int = Field(description="Those that meet the measure (on time, good, …).")
    rate: str | None = Field(description="qualifying / counted; null when nothing was counted.")
    points: str | None = Field(description="Earned; null when not measured (scaled instead).")
    max_score: str


class ScorecardUnit(BaseModel):
    department_id: uuid.UUID
    department_name: str
    rank: int
    figures: list[ScorecardFigure]
    total: str
    lines: list[ScoreLine]


class ScorecardRunPublic(BaseModel):
    id: uuid.UUID
    period: str
    scheme_version: int
    computed_at: datetime
    computed_by: uuid.UUID
    departments: list[ScorecardUnit]
