"""Checks every administrator-managed catalogue makes before writing a row.

A reference to a department that does not exist is a 422, a duplicate key a 409 —
rather than an IntegrityError turning into a 500.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.errors import Conflict, UnprocessableEntity
from app.models.identity import Department


async def check_department(
    session: AsyncSession, department_id: uuid.UUID | None, field: str = "department_id"
) -> None:
    """``field`` is the body field that named the department, so the 422 points at it."""
    if department_id is not None and await session.get(Department, department_id) is None:
        raise UnprocessableEntity(
            f"{field} names no department",
            code="unknown_department",
            errors=[{"loc": ["body", field], "msg": "no department has this id"}],
        )


async def check_departments(
    session: AsyncSession, department_ids: Sequence[uuid.UUID], field: str
) -> None:
    """Every department a list names exists (one query); the 422 names those that do not."""
    query = select(col(Department.id)).where(col(Department.id).in_(department_ids))
    known = set((await session.scalars(query)).all())
    if unknown := [str(d) for d in department_ids if d not in known]:
        raise UnprocessableEntity(
            f"{field}: no department {', '.join(unknown)}", code="unknown_department"
        )


async def flush_unique(session: AsyncSession, what: str) -> None:
    """Flush pending rows; a unique key taken meanwhile (or before) is a 409 naming ``what``."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(f"{what} already exists", code="already_exists") from None
