"""Request and response shapes of documents, their service and their disclosure."""

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from app.schemas.common import LongText, Reason, ShortText

# No C0 control characters but tab and newlines: PostgreSQL refuses NUL in text.
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"

ServiceMethod = Literal[
    "in_person", "left_at_address", "entrusted", "by_post", "electronic", "by_publication"
]


class ServiceBody(BaseModel):
    """How and when a document reached its recipient (送达)."""

    model_config = ConfigDict(extra="forbid")

    method: ServiceMethod
    served_at: AwareDatetime = Field(
        description="When it was handed over, left, sent, or first published."
    )
    receipt_signed_at: AwareDatetime | None = Field(
        default=None, description="by_post: the date the recipient signed the postal receipt."
    )
    signed_by: ShortText | None = Field(default=None, description="Who signed the receipt.")
    witness: ShortText | None = Field(
        default=None, description="left_at_address: the witness present (民事诉讼法 第八十九条)."
    )
    consent: StrictBool = Field(
        default=False, description="electronic: the recipient agreed to it (第九十条)."
    )
    address: ShortText | None = None
    note: LongText | None = None
    correction_reason: Reason | None = Field(
        default=None, description="Given to correct an earlier record of service."
    )

    @model_validator(mode="after")
    def _method_facts(self) -> Self:
        # 民事诉讼法 第八十七条 to 第九十五条: what each method must show.
        if self.method in ("in_person", "entrusted") and not self.signed_by:
            raise ValueError(f"{self.method} needs signed_by: the recipient signs the receipt")
        if self.method == "left_at_address" and not self.witness:
            raise ValueError("left_at_address needs a witness (第八十九条)")
        if self.method == "electronic" and not self.consent:
            raise ValueError("electronic service needs the recipient's consent (第九十条)")
        if self.method == "by_post" and self.receipt_signed_at is None:
            raise ValueError("by_post needs receipt_signed_at: served on the receipt's date")
        if self.receipt_signed_at is not None and self.receipt_signed_at < self.served_at:
            raise ValueError("receipt_signed_at is before served_at")
        return self


class CorrectionBody(BaseModel):
    """A correction (更正): the fields corrected, and why."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason
    corrections: dict[
        Annotated[str, StringConstraints(max_length=64, pattern=PRINTABLE)], LongText
    ] = Field(
        min_length=1,
        max_length=20,
        description='Text fields of the document to correct, e.g. `{"facts": "…"}`.',
        examples=[{"facts": "当事人于2026年11月30日在建国路88号人行道摆摊经营。"}],
    )


class PersonRef(BaseModel):
    id: uuid.UUID | None
    name: str


class RecipientPublic(BaseModel):
    type: str
    name: str | None


class ServicePublic(BaseModel):
    id: uuid.UUID
    document_id: uuid.UUID
    method: ServiceMethod
    served_at: datetime
    effective_at: datetime
    complete: bool
    served_by: PersonRef
    signed_by: str | None
    witness: str | None
    receipt_document_id: uuid.UUID | None
    corrects_id: uuid.UUID | None
    recorded_at: datetime


class DisclosureState(BaseModel):
    status: Literal["pending", "published", "withdrawn"]
    due_at: datetime
    published_at: datetime | None
    published_late: bool
    overdue: bool
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


class DisclosureCount(BaseModel):
    department_id: uuid.UUID
    department_name: str
    total: int
    published_on_time: int
    published_late: int
    pending: int
    pending_overdue: int
    withdrawn: int


ServedState = Literal["not_served", "unserved", "pending", "served"]


class DocumentPublic(BaseModel):
    id: uuid.UUID
    kind: str
    title: str
    number: str
    action: str
    issued_at: datetime
    issued_by: PersonRef
    template_version: int
    sha256: str
    size: int
    recipient: RecipientPublic
    supersedes_id: uuid.UUID | None
    superseded_by_id: uuid.UUID | None
    served_state: ServedState = Field(
        description="not_served: a document nobody is served; unserved; pending: a "
        "publication's 30 days are running; served."
    )
    service: ServicePublic | None
    disclosure: DisclosureState | None = None


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=32, examples=["penalty_decision"])
    body: str = Field(
        min_length=1,
        max_length=100_000,
        pattern=PRINTABLE,
        examples=["<h1>{{ agency }}</h1><p>{{ document.number }}</p>"],
    )
    note: str = Field(default="", max_length=500, pattern=PRINTABLE, examples=["换用新版式"])


class TemplatePublic(BaseModel):
    id: uuid.UUID
    kind: str
    version: int
    body: str
    note: str
    created_at: datetime
    created_by_name: str


class NumberRuleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str = Field(
        min_length=1,
        max_length=100,
        pattern=PRINTABLE,
        examples=["{dept_abbr}综执罚〔{year}〕{seq}号"],
    )
    abbreviation: str = Field(default="", max_length=32, pattern=PRINTABLE, examples=["朝城管"])


class NumberRulePublic(NumberRuleBody):
    department_id: uuid.UUID
    kind: str
