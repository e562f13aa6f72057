"""People, their roles and the departments they work in."""

import enum
import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import JSONType, UTCDateTime, VersionedTable, timestamp_field


class Role(enum.StrEnum):
    admin = "admin"
    operator = "operator"
    handler = "handler"
    supervisor = "supervisor"
    clerk = "clerk"
    reviewer = "reviewer"
    leader = "leader"
    inspector = "inspector"
    legal_reviewer = "legal_reviewer"
    citizen = "citizen"


class Department(VersionedTable, table=True):
    __tablename__ = "departments"

    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="departments.id")
    districts: list[str] = Field(default_factory=list, sa_type=JSONType)


class User(VersionedTable, table=True):
    __tablename__ = "users"

    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    full_name: str = Field(default="", max_length=200)
    roles: list[str] = Field(default_factory=list, sa_type=JSONType)
    department_id: uuid.UUID | None = Field(default=None, foreign_key="departments.id", index=True)
    is_active: bool = Field(default=True)
    phone: str | None = Field(default=None, max_length=32)
    # Every access token carries the version it was issued under; bumping it (password
    # change, deactivation, "sign out everywhere") invalidates all earlier tokens at once.
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per (username, address) and per address, shared by every app process
    through the database. ``key`` is a hash, so no username or address is stored."""

    __tablename__ = "login_throttles"

    key: str = Field(primary_key=True, max_length=64)
    failures: int = Field(default=0)
    window_started_at: datetime = timestamp_field()
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
