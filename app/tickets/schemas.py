"""Request and response shapes of hotline tickets."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from app.schemas.common import LongText, PatchModel, Phone, ShortText
from app.tickets.action_schemas import ResolutionMode, Satisfaction

Channel = Literal["phone", "web", "app", "wechat", "email", "agency"]
TicketType = Literal["consultation", "help", "complaint", "report", "suggestion"]
Priority = Literal["urgent", "normal"]
District = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
CategoryCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Field(examples=["zhandao_jingying"]),
]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    district: District = ""
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class Reporter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    phone: Phone | None = None
    anonymous: StrictBool = False
    confidential: StrictBool = False


class ReporterPublic(BaseModel):
    """The reporter as the caller may see them: name or phone hidden or masked (138****5678)."""

    name: str | None
    phone: str | None
    anonymous: bool
    confidential: bool


# What the hotline alone decides when a ticket is filed, and what a citizen's ticket gets:
# priority sets the deadlines the departments are held to (urgent: sign within 30 minutes).
STAFF_SET_ON_CREATE: dict[str, object] = {"priority": "normal"}


class TicketCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channel": "phone",
                    "type": "complaint",
                    "category_code": "zhandao_jingying",
                    "title": "早市占道经营堵塞人行道",
                    "content": "每天早上6点到9点，商贩在人行道上摆摊，行人只能走机动车道。",
                    "location": {"address": "朝阳区建国路88号", "district": "朝阳区"},
                    "reporter": {"name": "王女士", "phone": "13812345678"},
                    "priority": "normal",
                }
            ]
        },
    )

    channel: Channel
    type: TicketType
    category_code: CategoryCode
    title: ShortText
    content: LongText
    location: Location = Field(default_factory=Location)
    reporter: Reporter = Field(default_factory=Reporter)
    priority: Priority = Field(
        default="normal",
        description="Set by the hotline (urgent: sign within 30 minutes, reply within 24 "
        "hours); citizens file `normal` tickets, anything else answers 403 `staff_only_field`.",
    )


class TicketUpdate(PatchModel):
    type: TicketType | None = None
    category_code: CategoryCode | None = None
    title: ShortText | None = None
    content: LongText | None = None
    location: Location | None = None
    priority: Priority | None = None


class TicketPublic(BaseModel):
    id: uuid.UUID
    number: str
    channel: str
    type: str
    category_code: str
    title: str
    content: str
    location: Location
    media_url: str | None = Field(
        default=None, description="A link to a photo or video, as an Open311 client sent it."
    )
    reporter: ReporterPublic
    priority: str
    department_id: uuid.UUID | None
    status: str
    due_at: datetime | None
    clock_status: str
    paused_days: int
    deadline_basis: str | None
    is_overdue: bool
    resolution_mode: ResolutionMode | None
    reply: str | None
    satisfaction: Satisfaction | None
    satisfaction_comment: str | None
    duplicate_of: uuid.UUID | None
    duplicates: list[uuid.UUID]
    supervised: int
    reopen_count: int
    extended_days: int
    related_case_id: uuid.UUID | None
    dispatched_at: datetime | None
    signed_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[str]


class CategoryCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "gongxiang_danche",
                    "name": "共享单车乱停放",
                    "parent_code": "chengshi_guanli",
                }
            ]
        },
    )

    code: CategoryCode
    name: ShortText
    parent_code: CategoryCode | None = None
    default_department_id: uuid.UUID | None = None
    sign_limit_working_days: Annotated[int, Field(ge=1, le=30)] | None = None
    reply_limit_working_days: Annotated[int, Field(ge=1, le=60)] | None = None
    is_active: StrictBool = True


class CategoryUpdate(PatchModel):
    clearable = frozenset(
        {
            "parent_code",
            "default_department_id",
            "sign_limit_working_days",
            "reply_limit_working_days",
        }
    )

    name: ShortText | None = Field(default=None, examples=["占道经营（早市）"])
    parent_code: CategoryCode | None = Field(default=None, examples=["chengshi_guanli"])
    default_department_id: uuid.UUID | None = None
    sign_limit_working_days: Annotated[int, Field(ge=1, le=30)] | None = None
    reply_limit_working_days: Annotated[int, Field(ge=1, le=60)] | None = None
    is_active: StrictBool | None = None


class CategoryPublic(CategoryCreate):
    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    version: int


class RoutingRuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category_code: CategoryCode | None = None
    district: District | None = None
    department_id: uuid.UUID


class RoutingRuleUpdate(PatchModel):
    clearable = frozenset({"category_code", "district"})

    category_code: CategoryCode | None = None
    district: District | None = None
    department_id: uuid.UUID | None = None


class RoutingRulePublic(RoutingRuleCreate):
    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    version: int
