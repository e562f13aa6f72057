"""Keyset pagination with opaque cursors, shared by every list endpoint.

A cursor is the (created_at, id) of the last item of the page, base64-encoded.
Lists are ordered newest first with the id breaking ties, so the order is stable
and a page never costs an OFFSET scan. A cursor no page produced is a 400, whatever it
holds: only ASCII, a zoned time in the years records are made, a canonical id.
"""

import base64
import binascii
import json
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import BadRequest
from app.schemas.common import in_year_range

T = TypeVar("T")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100

LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.")
]
CursorQuery = Annotated[
    str | None,
    Query(max_length=512, description="The `next_cursor` of the previous page."),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(created_at: datetime, record_id: uuid.UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(record_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SEQUENCE = re.compile(r"[0-9]{1,10}")
MAX_SEQUENCE = 2**31 - 1  # the events' ``seq`` column is a 32-bit integer


def invalid_cursor() -> BadRequest:
    return BadRequest(
        "The cursor is not valid: pass back a next_cursor unchanged", code="invalid_cursor"
    )


def decode_cursor(cursor: str, *, beyond: datetime | None = None) -> tuple[datetime, uuid.UUID]:
    """The (time, id) a cursor holds; ``beyond`` is a sentinel time allowed past the range."""
    try:
        if not _BASE64URL.fullmatch(cursor):
            raise ValueError("not base64url")
        padded = cursor + "=" * (-len(cursor) % 4)
        created, record_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not (isinstance(created, str) and created.isascii() and isinstance(record_id, str)):
            raise ValueError("not a cursor")
        if not _UUID.fullmatch(record_id):
            raise ValueError("not a canonical id")
        when = datetime.fromisoformat(created)
        if when.tzinfo is None:
            raise ValueError("cursor time has no zone")
        if when != beyond:
            in_year_range(when)
        return when, uuid.UUID(record_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise invalid_cursor() from None


def decode_sequence_cursor(cursor: str | None) -> int:
    """The last ``seq`` read, from ASCII digits within the column's range; none is 0."""
    if cursor is None:
        return 0
    if not _SEQUENCE.fullmatch(cursor) or int(cursor) > MAX_SEQUENCE:
        raise invalid_cursor()
    return int(cursor)


def keyset_after(
    created_column: Any, id_column: Any, cursor: str | None
) -> ColumnElement[bool] | None:
    if cursor is None:
        return None
    created_at, record_id = decode_cursor(cursor)
    return tuple_(created_column, id_column) < tuple_(created_at, record_id)


async def newest_first_page(
    session: AsyncSession, model: Any, limit: int, cursor: str | None, *where: Any
) -> list[Any]:
    """``limit + 1`` rows of ``model`` (newest first) after ``cursor``, for admin lists."""
    query = select(model).where(*where).order_by(model.created_at.desc(), model.id.desc())
    after = keyset_after(model.created_at, model.id, cursor)
    if after is not None:
        query = query.where(after)
    return list((await session.scalars(query.limit(limit + 1))).all())


def next_cursor_for(rows: Sequence[Any], limit: int) -> str | None:
    """Given ``limit + 1`` fetched rows, the cursor of the page's last row if there is more."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor(last.created_at, last.id)
