"""Request bodies of the hotline ticket workflow's actions."""

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, model_validator

from app.schemas.common import BoundedDate, LongText, Reason
from app.schemas.party import Party
from app.workflow.definition import ActionBody

MAX_EXTENSION_DAYS = 10

ResolutionMode = Literal["service", "management", "enforcement"]
Satisfaction = Literal["satisfied", "basically_satisfied", "unsatisfied"]
ReturnReason = Literal["wrong_district", "not_our_duty", "unclear_ownership", "other"]


class DispatchBody(ActionBody):
    department_id: uuid.UUID | None = Field(
        default=None, description="Omit to route by the matching routing rule."
    )
    note: Reason | None = Field(
        default=None,
        deprecated=True,
        exclude=True,
        description="Deprecated: send `comment`, as for every action. Still accepted, as "
        "the comment.",
    )

    @model_validator(mode="before")
    @classmethod
    def _note_is_the_comment(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("note") is None:
            return data
        if data.get("comment") not in (None, data["note"]):
            raise ValueError("send comment only: note is its deprecated name")
        return {**data, "comment": data["note"], "note": None}


class AnswerBody(ActionBody):
    reply: LongText
    in_writing: StrictBool = Field(default=False, description="Also issue a written reply letter.")


class MergeBody(ActionBody):
    duplicate_of: uuid.UUID


class ReturnBody(ActionBody):
    reason_code: ReturnReason
    reason: Reason


class ReplyBody(ActionBody):
    reply: LongText
    resolution_mode: ResolutionMode
    in_writing: StrictBool = Field(default=False, description="Also issue a written reply letter.")


class ExtendBody(ActionBody):
    reason: Reason
    days: Annotated[int, Field(ge=1, le=MAX_EXTENSION_DAYS)]


class AssignBody(ActionBody):
    department_id: uuid.UUID
    reason: Reason


class CloseBody(ActionBody):
    satisfaction: Satisfaction


class ReopenBody(ActionBody):
    reason: Reason


class UrgeBody(ActionBody):
    comment: Reason


class CancelBody(ActionBody):
    reason: Reason


class EscalateBody(ActionBody):
    # Kept out of this ticket's event payload, which the reporter may read: the party is
    # recorded in the case's own history, where it is masked for whoever may not see it.
    party: Party = Field(exclude=True)
    violation_occurred_on: BoundedDate
    discovered_on: BoundedDate | None = Field(
        default=None, description="Defaults to the day the ticket was registered."
    )
    facts: LongText | None = Field(default=None, description="Defaults to the ticket's content.")
