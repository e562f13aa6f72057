"""Request and response bodies of service ratings (好差评) and rectifications (整改)."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from app.oversight.fields import Strict

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
