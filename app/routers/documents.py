"""Documents of every record kind, generated from its declaration like its actions.

``GET /{collection}/{id}/documents`` lists them to whoever sees the record (the party's
name masked as the record masks it); the PDF is the document the party receives, so
only those who see the party in full may download it; ``POST …/service`` records 送达.
"""

import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.core.masking import Disclosure as Shown
from app.core.masking import mask_name
from app.deps import CurrentActor, SessionDep, SettingsDep
from app.documents import service as document_service
from app.documents.correction import correct
from app.documents.schemas import (
    CorrectionBody,
    DisclosureState,
    DocumentPublic,
    PersonRef,
    RecipientPublic,
    ServiceBody,
    ServicePublic,
)
from app.errors import Forbidden, NotFound, problem_responses
from app.models.document import (
    Disclosure,
    Document,
    DocumentContent,
    DocumentService,
)
from app.pagination import Page
from app.workflow import engine
from app.workflow.registry import RecordKind


def service_public(row: DocumentService, level: str = Shown.FULL) -> ServicePublic:
    """Who signed (often the party) and the witness as ``level`` shows the party."""
    return ServicePublic(
        id=row.id,
        document_id=row.document_id,
        method=row.method,
        served_at=row.served_at,
        effective_at=row.effective_at,
        complete=row.applied,
        served_by=PersonRef(id=row.served_by_id, name=row.served_by_name),
        signed_by=_person(row.signed_by, level),
        witness=_person(row.witness, level),
        receipt_document_id=row.receipt_document_id,
        corrects_id=row.corrects_id,
        recorded_at=row.recorded_at,
    )


def _person(name: str | None, level: str) -> str | None:
    if level == Shown.FULL:
        return name
    return None if level == Shown.HIDDEN else mask_name(name)


def _recipient(document: Document, level: str) -> RecipientPublic:
    if document.recipient_type == "organisation":
        return RecipientPublic(type="organisation", name=document.recipient_name)
    # A protected reporter (confidential, anonymous, a report): not even the surname.
    return RecipientPublic(
        type=document.recipient_type, name=_person(document.recipient_name, level)
    )


def document_public(
    kind: RecordKind,
    document: Document,
    level: str,
    service: DocumentService | None,
    superseded_by: uuid.UUID | None,
    disclosure: Disclosure | None = None,
) -> DocumentPublic:
    catalogue = kind.workflow.documents
    served = catalogue is not None and catalogue.kind(document.kind).service is not None
    state = "not_served" if not served else "unserved"
    if service is not None:
        state = "served" if service.applied else "pending"
    return DocumentPublic(
        id=document.id,
        kind=document.kind,
        title=document.title,
        number=document.number,
        action=document.action,
        issued_at=document.issued_at,
        issued_by=PersonRef(id=document.issued_by_id, name=document.issued_by_name),
        template_version=document.template_version,
        sha256=document.sha256,
        size=document.size,
        recipient=_recipient(document, level),
        supersedes_id=document.supersedes_id,
        superseded_by_id=superseded_by,
        served_state=state,
        service=service_public(service, level) if service else None,
        disclosure=None
        if disclosure is None
        else DisclosureState(
            status=disclosure.status,
            due_at=disclosure.due_at,
            published_at=disclosure.published_at,
            published_late=disclosure.published_late,
            overdue=disclosure.overdue_flagged_at is not None,
            withdrawn_at=disclosure.withdrawn_at,
            withdrawal_reason=disclosure.withdrawal_reason,
        ),
    )


async def _document(
    session: AsyncSession, kind: RecordKind, record: Any, document_id: uuid.UUID
) -> Document:
    document = await session.get(Document, document_id)
    if (
        document is None
        or document.record_kind != kind.workflow.name
        or document.record_id != record.id
    ):
        raise NotFound("No such document")
    return document


async def _listing(
    session: Any, kind: RecordKind, record: Any, actor: Actor
) -> list[DocumentPublic]:
    query = (
        select(Document)
        .where(
            col(Document.record_kind) == kind.workflow.name, col(Document.record_id) == record.id
        )
        .order_by(col(Document.issued_at), col(Document.id))
    )
    documents = list((await session.scalars(query)).all())
    services = await document_service.latest_services(session, [d.id for d in documents])
    superseded_by = {d.supersedes_id: d.id for d in documents if d.supersedes_id}
    disclosures = {
        row.document_id: row
        for row in (
            await session.scalars(
                select(Disclosure).where(
                    col(Disclosure.record_kind) == kind.workflow.name,
                    col(Disclosure.record_id) == record.id,
                )
            )
        ).all()
    }
    level = kind.disclosure(record, actor)
    return [
        document_public(
            kind, d, level, services.get(d.id), superseded_by.get(d.id), disclosures.get(d.id)
        )
        for d in documents
    ]


