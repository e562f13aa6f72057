"""Service of documents (送达): how and when, the proof, and the clocks it starts.

民事诉讼法 (applied by 行政处罚法 第六十一条 and 行政许可法 第四十四条): service in person,
left at the address before a witness (第八十九条), entrusted or by post (第九十一条) is
proven by a 送达回证 (第八十七条); by post it is complete on the date the receipt is
signed; electronic service needs consent (第九十条); service by publication is deemed
complete 30 days after publication (第九十五条). The service date — not the time it was
recorded — starts what the law ties to it, through the engine, with an audit event.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.documents import disclosure
from app.documents.issuing import issue, source_for
from app.documents.schemas import ServiceBody
from app.errors import Conflict, UnprocessableEntity
from app.models.base import utcnow
from app.models.document import Document, DocumentService
from app.workflow import engine
from app.workflow.definition import Workflow
from app.workflow.document_declaration import RecordView, ServiceFacts

RECEIPT_METHODS = frozenset({"in_person", "left_at_address", "entrusted", "by_post"})
PUBLICATION_PERIOD = timedelta(days=30)


def effective_at(body: ServiceBody) -> datetime:
    if body.method == "by_post":
        assert body.receipt_signed_at is not None
        return body.receipt_signed_at
    if body.method == "by_publication":
        return body.served_at + PUBLICATION_PERIOD
    return body.served_at


async def latest_services(
    session: AsyncSession, document_ids: list[Any]
) -> dict[Any, DocumentService]:
    """Each document's service in force: its latest record (corrections come later)."""
    if not document_ids:
        return {}
    query = (
        select(DocumentService)
        .where(col(DocumentService.document_id).in_(document_ids))
        .order_by(col(DocumentService.recorded_at), col(DocumentService.id))
    )
    return {row.document_id: row for row in (await session.scalars(query)).all()}


def describe(row: DocumentService, document: Document, receipt: Document | None) -> dict[str, Any]:
    return {
        "service_id": row.id,
        "document_id": document.id,
        "document_number": document.number,
        "method": row.method,
        "served_at": row.served_at,
        "effective_at": row.effective_at,
        "receipt": None if receipt is None else {
            "document_id": receipt.id, "number": receipt.number, "sha256": receipt.sha256,
        },
    }  # fmt: skip


async def _is_superseded(session: AsyncSession, document: Document) -> bool:
    query = select(col(Document.id)).where(col(Document.supersedes_id) == document.id).limit(1)
    return (await session.scalars(query)).first() is not None


async def serve(
    session: AsyncSession,
    workflow: Workflow,
    record: Any,
    document: Document,
    body: ServiceBody,
    actor: Actor,
    settings: Settings,
) -> DocumentService:
    catalogue = workflow.documents
    assert catalogue is not None
    kind = catalogue.kind(document.kind)
    if kind.service is None:
        raise UnprocessableEntity(f"A {kind.title} is not served", code="document_not_served")
    if await _is_superseded(session, document):
        raise UnprocessableEntity("A superseded document is not served", code="document_superseded")
    now = utcnow()
    if max(body.served_at, body.receipt_signed_at or body.served_at) > now:
        raise UnprocessableEntity("Service cannot be dated in the future", code="guard_failed")
    previous = (await latest_services(session, [document.id])).get(document.id)
    if previous is not None and body.correction_reason is None:
        raise Conflict(
            "The document was served already: give correction_reason to correct it",
            code="already_served",
        )
    if previous is None and body.correction_reason is not None:
        raise UnprocessableEntity("There is no service to correct", code="nothing_to_correct")
    calendar = await engine.agency_calendar(session, settings)
    effective = effective_at(body)
    receipt = None
    if body.method in RECEIPT_METHODS:
        facts = {
            **body.model_dump(), "effective_at": effective,
            "document_title": document.title, "document_number": document.number,
        }  # fmt: skip
        source = await source_for(
            session, workflow.name, record, actor, now, calendar, settings, extra=facts
        )
        receipt = await issue(
            session,
            record_kind=workflow.name,
            kind=catalogue.kind("service_receipt"),
            source=source,
            action="service",
            settings=settings,
        )
    row = DocumentService(
        document_id=document.id,
        method=body.method,
        served_at=body.served_at,
        effective_at=effective,
        applied=effective <= now,
        served_by_id=actor.id if actor.kind == "user" else None,
        served_by_name=actor.name,
        signed_by=body.signed_by,
        witness=body.witness,
        address=body.address,
        note=body.note,
        receipt_document_id=receipt.id if receipt else None,
        corrects_id=previous.id if previous else None,
        recorded_at=now,
    )
    session.add(row)
    await session.flush()
    payload = {
        "service": describe(row, document, receipt),
        "correction_reason": body.correction_reason,
    }
    if row.applied:
        await apply_service(
            session, workflow, record, document, row, actor, correction=previous is not None,
            payload=payload, settings=settings,
        )  # fmt: skip
    else:
        await engine.update_fields(
            session, workflow, record, actor, {}, event_name="service_published", payload=payload
        )
    return row


async def apply_service(
    session: AsyncSession,
    workflow: Workflow,
    record: Any,
    document: Document,
    row: DocumentService,
    actor: Actor,
    *,
    correction: bool,
    payload: dict[str, Any],
    settings: Settings,
    now: datetime | None = None,
) -> None:
    """Move the record as the service date says: the kind's action, or its fields."""
    assert workflow.documents is not None
    rule = workflow.documents.kind(document.kind).service
    assert rule is not None
    calendar = await engine.agency_calendar(session, settings)
    facts = ServiceFacts(RecordView(record), row.method, row.effective_at, calendar, correction)
    changes = rule.changes(facts) if rule.changes else {}
    action = workflow.actions.get(rule.action) if rule.action else None
    if not correction and action is not None and record.status in action.sources:
        assert rule.body is not None
        await engine.apply_action(
            session, workflow, record, action.name, rule.body(facts), actor,
            settings=settings, changes=changes, event_payload=payload, now=now,
        )  # fmt: skip
    else:
        await engine.update_fields(
            session,
            workflow,
            record,
            actor,
            changes,
            event_name="service_corrected" if correction else "document_served",
            payload=payload,
            now=now,
        )
    row.applied = True
    await disclosure.publish(session, document.id, now or utcnow())
