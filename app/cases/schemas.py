"""Request and response shapes of enforcement cases.

Money is yuan as a ``Decimal``. Requests take a JSON string (``"200.00"``) or number with
at most two decimals; responses always give a string with exactly two (``"200.00"``), so
no client ever parses an amount as a float.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StringConstraints,
    model_validator,
)

from app.models.money import to_yuan
from app.schemas.common import (
    AsciiDecimal,
    BoundedDate,
    LongText,
    PatchModel,
    Reason,
    ShortText,
)
from app.schemas.party import Party
from app.tickets.schemas import CategoryCode, Location
from app.workflow.schemas import ClockFields


def _two_decimals(value: Decimal) -> str:
    return f"{value:.2f}"


_TO_FEN = AfterValidator(to_yuan)
_AS_STRING = PlainSerializer(_two_decimals, return_type=str, when_used="json")
Money = Annotated[
    Decimal,
    AsciiDecimal,
    Field(ge=0, max_digits=12, decimal_places=2, examples=["200.00"]),
    _TO_FEN,
    _AS_STRING,
]
# Below half the column's range, so a fine plus its surcharge (at most the fine) still fits.
FineAmount = Annotated[
    Decimal,
    AsciiDecimal,
    Field(gt=0, lt=Decimal("5000000000"), max_digits=12, decimal_places=2, examples=["200.00"]),
    _TO_FEN,
    _AS_STRING,
]
Source = Literal["inspection", "ticket", "report", "transfer", "other"]
CreatableSource = Literal["inspection", "report", "transfer", "other"]
PenaltyKind = Literal[
    "warning", "fine", "confiscation", "suspension", "licence_revocation", "other"
]
MeasureType = Literal["seizure", "production_restriction"]
Provision = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
CredentialNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)
]
DecisionNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
]
ServiceMethod = Literal[
    "in_person", "left_at_address", "entrusted", "by_post", "electronic", "by_publication"
]
AppealKind = Literal["administrative_review", "lawsuit"]
AppealOutcome = Literal["upheld", "altered", "revoked", "withdrawn"]
TransferOrgan = Literal["police", "judicial"]
MAX_EXTENSION_DAYS = 90
# 行政强制法 第二十五条: a seizure lasts at most 30 days, extended at most by 30 more.
MAX_SEIZURE_DAYS = 60


def _distinct(kinds: list[PenaltyKind]) -> list[PenaltyKind]:
    if len(set(kinds)) != len(kinds):
        raise ValueError("each kind at most once")
    return kinds


class Penalty(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kinds": ["warning", "fine"], "fine_amount": "200.00"}]},
    )

    kinds: Annotated[list[PenaltyKind], Field(min_length=1), AfterValidator(_distinct)]
    fine_amount: FineAmount | None = Field(
        default=None, description="Yuan; given exactly when `kinds` holds `fine`."
    )
    confiscated: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None
    ) = Field(default=None, description="What is confiscated; given with `confiscation`.")

    @model_validator(mode="after")
    def _amounts_match_kinds(self) -> Self:
        if ("fine" in self.kinds) != (self.fine_amount is not None):
            raise ValueError("fine_amount is given exactly when kinds holds fine")
        if ("confiscation" in self.kinds) != bool(self.confiscated):
            raise ValueError("confiscated is given exactly when kinds holds confiscation")
        return self


class LegalBasis(BaseModel):
    model_config = ConfigDict(extra="forbid")

    violated: Provision = Field(description="The law and article violated.")
    applied: Provision = Field(description="The law and article the penalty rests on.")


class Officer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    credential_number: CredentialNumber = Field(description="The law-enforcement credential.")


class OfficerPublic(Officer):
    name: str


class Measure(BaseModel):
    """A compulsory measure taken during investigation: seizure (查封扣押) or 限产停产."""

    model_config = ConfigDict(extra="forbid")

    type: MeasureType
    started_on: BoundedDate
    ends_on: BoundedDate
    document_number: ShortText | None = None
    note: Reason | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.ends_on < self.started_on:
            raise ValueError("ends_on is not before started_on")
        if self.type == "seizure" and (self.ends_on - self.started_on).days > MAX_SEIZURE_DAYS:
            raise ValueError(f"a seizure lasts at most {MAX_SEIZURE_DAYS} days")
        return self


class CaseCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "inspection",
                    "title": "占道经营",
                    "category_code": "zhandao_jingying",
                    "party": {"type": "person", "name": "张三", "id_number": "110101199001011237"},
                    "location": {"address": "建国路88号", "district": "朝阳区"},
                    "facts": "当事人在人行道上摆摊经营水果。",
                    "violation_occurred_on": "2026-11-20",
                    "discovered_on": "2026-11-20",
                }
            ]
        },
    )

    source: CreatableSource = Field(
        description="Cases from tickets are made by the ticket's `escalate` action."
    )
    title: ShortText
    category_code: CategoryCode
    party: Party
    location: Location = Field(default_factory=Location)
    facts: LongText
    violation_occurred_on: BoundedDate = Field(
        description="When it happened; for a continuing violation, when it ended (第三十六条)."
    )
    discovered_on: BoundedDate
    serious_harm: StrictBool = Field(
        default=False,
        description="Endangers life, health or financial safety with harm done: "
        "the limitation is five years instead of two (第三十六条).",
    )
    legal_basis: LegalBasis | None = None
    measures: list[Measure] = Field(default_factory=list, max_length=20)


class CaseUpdate(PatchModel):
    """Details editable before the investigation concludes; dates only before filing."""

    clearable = frozenset({"legal_basis"})

    title: ShortText | None = None
    category_code: CategoryCode | None = None
    party: Party | None = None
    location: Location | None = None
    facts: LongText | None = None
    violation_occurred_on: BoundedDate | None = None
    discovered_on: BoundedDate | None = None
    serious_harm: StrictBool | None = None
    legal_basis: LegalBasis | None = None
    measures: Annotated[list[Measure], Field(max_length=20)] | None = None


class PartyPublic(BaseModel):
    """The party as the caller may see it: masked for those outside the department."""

    type: str
    name: str | None
    id_number: str | None
    address: str
    phone: str | None


class PenaltyPublic(BaseModel):
    kinds: list[str]
    fine_amount: Money | None
    confiscated: str | None


class Appeal(BaseModel):
    kind: str
    filed_on: date
    concluded_on: date | None = None
    outcome: str | None = None


class PaymentPublic(BaseModel):
    paid_amount: Money
    late_surcharge: Money
    paid_at: datetime


class CasePublic(ClockFields):
    id: uuid.UUID
    number: str
    title: str
    source: str
    source_ticket_id: uuid.UUID | None
    category_code: str
    department_id: uuid.UUID | None
    status: str
    procedure: str | None
    party: PartyPublic
    location: Location
    facts: str
    violation_occurred_on: date
    discovered_on: date
    serious_harm: bool
    limitation_ends_on: date
    legal_basis: LegalBasis | None
    officers: list[OfficerPublic]
    measures: list[Measure]
    filed_at: datetime | None
    proposed_penalty: PenaltyPublic | None
    review_opinion: str | None
    reviewed_at: datetime | None
    notified_at: datetime | None
    statement_window_until: datetime | None
    statement_waived: bool
    hearing_requested: bool
    hearing_record: str | None
    penalty: PenaltyPublic | None
    decision_number: str | None
    decided_at: datetime | None
    decided_late: bool
    disposition: str | None
    disposal_reason: str | None
    transferred_to: str | None
    served_at: datetime | None
    service_method: str | None
    served_late: bool
    payment_due_on: date | None
    appeals: list[Appeal]
    appeal_pending: bool
    late_surcharge: Money = Field(
        description="Paid with the fine, or owed if it were paid today (第七十二条)."
    )
    amount_due: Money | None = Field(description="Fine plus surcharge still to pay today.")
    payment: PaymentPublic | None
    enforcement_court: str | None
    enforcement_applied_at: datetime | None
    closed_at: datetime | None
    extended_days: int
    revoke_count: int
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[str]