def documents_router(kind: RecordKind) -> APIRouter:
    workflow = kind.workflow
    name, collection = workflow.name, workflow.collection
    router = APIRouter(prefix=f"/api/v1/{collection}", tags=[collection])

    @router.get(
        "/{record_id}/documents",
        response_model=Page[DocumentPublic],
        summary=f"Official documents (文书) of a {name}",
        description="Every document issued for the record, oldest first, superseded ones "
        "included; the recipient's name masked as the record masks the party.",
        operation_id=f"{collection}_documents",
        responses=problem_responses(401, 404, 422),
    )
    async def list_documents(
        record_id: uuid.UUID, session: SessionDep, actor: CurrentActor
    ) -> Page[DocumentPublic]:
        record = await engine.load_visible(session, workflow, workflow.model, record_id, actor)
        return Page(items=await _listing(session, kind, record, actor))

    @router.get(
        "/{record_id}/documents/{document_id}/content",
        response_class=Response,
        summary=f"The PDF of a {name}'s document",
        description="The document as the party receives it: for those who see the party in full.",
        operation_id=f"{collection}_document_content",
        responses={
            200: {"content": {"application/pdf": {}}},
            **problem_responses(401, 403, 404, 422),
        },
    )
    async def document_content(
        record_id: uuid.UUID, document_id: uuid.UUID, session: SessionDep, actor: CurrentActor
    ) -> Response:
        record = await engine.load_visible(session, workflow, workflow.model, record_id, actor)
        document = await _document(session, kind, record, document_id)
        if not kind.party_in_full(record, actor):
            raise Forbidden("The document names the party in full: your role may not see it")
        content = await session.get(DocumentContent, document.id)
        assert content is not None
        file_name = quote(f"{document.number}.pdf")
        return Response(
            content.pdf,
            media_type="application/pdf",
            headers={
                # RFC 6266 / 5987: an ASCII fallback, and the number itself in UTF-8.
                "Content-Disposition": (
                    f"attachment; filename=\"document.pdf\"; filename*=UTF-8''{file_name}"
                ),
                "ETag": f'"{document.sha256}"',
                "Cache-Control": "private, no-store",
            },
        )

    @router.post(
        "/{record_id}/documents/{document_id}/service",
        response_model=ServicePublic,
        status_code=201,
        summary=f"Record service (送达) of a {name}'s document",
        description="Methods: in_person, left_at_address (with a witness), entrusted, "
        "by_post (served on receipt_signed_at), electronic (with consent), by_publication "
        "(deemed served 30 days later). A 送达回证 is issued for the first four. The "
        "service date starts the clocks the law ties to it; a second call with "
        "`correction_reason` corrects it and recomputes them.",
        operation_id=f"{collection}_document_service",
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def serve_document(
        record_id: uuid.UUID,
        document_id: uuid.UUID,
        body: ServiceBody,
        session: SessionDep,
        actor: CurrentActor,
        settings: SettingsDep,
    ) -> ServicePublic:
        record = await engine.load_visible(
            session, workflow, workflow.model, record_id, actor, for_action=True
        )
        document = await _document(session, kind, record, document_id)
        if (
            actor.kind != "user"
            or actor.has_any("citizen")
            or not kind.party_in_full(record, actor)
        ):
            raise Forbidden("Service is recorded by the staff who hold the record")
        row = await document_service.serve(
            session, workflow, record, document, body, actor, settings
        )
        return service_public(row)

    @router.post(
        "/{record_id}/documents/{document_id}/corrections",
        response_model=DocumentPublic,
        status_code=201,
        summary=f"Correct a {name}'s document (更正)",
        description="Issues a new document with the corrected text fields, under a number "
        "of its own, superseding the old one; both are kept, and the correction's hash "
        "and reason go into the record's history. A disclosed decision's disclosure moves "
        "to the correction.",
        operation_id=f"{collection}_document_correction",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def correct_document(
        record_id: uuid.UUID,
        document_id: uuid.UUID,
        body: CorrectionBody,
        session: SessionDep,
        actor: CurrentActor,
        settings: SettingsDep,
    ) -> DocumentPublic:
        record = await engine.load_visible(
            session, workflow, workflow.model, record_id, actor, for_action=True
        )
        document = await _document(session, kind, record, document_id)
        if (
            actor.kind != "user"
            or actor.has_any("citizen")
            or not kind.party_in_full(record, actor)
        ):
            raise Forbidden("Documents are corrected by the staff who hold the record")
        corrected = await correct(
            session, workflow, record, document, body.corrections, body.reason, actor, settings
        )
        return document_public(kind, corrected, Shown.FULL, None, None)

    return router
