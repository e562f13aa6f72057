"""Recompute estimated deadlines once the official schedule of a year is entered.

A deadline reaching a year with no official holiday schedule is computed by the
holiday package's rules and marked ``estimated``. When an administrator enters the
official days, every open record's estimated deadline is computed again from when its
clock started, and each change is written to that record's history.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.config import Settings
from app.core.calendar import Period, Unit
from app.models.base import utcnow
from app.workflow import engine
from app.workflow.registry import record_kinds


async def recompute_estimated_deadlines(
    session: AsyncSession, actor: Actor, settings: Settings
) -> int:
    calendar = await engine.agency_calendar(session, settings)
    now = utcnow()
    changed = 0
    for kind in record_kinds():
        workflow = kind.workflow
        model: Any = workflow.model
        query = select(model).where(
            model.deadline_basis == "estimated",
            model.clock_status.in_(("running", "paused")),
            model.clock_started_at.isnot(None),
            model.clock_amount.isnot(None),
        )
        for record in (await session.scalars(query)).all():
            period = Period(record.clock_amount, Unit(record.clock_unit))
            deadline = calendar.add(record.clock_started_at, period)
            values = {"due_at": deadline.due_at, "deadline_basis": str(deadline.basis)}
            if record.clock_status == "running":
                values["is_overdue"] = record.is_overdue and deadline.due_at < now
            if all(getattr(record, name) == value for name, value in values.items()):
                continue
            await engine.update_fields(
                session,
                workflow,
                record,
                actor,
                values,
                comment="deadline recomputed on the official calendar",
                event_name="deadline_recomputed",
            )
            changed += 1
    return changed
