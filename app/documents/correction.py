"""Correcting a document (更正): never an edit, always a new document that supersedes it.

The correction keeps the superseded document's contents but for the fields corrected,
takes a number of its own (the record's number marked 更正 where the law's number is the
record's, such as a decision number), and is recorded, hash and reason, in the record's
audit chain. A disclosed decision's disclosure moves to the correction.
"""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.documents import disclosure
from app.documents.issuing import describe, issue, source_for
from app.errors import UnprocessableEntity
from app.models.base import utcnow
from app.models.document import Document
from app.workflow import engine
from app.workflow.definition import Workflow

FIXED_KEYS = frozenset({"doc", "party"})


async def _superseded(session: AsyncSession, document: Document) -> bool:
    query = select(func.count()).where(col(Document.supersedes_id) == document.id)
    return bool((await session.execute(query)).scalar_one())


async def correct(
    session: AsyncSession,
    workflow: Workflow,
    record: Any,
    document: Document,
    corrections: dict[str, str],
    reason: str,
    actor: Actor,
    settings: Settings,
) -> Document:
    assert workflow.documents is not None
    kind = workflow.documents.kind(document.kind)
    if kind.name == "service_receipt":
        raise UnprocessableEntity(
            "A receipt is corrected by correcting the service it proves", code="not_correctable"
        )
    if await _superseded(session, document):
        raise UnprocessableEntity("Correct the newest document", code="document_superseded")
    unknown = set(corrections) - {
        key for key, value in document.data.items() if isinstance(value, str)
    }
    if unknown or set(corrections) & FIXED_KEYS:
        raise UnprocessableEntity(
            f"Only the document's own text fields may be corrected, not {sorted(unknown)}",
            code="invalid_correction",
        )
    now = utcnow()
    calendar = await engine.agency_calendar(session, settings)
    source = await source_for(session, workflow.name, record, actor, now, calendar, settings)
    contents = {k: v for k, v in document.data.items() if k not in FIXED_KEYS} | corrections
    number = None
    if kind.number is not None:
        same_kind = select(func.count()).where(
            col(Document.record_kind) == workflow.name,
            col(Document.record_id) == record.id,
            col(Document.kind) == kind.name,
        )
        count = (await session.execute(same_kind)).scalar_one()
        number = f"{document.number}（更正{count}）"
    corrected = await issue(
        session, record_kind=workflow.name, kind=kind, source=source, action="correction",
        number=number, contents=contents, settings=settings,
    )  # fmt: skip
    moved: list[dict[str, Any]] = []
    if kind.disclosure is not None:
        moved = await disclosure.withdraw_document(
            session, document.id, f"更正：{reason}", now, calendar
        )
        if moved:
            await disclosure.open_disclosure(session, corrected, kind, source)
    await engine.update_fields(
        session, workflow, record, actor, {}, event_name="document_corrected",
        comment=reason,
        payload={"document": describe(corrected), "corrected_fields": sorted(corrections),
                 "disclosures_withdrawn": moved},
    )  # fmt: skip
    return corrected
