"""Constrained field types shared by the workflow modules."""

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
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


# Every date a client sends lies in these years: outside them, date arithmetic and the
# conversion to UTC overflow (year 1, year 9999 west of Greenwich), and nothing a city
# records happens there.
FIRST_YEAR = 1970
LAST_YEAR = 2100


D = TypeVar("D", bound=date)


def in_year_range(value: D, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> D:
    if not first <= value.year <= last:
        raise ValueError(f"give a date in the years {first} to {last}")
    return value


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


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Only an RFC 3339 full-date (2026-11-30), as the OpenAPI document's ``format: date``
    says: pydantic would read 0 or "0" as the Unix epoch's day, and Python "20261130"."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _FULL_DATE.fullmatch(value):
        raise ValueError("give an ISO 8601 date, e.g. 2026-11-30")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("give an ISO 8601 date, e.g. 2026-11-30") from None


_IN_RANGE = AfterValidator(in_year_range)
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime), _IN_RANGE]
BoundedDate = Annotated[date, BeforeValidator(_iso_date), _IN_RANGE]
BoundedAwareDatetime = Annotated[AwareDatetime, _IN_RANGE]

_ASCII_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def ascii_decimal(value: Any) -> Any:
    """Amounts as text are ASCII digits: ``Decimal`` would read "١٢٣" or "1e3" as numbers."""
    if isinstance(value, str) and not _ASCII_DECIMAL.fullmatch(value.strip()):
        raise ValueError('give an amount in ASCII digits, e.g. "200.00"')
    return value


AsciiDecimal = BeforeValidator(ascii_decimal)


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
