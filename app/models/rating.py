"""Service ratings (好差评) and the rectification (整改) tasks bad ones open."""

import datetime as dt
import uuid

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, new_id, timestamp_field
from app.models.workflow import WorkflowRecord


class Rating(SQLModel, table=True):
    """One rating of one delivered approval or closed ticket: a record is rated once."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("kind", "record_id", name="uq_ratings_record"),
        Index("ix_ratings_department_rated", "department_id", "rated_at"),
        Index("ix_ratings_rater_rated", "rater_id_number", "rated_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(max_length=32)
    record_id: uuid.UUID
    record_number: str = Field(max_length=32)
    department_id: uuid.UUID | None = Field(default=None, foreign_key="departments.id")
    # The approval service or the ticket category rated.
    service: str = Field(max_length=64)
    level: str = Field(max_length=24)
    comment: str = Field(default="", max_length=1000)
    real_name: bool = True
    # citizen (online), callback (staff recording a phone callback), provincial (pushed by
    # the provincial 好差评 system's API client)
    source: str = Field(max_length=16)
    rated_by_id: uuid.UUID | None = None
    # The rater's resident ID or credit code, for the party's timeline (一件事): an
    # approval's applicant, when the rating is given under the real name.
    rater_id_number: str | None = Field(default=None, max_length=18)
    rated_at: dt.datetime = timestamp_field()
    rectification_id: uuid.UUID | None = None


class Rectification(WorkflowRecord, table=True):
    """整改: a bad real-name rating's task for the responsible department."""

    __tablename__ = "rectifications"
    __table_args__ = (
        Index("ix_rectifications_department_created", "department_id", "created_at", "id"),
    )

    rating_id: uuid.UUID = Field(foreign_key="ratings.id", unique=True)
    source_kind: str = Field(max_length=32)
    source_record_id: uuid.UUID
    source_number: str = Field(max_length=32)
    level: str = Field(max_length=24)
    complaint: str = Field(default="", max_length=1000)
    founded: bool | None = None
    verification: str | None = Field(default=None, max_length=2000)
    measures: str | None = Field(default=None, max_length=2000)
    review_comment: str | None = Field(default=None, max_length=2000)
    sent_back_count: int = 0
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
