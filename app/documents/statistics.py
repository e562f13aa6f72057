"""On-time public disclosure per department (公示 statistics), counted in the database."""

import uuid
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.documents.schemas import DisclosureCount
from app.models.document import Disclosure


async def disclosure_counts(
    session: AsyncSession, department_id: uuid.UUID | None, now: datetime
) -> list[DisclosureCount]:
    status, late = col(Disclosure.status), col(Disclosure.published_late)
    published = col(Disclosure.published_at).is_not(None)
    conditions = {
        "published_on_time": published & ~late,
        "published_late": published & late,
        "pending": status == "pending",
        "pending_overdue": (status == "pending") & (col(Disclosure.due_at) < now),
        "withdrawn": status == "withdrawn",
    }
    query = (
        select(
            col(Disclosure.department_id),
            func.max(Disclosure.department_name),
            func.count(),
            *(func.sum(case((condition, 1), else_=0)) for condition in conditions.values()),
        )
        .group_by(col(Disclosure.department_id))
        .order_by(func.max(Disclosure.department_name))
    )
    if department_id is not None:
        query = query.where(col(Disclosure.department_id) == department_id)
    return [
        DisclosureCount(
            department_id=row[0],
            department_name=row[1],
            total=row[2],
            **{name: int(value or 0) for name, value in zip(conditions, row[3:], strict=True)},
        )
        for row in (await session.execute(query)).all()
    ]
