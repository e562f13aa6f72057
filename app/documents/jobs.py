"""The documents' part of the sweeper: publications that are now served, late disclosures.

Both run in the worker beside the deadline sweeper, each record in its own savepoint,
safely from several processes (rows locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
"""

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.config import Settings, get_settings
from app.db import SessionMaker
from app.documents.service import apply_service, describe
from app.errors import GovflowError
from app.models.base import utcnow
from app.models.document import Disclosure, Document, DocumentService
from app.models.identity import User
from app.workflow import engine
from app.workflow.registry import record_kind

log = structlog.get_logger(__name__)
BATCH = 200


def _locked(session: AsyncSession, query: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


async def _server(session: AsyncSession, row: DocumentService) -> Actor:
    """The person who recorded a publication completes it: the action needs their role."""
    user = await session.get(User, row.served_by_id) if row.served_by_id else None
    if user is None:
        return engine.SYSTEM
    return Actor(
        user.id, "user", user.full_name or user.username, frozenset(user.roles), user.department_id
    )


async def complete_publications(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """民事诉讼法 第九十五条: 30 days after publication the document counts as served."""
    query = _locked(
        session,
        select(DocumentService)
        .where(col(DocumentService.applied).is_(False), col(DocumentService.effective_at) <= now)
        .order_by(col(DocumentService.effective_at))
        .limit(BATCH),
    )
    done = 0
    for row in (await session.scalars(query)).all():
        document = await session.get(Document, row.document_id)
        kind = record_kind(document.record_kind) if document else None
        if document is None or kind is None:
            continue
        workflow = kind.workflow
        try:
            async with session.begin_nested():
                record = await session.get(workflow.model, document.record_id, with_for_update=True)
                actor = await _server(session, row)
                await apply_service(
                    session, workflow, record, document, row, actor,
                    correction=row.corrects_id is not None,
                    payload={"service": describe(row, document, None), "deemed_served": True},
                    now=now, settings=settings,
                )  # fmt: skip
            done += 1
        except GovflowError as error:
            log.info("publication_not_applied", service_id=str(row.id), reason=error.code)
    return done


async def flag_overdue_disclosures(session: AsyncSession, now: datetime) -> int:
    """A disclosure still unpublished past its due date is flagged once, in its record's history."""
    query = _locked(
        session,
        select(Disclosure)
        .where(
            col(Disclosure.status) == "pending",
            col(Disclosure.due_at) < now,
            col(Disclosure.overdue_flagged_at).is_(None),
        )
        .limit(BATCH),
    )
    flagged = 0
    for row in (await session.scalars(query)).all():
        kind = record_kind(row.record_kind)
        if kind is None:
            continue
        workflow = kind.workflow
        record = await session.get(workflow.model, row.record_id, with_for_update=True)
        if record is None:
            continue
        async with session.begin_nested():
            row.overdue_flagged_at = now
            await engine.update_fields(
                session, workflow, record, engine.SYSTEM, {}, now=now,
                event_name="disclosure_overdue",
                payload={"disclosure_id": row.id, "document_number": row.document_number,
                         "due_at": row.due_at},
            )  # fmt: skip
        flagged += 1
    return flagged


async def sweep_documents(
    sessionmaker: SessionMaker, now: datetime | None = None, *, settings: Settings | None = None
) -> int:
    # The fallback goes once app/worker.py passes the app's settings.
    settings = settings or get_settings()
    now = now or utcnow()
    async with sessionmaker() as session:
        total = await complete_publications(session, now, settings)
        total += await flag_overdue_disclosures(session, now)
        await session.commit()
    return total
