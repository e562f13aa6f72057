"""Request and response shapes that are not tied to one workflow module."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from app.integrations.schemas import SHOWN_ONCE
from app.models.identity import Role
from app.schemas.common import PatchModel

Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
District = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@\-]+$"
    ),
]
Phone = Annotated[
    str, StringConstraints(pattern=r"^\+?[0-9\-]{5,20}$"), Field(examples=["13812345678"])
]
Password = Annotated[
    str,
    StringConstraints(min_length=10, max_length=128),
    Field(
        description="10 to 128 characters, no composition rules; refused (422 `weak_password`) "
        "when easy to guess: a common password, a repeated character or sequence, or one "
        "built on the username (NIST SP 800-63B)."
    ),
]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenResponse(BaseModel):
    # Never kept for an Idempotency-Key replay (POST /api/v1/me/password answers one).
    access_token: str = Field(json_schema_extra=SHOWN_ONCE)
    token_type: str = "bearer"
    expires_in: int


class PasswordChange(StrictModel):
    current_password: Annotated[
        str, StringConstraints(min_length=1, max_length=128), Field(examples=["my current one"])
    ]
    new_password: Annotated[Password, Field(examples=["violet ledger harbour 42"])]


class DepartmentCreate(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"code": "CGJ-ZF", "name": "城市管理综合执法大队", "districts": ["朝阳区"]}
            ]
        },
    )

    code: Code
    name: Name
    parent_id: uuid.UUID | None = None
    districts: list[District] = Field(default_factory=list, max_length=200)


class DepartmentUpdate(PatchModel):
    clearable = frozenset({"parent_id"})

    code: Code | None = Field(default=None, examples=["CGJ-ZF"])
    name: Name | None = Field(default=None, examples=["城市管理综合执法大队"])
    parent_id: uuid.UUID | None = None
    districts: list[District] | None = Field(default=None, max_length=200)


class DepartmentPublic(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    parent_id: uuid.UUID | None
    districts: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class UserCreate(StrictModel):
    """``department_id`` names a real department: copy one's id from ``GET /departments``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "zhang.wei",
                    "password": "湖畔 晨跑 七点 整",
                    "full_name": "张伟",
                    "roles": ["handler"],
                    "department_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                    "phone": "13812345678",
                }
            ]
        },
    )

    username: Username
    password: Password
    full_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    roles: list[Role] = Field(default_factory=list, max_length=len(Role))
    department_id: uuid.UUID | None = None
    is_active: StrictBool = True
    phone: Phone | None = None


class UserUpdate(PatchModel):
    clearable = frozenset({"department_id", "phone"})

    password: Password | None = Field(default=None, examples=["湖畔 晨跑 七点 整"])
    full_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = (
        None
    )
    roles: list[Role] | None = Field(default=None, max_length=len(Role))
    department_id: uuid.UUID | None = None
    is_active: StrictBool | None = None
    phone: Phone | None = None


class UserPublic(BaseModel):
    id: uuid.UUID
    username: str
    full_name: str
    roles: list[str]
    department_id: uuid.UUID | None
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class Me(UserPublic):
    department: DepartmentPublic | None = None


class RolePublic(BaseModel):
    name: str
    description: str
    needs_department: bool = Field(
        description="Users with this role are refused (422) without a department."
    )
    assignable: bool = Field(description="`system` is the deadline sweeper's, never a user's.")
    visibility: dict[str, str] = Field(
        description="Per workflow, which records the role sees: all, department, own, …"
    )
    actions: dict[str, list[str]] = Field(description="Per workflow, the actions it may take.")
