"""Request and response shapes of approval applications and the service catalogue."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StringConstraints,
    model_validator,
)

from app.core.id_numbers import checked_id_number
from app.schemas.common import (
    AsciiDecimal,
    BoundedDate,
    LongText,
    PatchModel,
    Phone,
    Reason,
    ShortText,
)
from app.workflow.definition import ActionBody

Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$"
    ),
]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Channel = Literal["counter", "online", "door_to_door"]
ApplicantType = Literal["person", "organisation"]
Decision = Literal["approved", "rejected"]
LimitDays = Annotated[int, Field(ge=0, le=365, description="Working days.")]
# Money in, as a number or a string with at most two decimals; out, always "12.50".
Money = Annotated[
    Decimal,
    AsciiDecimal,
    Field(ge=0, max_digits=12, decimal_places=2),
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str, when_used="json"),
]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequiredMaterial(StrictModel):
    code: Code = Field(examples=["shenqingshu"])
    name: ShortText = Field(examples=["申请书"])
    required: StrictBool = True


def _unique_codes(items: list[RequiredMaterial] | list["Material"]) -> None:
    codes = [item.code for item in items]
    if len(codes) != len(set(codes)):
        raise ValueError("material codes must be unique")


class ServiceCreate(StrictModel):
    code: Code = Field(examples=["menqian_sanbao"])
    name: ShortText = Field(examples=["门前三包责任书签订"])
    department_id: uuid.UUID
    legal_limit_days: Annotated[int, Field(ge=1, le=365, description="法定时限, working days.")]
    committed_limit_days: Annotated[
        int, Field(ge=0, le=365, description="承诺时限, working days; at most the legal limit.")
    ]
    on_the_spot: StrictBool = Field(default=False, description="即办件: decided on the spot.")
    required_materials: list[RequiredMaterial] = Field(default_factory=list, max_length=50)
    fee: Money = Decimal("0.00")
    is_active: StrictBool = True

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.committed_limit_days > self.legal_limit_days:
            raise ValueError("committed_limit_days must not exceed legal_limit_days")
        _unique_codes(self.required_materials)
        return self


class ServiceUpdate(PatchModel):
    """Any field but ``code``, which applications refer to."""

    name: ShortText | None = None
    department_id: uuid.UUID | None = None
    legal_limit_days: Annotated[int, Field(ge=1, le=365)] | None = None
    committed_limit_days: LimitDays | None = None
    on_the_spot: StrictBool | None = None
    required_materials: list[RequiredMaterial] | None = Field(default=None, max_length=50)
    fee: Money | None = None
    is_active: StrictBool | None = None

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if self.required_materials is not None:
            _unique_codes(self.required_materials)
        return self


class ServicePublic(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    department_id: uuid.UUID | None
    legal_limit_days: int
    committed_limit_days: int
    on_the_spot: bool
    required_materials: list[RequiredMaterial]
    fee: Money
    is_active: bool
    version: int


class Applicant(StrictModel):
    type: ApplicantType
    name: ShortText
    id_number: Annotated[
        str,
        StringConstraints(strip_whitespace=True, to_upper=True, min_length=18, max_length=18),
        Field(description="Resident ID (person) or unified social credit code (organisation)."),
    ]
    phone: Phone
    contact: PersonName | None = Field(default=None, description="Who to contact, if not them.")

    @model_validator(mode="after")
    def _id_number_checks(self) -> Self:
        self.id_number = checked_id_number(self.type, self.id_number)
        return self


class ApplicantContact(StrictModel):
    phone: Phone | None = None
    contact: PersonName | None = None


class Material(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "jiaotong_yijian", "provided": True}]},
    )

    code: Code = Field(examples=["shenqingshu"])
    provided: StrictBool = True
    file_id: uuid.UUID | None = None


class ApprovalCreate(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "service_code": "chengshi_daolu_zhanyong_wajue",
                    "applicant": {
                        "type": "organisation",
                        "name": "北京市某某建设工程有限公司",
                        "id_number": "91350100M000100Y43",
                        "phone": "13812345678",
                        "contact": "张工",
                    },
                    "title": "建国路管线维修临时挖掘道路",
                    "materials": [
                        {"code": "shenqingshu", "provided": True},
                        {"code": "zhuti_zhengming", "provided": True},
                        {"code": "shigong_fangan", "provided": True},
                        {"code": "jiaotong_yijian", "provided": True},
                    ],
                }
            ]
        },
    )

    service_code: Code
    applicant: Applicant
    title: ShortText | None = Field(default=None, description="Defaults to the service's name.")
    channel: Channel | None = Field(
        default=None, description="Citizens apply `online`; clerks register `counter` (default)."
    )
    green_channel: StrictBool = Field(
        default=False, description="绿色通道, granted by the approval hall's clerks only."
    )
    materials: list[Material] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        _unique_codes(self.materials)
        return self


class ApprovalUpdate(PatchModel):
    title: ShortText | None = None
    applicant: ApplicantContact | None = None


class ApplicantPublic(BaseModel):
    type: str
    name: str
    id_number: str | None
    phone: str | None
    contact: str | None


class MissingMaterial(StrictModel):
    code: Code = Field(examples=["jiaotong_yijian"])
    note: LongText | None = None


class ApprovalPublic(BaseModel):
    id: uuid.UUID
    number: str
    service_code: str
    department_id: uuid.UUID | None
    title: str
    applicant: ApplicantPublic
    channel: str
    green_channel: bool
    on_the_spot: bool
    materials: list[Material]
    required_materials: list[RequiredMaterial]
    status: str
    # The running clock, as on every record: the phase tells which deadline it is.
    clock_phase: Literal["acceptance", "decision", "delivery"] | None
    due_at: datetime | None
    clock_status: str
    paused_days: int
    deadline_basis: str | None
    is_overdue: bool
    received_at: datetime | None
    acceptance_due_at: datetime | None
    accepted_at: datetime | None
    deemed_accepted: bool
    missing_materials: list[MissingMaterial]
    not_accepted_reason: str | None
    legal_limit_days: int
    decision_limit_days: int
    decision_due_at: datetime | None
    suspension_reason: str | None
    extended: bool
    extension_reason: str | None
    recommendation: str | None
    recommendation_comment: str | None
    decision: Decision | None
    decision_reason: str | None
    conditions: str | None
    decided_at: datetime | None
    decided_on_the_spot: bool
    decision_working_days: int | None
    licence_number: str | None
    valid_until: date | None
    delivery_due_at: datetime | None
    delivery_method: str | None
    delivered_at: datetime | None
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[str]


# The bodies of the workflow's actions (app/approvals/workflow.py).

SuspensionReason = Literal["hearing", "testing", "expert_review", "on_site_inspection", "other"]
DeliveryMethod = Literal["counter", "mail", "electronic"]


class SupplementBody(ActionBody):
    missing_materials: list[MissingMaterial] = Field(
        min_length=1, max_length=100, description="Everything missing, all at once (一次性告知)."
    )


class ResubmitBody(ActionBody):
    materials: list[Material] = Field(
        min_length=1, max_length=100, description="Replaces the entries with the same codes."
    )


class ReasonBody(ActionBody):
    reason: Reason


class SuspendBody(ActionBody):
    reason: SuspensionReason


class RecommendBody(ActionBody):
    opinion: Literal["approve", "reject"]


class ApproveBody(ActionBody):
    valid_until: BoundedDate | None = Field(default=None, examples=["2031-12-31"])
    conditions: LongText | None = None


class SendBackBody(ActionBody):
    comment: Reason


class DeliverBody(ActionBody):
    method: DeliveryMethod
