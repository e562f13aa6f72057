"""The deadline sweeper: flags records that passed their deadline, once per deadline.

Safe with several app processes on PostgreSQL: candidate rows are locked with
``FOR UPDATE SKIP LOCKED``, so two sweepers never take the same record, and the write is
conditional on the record's version, so a record changed meanwhile is left for next time.
"""

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings, get_settings
from app.db import SessionMaker
from app.errors import GovflowError
from app.models.base import utcnow
from app.workflow import engine
from app.workflow.definition import NoBody, Workflow
from app.workflow.registry import record_kinds

log = structlog.get_logger(__name__)
BATCH = 200


async def _overdue_batch(session: AsyncSession, workflow: Workflow, now: datetime) -> list[Any]:
    model: Any = workflow.model
    query = (
        select(model)
        .where(
            model.clock_status == "running",
            model.due_at < now,
            or_(model.overdue_for.is_(None), model.overdue_for != model.due_at),
        )
        .order_by(model.due_at)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list((await session.scalars(query)).all())


async def sweep_workflow(
    session: AsyncSession, workflow: Workflow, now: datetime, settings: Settings
) -> int:
    swept = 0
    for record in await _overdue_batch(session, workflow, now):
        action_name = workflow.overdue_actions.get(record.status)
        try:
            async with session.begin_nested():
                if action_name:
                    await engine.apply_action(
                        session,
                        workflow,
                        record,
                        action_name,
                        NoBody(),
                        engine.SYSTEM,
                        settings=settings,
                        now=now,
                    )
                else:
                    await engine.mark_overdue(session, workflow, record, now)
            swept += 1
        except GovflowError as exc:
            log.info("sweep_skipped", kind=workflow.name, record_id=str(record.id), reason=exc.code)
    return swept


async def sweep_overdue(
    sessionmaker: SessionMaker, now: datetime | None = None, *, settings: Settings | None = None
) -> int:
    """One pass over every workflow; returns how many records it flagged or moved."""
    # The fallback goes once app/worker.py passes the app's settings.
    settings = settings or get_settings()
    now = now or utcnow()
    total = 0
    for kind in record_kinds():
        while True:
            async with sessionmaker() as session:
                swept = await sweep_workflow(session, kind.workflow, now, settings)
                await session.commit()
            total += swept
            if swept < BATCH:
                break
    return total
