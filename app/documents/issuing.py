"""Issuing documents: numbered, rendered, hashed, stored — in the caller's transaction.

``after_action`` is the engine's hook: it runs inside ``apply_action`` after the effects,
so a document is issued with the state change and its audit event or not at all, and
its SHA-256 goes into that event's payload, under the record's hash chain.
"""

import asyncio
import hashlib
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.core.calendar import WorkCalendar
from app.documents import disclosure
from app.documents.numbering import take_number
from app.documents.rendering import LayoutFailed, Page, render_pdf
from app.documents.templates import current_template, render_body
from app.errors import UnprocessableEntity
from app.models.attachment import Attachment
from app.models.document import Document, DocumentContent, DocumentService
from app.models.identity import Department
from app.workflow.audit import to_json_value
from app.workflow.context import ActionContext
from app.workflow.definition import Action
from app.workflow.document_declaration import (
    DocumentCatalogue,
    DocumentKind,
    DocumentSource,
    RecordView,
)


def describe(document: Document) -> dict[str, Any]:
    """What the audit event records of a document: its hash puts the PDF under the chain."""
    return {
        "document_id": document.id,
        "kind": document.kind,
        "number": document.number,
        "sha256": document.sha256,
        "template_version": document.template_version,
        "supersedes_id": document.supersedes_id,
    }


async def department_of(session: AsyncSession, record: Any) -> Department:
    department = (
        await session.get(Department, record.department_id) if record.department_id else None
    )
    if department is None:
        raise UnprocessableEntity(
            "The record has no department to issue its documents", code="no_issuing_department"
        )
    return department


async def evidence_of(
    session: AsyncSession, record_kind: str, record_id: uuid.UUID
) -> tuple[str, ...]:
    query = (
        select(col(Attachment.kind), col(Attachment.file_name))
        .where(col(Attachment.record_kind) == record_kind, col(Attachment.record_id) == record_id)
        .order_by(col(Attachment.created_at))
    )
    return tuple(f"{kind}：{name}" for kind, name in (await session.execute(query)).all())


