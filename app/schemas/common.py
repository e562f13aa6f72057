"""Constrained field types shared by the workflow modules."""

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from app.config import get_settings

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9\-]{4,19}$"),
    Field(examples=["13812345678"]),
]


def _iso_datetime(value: Any) -> Any:
    """Only ISO 8601 text: numbers are not silently read as Unix timestamps."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("give an ISO 8601 date-time, e.g. 2026-11-30T09:00:00+08:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("give an ISO 8601 date-time, e.g. 2026-11-30T09:00:00+08:00") from None
    # A time without a zone is the agency's local time.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=get_settings().zone)


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]


def _strip_null(schema: dict[str, Any], model: type[BaseModel]) -> None:
    clearable: frozenset[str] = getattr(model, "clearable", frozenset())
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf")
        if name in clearable or not options:
            continue
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            prop.pop("anyOf")
            prop.update(kept[0])
        else:
            prop["anyOf"] = kept
        if prop.get("default", "") is None:
            prop.pop("default")


class PatchModel(BaseModel):
    """A PATCH body: leave a field out to keep it; null only for fields that can be cleared."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_strip_null)
    clearable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = sorted(
                name
                for name, value in data.items()
                if value is None and name in cls.model_fields and name not in cls.clearable
            )
            if nulls:
                raise ValueError(f"{', '.join(nulls)} cannot be null: leave it out to keep it")
        return data
