"""Attachments: streamed to storage, typed by their bytes, hashed into the audit chain."""

import hashlib
import unicodedata
import uuid
from collections.abc import AsyncIterator
from typing import Any

import filetype
from fastapi import UploadFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.errors import (
    Forbidden,
    NotFound,
    PayloadTooLarge,
    UnprocessableEntity,
    UnsupportedMediaType,
)
from app.files.storage import CHUNK, Storage
from app.models.attachment import Attachment
from app.models.workflow import WorkflowRecord
from app.workflow import engine
from app.workflow.definition import Workflow
from app.workflow.registry import AttachmentPolicy

# filetype needs this many leading bytes to recognise a format.
SNIFF_BYTES = 262


def sanitise_file_name(name: str | None) -> str:
    """A display name safe in headers and file systems: no paths, controls or quotes."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    cleaned = "".join(
        ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '"<>|:*?'
    ).strip(" .")
    return cleaned[:200] or "file"


def sniff(head: bytes) -> str:
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character may be cut at the end of the sniffed bytes.
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
    return "application/octet-stream" if b"\x00" in head else "text/plain"


def _roles(workflow: Workflow, roles: frozenset[str]) -> str:
    scopes = workflow.role_scopes
    return ", ".join(
        f"{role} on {scopes[role].name} records" if role in scopes else role
        for role in sorted(roles)
    )


def _narrowed(policy: AttachmentPolicy, roles: str) -> str:
    if roles and policy.assigned_means:
        return f"{roles}; once assigned, only {policy.assigned_means}"
    return roles


def who_adds(workflow: Workflow, policy: AttachmentPolicy) -> str:
    return _narrowed(policy, _roles(workflow, policy.added_by)) or "nobody"


def who_removes(workflow: Workflow, policy: AttachmentPolicy) -> str:
    staff = _narrowed(policy, _roles(workflow, policy.removed_by))
    return f"whoever added the file, or {staff}" if staff else "whoever added the file"


async def _assigned_or_unassigned(
    session: AsyncSession, policy: AttachmentPolicy, record: WorkflowRecord, actor: Actor
) -> bool:
    """A person assigned to the record, or nobody is yet. An API client is its department's
    system (e.g. body-worn cameras uploading for the officers), never assigned by name."""
    if policy.assigned is None or actor.kind != "user":
        return True
    assigned = await policy.assigned(session, record)
    return assigned is None or actor.id in assigned


async def check_may_add(
    session: AsyncSession,
    workflow: Workflow,
    policy: AttachmentPolicy,
    record: WorkflowRecord,
    actor: Actor,
) -> None:
    if not (
        engine.holds_role_on(workflow, policy.added_by, record, actor)
        and await _assigned_or_unassigned(session, policy, record, actor)
    ):
        raise Forbidden(
            f"Files are added to a {workflow.name} by: {who_adds(workflow, policy)}",
            code="attachment_forbidden",
        )


async def check_may_remove(
    session: AsyncSession,
    workflow: Workflow,
    policy: AttachmentPolicy,
    record: WorkflowRecord,
    actor: Actor,
    attachment: Attachment,
) -> None:
    """The uploader, or a user in a removing role; a citizen never removes staff's files,
    and an API client only its own (a system is not staff of the record's department)."""
    if attachment.uploaded_by_id is not None and attachment.uploaded_by_id == actor.id:
        return
    if (
        actor.kind == "user"
        and engine.holds_role_on(workflow, policy.removed_by, record, actor)
        and await _assigned_or_unassigned(session, policy, record, actor)
    ):
        return
    raise Forbidden(
        f"A file on a {workflow.name} is removed by {who_removes(workflow, policy)}",
        code="attachment_forbidden",
    )


def check_kind(policy: AttachmentPolicy, record: WorkflowRecord, kind: str) -> None:
    if policy.kinds is not None and kind not in policy.kinds:
        raise UnprocessableEntity(
            f"kind must be one of {', '.join(sorted(policy.kinds))}", code="invalid_attachment_kind"
        )
    if policy.check_kind is not None and (reason := policy.check_kind(record, kind)):
        raise UnprocessableEntity(reason, code="invalid_attachment_kind")


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def upload(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    workflow: Workflow,
    policy: AttachmentPolicy,
    record: WorkflowRecord,
    actor: Actor,
    kind: str,
    file: UploadFile,
) -> Attachment:
    await check_may_add(session, workflow, policy, record, actor)
    check_kind(policy, record, kind)
    if reason := policy.uploadable(record):
        raise UnprocessableEntity(reason, code="attachment_not_allowed")
    head = await file.read(SNIFF_BYTES)
    content_type = sniff(head)
    if content_type not in settings.attachment_types:
        raise UnsupportedMediaType(f"Files of type {content_type} are not accepted")
    digest, size = hashlib.sha256(), 0

    async def counted() -> AsyncIterator[bytes]:
        nonlocal size
        chunks = _chunks(file)
        for chunk in (head,):
            size += len(chunk)
            digest.update(chunk)
            yield chunk
        async for chunk in chunks:
            size += len(chunk)
            if size > settings.attachment_max_bytes:
                raise PayloadTooLarge(
                    f"Attachments are at most {settings.attachment_max_bytes} bytes"
                )
            digest.update(chunk)
            yield chunk

    attachment_id = uuid.uuid4()
    key = f"{workflow.name}/{record.id}/{attachment_id}"
    await storage.write(key, counted())
    try:
        attachment = Attachment(
            id=attachment_id,
            record_kind=workflow.name,
            record_id=record.id,
            kind=kind,
            file_name=sanitise_file_name(file.filename),
            content_type=content_type,
            size=size,
            sha256=digest.hexdigest(),
            storage_key=key,
            uploaded_by_id=actor.id if actor.kind != "system" else None,
            uploaded_by_name=actor.name,
        )
        session.add(attachment)
        await session.flush()
        await engine.update_fields(
            session,
            workflow,
            record,
            actor,
            {},
            event_name="attachment_added",
            payload=describe(attachment),
        )
    except BaseException:
        await storage.delete(key)
        raise
    return attachment


def describe(attachment: Attachment) -> dict[str, Any]:
    """What the audit event records of a file: its hash puts the bytes under the chain."""
    return {
        "attachment_id": attachment.id,
        "kind": attachment.kind,
        "file_name": attachment.file_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


async def list_for(
    session: AsyncSession, workflow: Workflow, record: WorkflowRecord
) -> list[Attachment]:
    query = (
        select(Attachment)
        .where(col(Attachment.record_kind) == workflow.name, col(Attachment.record_id) == record.id)
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return list((await session.scalars(query)).all())


async def get(
    session: AsyncSession, workflow: Workflow, record: WorkflowRecord, attachment_id: uuid.UUID
) -> Attachment:
    attachment = await session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.record_kind != workflow.name
        or attachment.record_id != record.id
    ):
        raise NotFound("No such attachment")
    return attachment


async def delete(
    session: AsyncSession,
    workflow: Workflow,
    policy: AttachmentPolicy,
    record: WorkflowRecord,
    actor: Actor,
    attachment: Attachment,
) -> str:
    """Remove the row (audited); returns the storage key to delete once this commits."""
    await check_may_remove(session, workflow, policy, record, actor, attachment)
    if reason := policy.deletable(record):
        raise UnprocessableEntity(reason, code="attachment_immutable")
    await session.delete(attachment)
    await engine.update_fields(
        session,
        workflow,
        record,
        actor,
        {},
        event_name="attachment_deleted",
        payload=describe(attachment),
    )
    return attachment.storage_key