async def _latest_of_kind(
    session: AsyncSession, record_kind: str, record_id: uuid.UUID, kind: str
) -> Document | None:
    query = (
        select(Document)
        .where(
            col(Document.record_kind) == record_kind,
            col(Document.record_id) == record_id,
            col(Document.kind) == kind,
        )
        .order_by(col(Document.issued_at).desc(), col(Document.id).desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def issue(
    session: AsyncSession,
    *,
    record_kind: str,
    kind: DocumentKind,
    source: DocumentSource,
    action: str,
    settings: Settings,
    number: str | None = None,
    contents: dict[str, Any] | None = None,
) -> Document:
    """Number, render and store one document; a later one of its kind supersedes the last.

    ``number`` and ``contents`` are given by a correction: the corrected contents of the
    document it supersedes, under a number of its own.
    """
    record = source.record
    number = number or (kind.number(record) if kind.number else None)
    number = number or await take_number(
        session, source.department, kind, source.now.astimezone(source.calendar.zone).year
    )
    template = await current_template(session, kind.name)
    recipient = kind.recipient(record)
    data = to_json_value(
        {
            "doc": {
                "title": kind.title,
                "number": number,
                "agency": source.department.name,
                "issued_on": source.day(source.now),
                "record_number": record.number,
            },
            "party": asdict(recipient),
            **(kind.contents(source) if contents is None else contents),
        }
    )
    page = Page(source.department.name, kind.title, number, source.day(source.now), source.now)
    html = render_body(template.body, data)
    try:
        pdf = await asyncio.to_thread(render_pdf, page, html, settings.document_font_path)
    except LayoutFailed as error:
        raise UnprocessableEntity(
            f"The document template failed: {error}", code="template_failed"
        ) from None
    previous = await _latest_of_kind(session, record_kind, record.id, kind.name)
    document = Document(
        record_kind=record_kind,
        record_id=record.id,
        kind=kind.name,
        title=kind.title,
        number=number,
        department_id=source.department.id,
        action=action,
        issued_at=source.now,
        issued_by_id=source.actor.id if source.actor.kind == "user" else None,
        issued_by_name=source.actor.name,
        template_id=template.id,
        template_version=template.version,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        data=data,
        recipient_type=recipient.type,
        recipient_name=recipient.name,
        supersedes_id=previous.id if previous else None,
    )
    session.add(document)
    await session.flush()
    session.add(DocumentContent(document_id=document.id, pdf=pdf))
    await session.flush()
    return document


async def source_for(
    session: AsyncSession,
    record_kind: str,
    record: Any,
    actor: Actor,
    now: datetime,
    calendar: WorkCalendar,
    settings: Settings,
    *,
    changes: dict[str, Any] | None = None,
    body: Any = None,
    extra: dict[str, Any] | None = None,
) -> DocumentSource:
    view = RecordView(record, changes)
    return DocumentSource(
        record=view,
        department=await department_of(session, view),
        actor=actor,
        body=body,
        now=now,
        calendar=calendar,
        settings=settings,
        evidence=await evidence_of(session, record_kind, record.id),
        extra=extra or {},
    )


async def _record_service_by_action(
    catalogue: DocumentCatalogue, action: Action[Any, Any], ctx: ActionContext[Any, Any]
) -> None:
    """The decision served through its workflow action (``serve``, ``deliver``) directly:
    its document counts as served by the method and on the date the action records."""
    if "service" in ctx.event_payload:  # applied by the service endpoint, which records it
        return
    for kind in catalogue.kinds.values():
        rule = kind.service
        if rule is None or rule.action != action.name or rule.recorded_by_action is None:
            continue
        document = await _latest_of_kind(ctx.session, ctx.kind, ctx.record.id, kind.name)
        if document is None:
            continue
        method, served_at = rule.recorded_by_action(ctx.body, ctx.now)
        ctx.session.add(
            DocumentService(
                document_id=document.id, method=method, served_at=served_at,
                effective_at=served_at, served_by_id=ctx.actor.id, served_by_name=ctx.actor.name,
                recorded_at=ctx.now,
            )
        )  # fmt: skip
        await disclosure.publish(ctx.session, document.id, ctx.now)
        ctx.event_payload["service"] = {"document_id": document.id, "method": method}


async def after_action(
    catalogue: DocumentCatalogue, action: Action[Any, Any], ctx: ActionContext[Any, Any]
) -> None:
    record_kind = ctx.kind
    issued: list[dict[str, Any]] = []
    kinds = [
        catalogue.kind(name)
        for name in action.issues
        if catalogue.kind(name).when is None or catalogue.kind(name).when(ctx.body)  # type: ignore[misc]
    ]
    if kinds:
        changes = {**ctx.changes, "status": action.target or ctx.record.status}
        source = await source_for(
            ctx.session, record_kind, ctx.record, ctx.actor, ctx.now, ctx.calendar, ctx.settings,
            changes=changes, body=ctx.body,
        )  # fmt: skip
        for kind in kinds:
            document = await issue(
                ctx.session,
                record_kind=record_kind,
                kind=kind,
                source=source,
                action=action.name,
                settings=ctx.settings,
            )
            issued.append(describe(document))
            if kind.disclosure is not None:
                await disclosure.open_disclosure(ctx.session, document, kind, source)
    withdrawn: list[dict[str, Any]] = []
    for rule in catalogue.withdrawing(action.name):
        reason = getattr(ctx.body, "reason", None) or action.summary
        withdrawn += await disclosure.withdraw(
            ctx.session, record_kind, ctx.record.id, rule.category, reason, ctx.now, ctx.calendar
        )
    await _record_service_by_action(catalogue, action, ctx)
    if issued:
        ctx.event_payload["documents"] = issued
    if withdrawn:
        ctx.event_payload["disclosures_withdrawn"] = withdrawn


def catalogue(*kinds: DocumentKind) -> DocumentCatalogue:
    """A workflow's documents, issued by this module after each action that names them."""
    return DocumentCatalogue({kind.name: kind for kind in kinds}, issue=after_action)
