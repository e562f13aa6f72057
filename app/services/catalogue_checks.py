"""Checks every administrator-managed catalogue makes before writing a row.

A reference to a department that does not exist is a 422, a duplicate key a 409 —
rather than an IntegrityError turning into a 500.
"""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, UnprocessableEntity
from app.models.identity import Department


async def check_department(session: AsyncSession, department_id: uuid.UUID | None) -> None:
    if department_id is not None and await session.get(Department, department_id) is None:
        raise UnprocessableEntity("department_id names no department", code="unknown_department")


async def flush_unique(session: AsyncSession, what: str) -> None:
    """Flush pending rows; a unique key taken meanwhile (or before) is a 409 naming ``what``."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(f"{what} already exists", code="already_exists") from None
