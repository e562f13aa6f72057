"""SQL over JSON list columns (``JSONType``), the same question on SQLite and PostgreSQL."""

import typing
from typing import Any

from sqlalchemy import ColumnElement, String, cast, exists, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB


def json_array_contains(dialect: str, column: Any, value: str) -> ColumnElement[bool]:
    """The JSON list in ``column`` holds the string ``value``."""
    if dialect == "postgresql":
        return typing.cast(
            ColumnElement[bool],
            column.op("@>")(func.jsonb_build_array(cast(literal(value), String)).cast(JSONB)),
        )
    elements = func.json_each(column).table_valued("value")
    return exists(select(1).select_from(elements).where(elements.c.value == value))


def json_array_length(dialect: str, column: Any) -> ColumnElement[int]:
    """How many items the JSON list in ``column`` has (0 for NULL)."""
    length = func.jsonb_array_length if dialect == "postgresql" else func.json_array_length
    return func.coalesce(length(column), 0)
