"""Request bodies of the enforcement case workflow's actions (app/cases/workflow.py)."""

from typing import Annotated

from pydantic import Field, StrictBool

from app.cases.schemas import (
    MAX_EXTENSION_DAYS,
    AppealKind,
    AppealOutcome,
    DecisionNumber,
    LegalBasis,
    Money,
    Officer,
    Penalty,
    ServiceMethod,
    TransferOrgan,
)
from app.schemas.common import BoundedAwareDatetime, BoundedDate, LongText, Reason, ShortText
from app.workflow.definition import ActionBody

Officers = Annotated[
    list[Officer],
    Field(
        min_length=2,
        max_length=10,
        description="At least two officers with their credentials (第四十二条): active "
        "inspectors of the department that owns the case (422 naming the officer otherwise). "
        "Joint enforcement (联合执法) is one case per department, each with its own officers.",
        examples=[
            [
                {
                    "user_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                    "credential_number": "11010001",
                },
                {
                    "user_id": "3fa85f64-5717-4562-b3fc-2c963f66afa7",
                    "credential_number": "11010002",
                },
            ]
        ],
    ),
]


class FileBody(ActionBody):
    officers: Officers


class OnTheSpotBody(ActionBody):
    officers: Officers
    penalty: Penalty
    decision_number: DecisionNumber
    legal_basis: LegalBasis


class ReasonBody(ActionBody):
    reason: Reason


class ConcludeBody(ActionBody):
    facts: LongText
    legal_basis: LegalBasis
    proposed_penalty: Penalty


class OpinionBody(ActionBody):
    opinion: Reason


class NotifyBody(ActionBody):
    notified_at: BoundedAwareDatetime = Field(
        description="When the party received the prior notice."
    )


class HearingRecordBody(ActionBody):
    record: LongText


class ProceedBody(ActionBody):
    waived: StrictBool = Field(
        default=False,
        description="The party waived statement, defence and hearing: no need to wait "
        "for the window to close.",
    )


class DecideBody(ActionBody):
    penalty: Penalty
    decision_number: DecisionNumber


class TransferBody(ActionBody):
    to: TransferOrgan
    reason: Reason


class ServeBody(ActionBody):
    method: ServiceMethod
    served_at: BoundedAwareDatetime


class AppealBody(ActionBody):
    kind: AppealKind
    filed_on: BoundedDate


class AppealOutcomeBody(ActionBody):
    outcome: AppealOutcome
    concluded_on: BoundedDate


class EnforcementBody(ActionBody):
    court: ShortText


class PaymentBody(ActionBody):
    amount: Money = Field(description="Fine plus the late surcharge due on the day paid.")
    paid_at: BoundedAwareDatetime


class ExtendBody(ActionBody):
    reason: Reason
    days: Annotated[int, Field(ge=1, le=MAX_EXTENSION_DAYS, description="Natural days.")]
