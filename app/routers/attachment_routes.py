"""Attachment routes every workflow with an AttachmentPolicy gets, generated like its actions."""

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from app.deps import CurrentActor, SessionDep
from app.errors import problem_responses
from app.files import attachments
from app.models.attachment import Attachment
from app.workflow import engine
from app.workflow.event_view import uploaders_as_seen
from app.workflow.registry import AttachmentPolicy, RecordKind


class AttachmentPublic(BaseModel):
    id: uuid.UUID
    kind: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by_id: uuid.UUID | None
    uploaded_by_name: str | None = Field(
        description="Null when the caller may not know who it is (a citizen uploader, for "
        "those who may not see the reporter; a staff member, for citizens)."
    )
    created_at: str


HIDDEN_COLUMNS = {
    "created_at", "storage_key", "record_id", "record_kind", "uploaded_by_id", "uploaded_by_name",
}  # fmt: skip


def _public(
    attachment: Attachment, uploader: tuple[uuid.UUID | None, str | None] | None = None
) -> AttachmentPublic:
    by_id, by_name = uploader or (attachment.uploaded_by_id, attachment.uploaded_by_name)
    return AttachmentPublic(
        **attachment.model_dump(exclude=HIDDEN_COLUMNS),
        uploaded_by_id=by_id,
        uploaded_by_name=by_name,
        created_at=attachment.created_at.isoformat(),
    )


def content_disposition(file_name: str) -> str:
    """RFC 6266: an ASCII fallback plus the UTF-8 name; nothing a name holds can break out."""
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in file_name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def attachment_router(kind: RecordKind, policy: AttachmentPolicy) -> APIRouter:
    workflow = kind.workflow
    router = APIRouter(prefix=f"/api/v1/{workflow.collection}", tags=[workflow.collection])
    kinds = ", ".join(f"`{k}`" for k in sorted(policy.kinds)) if policy.kinds else "see module"
    added_by = attachments.who_adds(workflow, policy)
    removed_by = attachments.who_removes(workflow, policy)

    @router.post(
        "/{record_id}/attachments",
        status_code=status.HTTP_201_CREATED,
        response_model=AttachmentPublic,
        summary=f"Attach a file to a {workflow.name}",
        description=f"Multipart upload: `file` and `kind` ({kinds}). Added by: {added_by}; "
        "others who see the record answer 403 `attachment_forbidden`. The type is detected from "
        "the bytes, not taken from the client (415 when not accepted); files over the size "
        "limit answer 413. The SHA-256 goes into the record's audit chain.",
        responses=problem_responses(401, 403, 404, 413, 415, 422),
        operation_id=f"{workflow.collection}_attachments_create",
    )
    async def upload(
        record_id: uuid.UUID,
        request: Request,
        session: SessionDep,
        actor: CurrentActor,
        file: Annotated[UploadFile, File()],
        kind_: Annotated[str, Form(alias="kind", min_length=1, max_length=64)],
    ) -> AttachmentPublic:
        record = await engine.load_visible(session, workflow, workflow.model, record_id, actor)
        attachment = await attachments.upload(
            session,
            request.app.state.storage,
            request.app.state.settings,
            workflow,
            policy,
            record,
            actor,
            kind_,
            file,
        )
        return _public(attachment)

    @router.get(
        "/{record_id}/attachments",
        response_model=list[AttachmentPublic],
        summary=f"Files attached to a {workflow.name}",
        description="Oldest first.",
        responses=problem_responses(401, 404, 422),
        operation_id=f"{workflow.collection}_attachments_list",
    )
    async def list_attachments(
        record_id: uuid.UUID, session: SessionDep, actor: CurrentActor
    ) -> list[AttachmentPublic]:
        record = await engine.load_visible(session, workflow, workflow.model, record_id, actor)
        files = await attachments.list_for(session, workflow, record)
        seen = await uploaders_as_seen(session, kind, record, actor, files)
        return [_public(a, seen[a.id]) for a in files]

    @router.get(
        "/{record_id}/attachments/{attachment_id}/content",
        response_class=StreamingResponse,
        summary="Download an attachment",
        description="Streams the stored bytes with their detected type.",
        responses={
            # The type detected from the bytes at upload, one of the accepted attachment types.
            200: {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
            **problem_responses(401, 404, 422),
        },
        operation_id=f"{workflow.collection}_attachments_content",
    )
    async def download(
        record_id: uuid.UUID,
        attachment_id: uuid.UUID,
        request: Request,
        session: SessionDep,
        actor: CurrentActor,
    ) -> StreamingResponse:
        record = await engine.load_visible(session, workflow, workflow.model, record_id, actor)
        attachment = await attachments.get(session, workflow, record, attachment_id)
        return StreamingResponse(
            request.app.state.storage.read(attachment.storage_key),
            media_type=attachment.content_type,
            headers={
                "Content-Disposition": content_disposition(attachment.file_name),
                "Content-Length": str(attachment.size),
            },
        )

    @router.delete(
        "/{record_id}/attachments/{attachment_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Remove an attachment",
        description=f"Removed by {removed_by} (403 `attachment_forbidden` otherwise; an API "
        "client removes only its own files), and only while the record's state allows it "
        "(422 `attachment_immutable` otherwise; case evidence is never removed once the case "
        "left investigation).",
        responses=problem_responses(401, 403, 404, 422),
        operation_id=f"{workflow.collection}_attachments_delete",
    )
    async def delete(
        record_id: uuid.UUID,
        attachment_id: uuid.UUID,
        request: Request,
        session: SessionDep,
        actor: CurrentActor,
    ) -> Response:
        record = await engine.load_visible(session, workflow, workflow.model, record_id, actor)
        attachment = await attachments.get(session, workflow, record, attachment_id)
        key = await attachments.delete(session, workflow, policy, record, actor, attachment)
        # The bytes go only once the row's removal is committed.
        await session.commit()
        await request.app.state.storage.delete(key)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
