"""A record's history as each caller may read it.

The chain keeps who acted and from where (全过程记录); what a reader is shown of that
follows the record's personal-data rule (app.core.masking):
- a citizen who acted (a reporter, an applicant) is shown only to themself and to staff who
  see the record's person in full: a masked or protected reporter would otherwise be named
  by the event's actor (保护举报人);
- citizens see staff as their department and role, never the person or the address
  (个人信息保护法 第六条: a citizen following a ticket needs who is handling it, not who);
- client addresses are for staff who see the actor.
"""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor, is_citizen_roles, is_staff
from app.models.attachment import Attachment
from app.models.audit import Event
from app.models.identity import Department, User
from app.workflow.registry import RecordKind
from app.workflow.schemas import EventPublic


def _is_citizen_viewer(viewer: Actor) -> bool:
    return viewer.kind == "user" and is_citizen_roles(viewer.roles)


async def _departments_of(
    session: AsyncSession, events: list[Event]
) -> dict[uuid.UUID, dict[str, Any]]:
    """The department of each staff member who acted, as citizens are shown them."""
    staff = {
        event.actor_id
        for event in events
        if event.actor_type == "user"
        and event.actor_id is not None
        and not is_citizen_roles(event.actor_roles)
    }
    if not staff:
        return {}
    rows = await session.execute(
        select(col(User.id), col(Department.id), col(Department.name))
        .join(Department, col(Department.id) == col(User.department_id))
        .where(col(User.id).in_(staff))
    )
    return {user_id: {"id": dept_id, "name": name} for user_id, dept_id, name in rows.all()}


def actor_as_seen(
    actor: dict[str, Any], viewer: Actor, disclosure: str, department: dict[str, Any] | None
) -> tuple[dict[str, Any], bool]:
    """``actor`` (type, id, name, roles) as ``viewer`` may see them, and whether the
    identity is shown; ``disclosure`` is the viewer's view of the record's person."""
    acted_id, roles = actor.get("id"), actor.get("roles") or []
    if actor.get("type") != "user" or (acted_id is not None and acted_id == viewer.id):
        return actor, True
    if is_citizen_roles(roles):
        if disclosure == "full" and is_staff(viewer):
            return actor, True
        return {**actor, "id": None, "name": None}, False
    if _is_citizen_viewer(viewer):
        return {**actor, "id": None, "name": None, "department": department}, False
    return actor, True


def _actor(
    event: Event,
    viewer: Actor,
    disclosure: str,
    departments: dict[uuid.UUID, dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    actor = {
        "type": event.actor_type,
        "id": event.actor_id,
        "name": event.actor_name,
        "roles": event.actor_roles,
    }
    department = departments.get(event.actor_id) if event.actor_id else None
    return actor_as_seen(actor, viewer, disclosure, department)


def event_public(
    kind: RecordKind,
    event: Event,
    record: Any,
    viewer: Actor,
    departments: dict[uuid.UUID, dict[str, Any]] | None = None,
) -> EventPublic:
    disclosure = kind.disclosure(record, viewer)
    actor, identified = _actor(event, viewer, disclosure, departments or {})
    own = event.actor_id is not None and event.actor_id == viewer.id
    return EventPublic(
        id=event.event_id,
        seq=event.seq,
        kind=event.kind,
        record_id=event.record_id,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        actor=actor,
        occurred_at=event.occurred_at,
        comment=kind.mask_event_text(event.comment, record, viewer),
        payload=kind.mask_event_payload(event.payload, record, viewer),
        changes=kind.mask_event_payload(event.changes, record, viewer),
        client_ip=event.client_ip if identified and (own or is_staff(viewer)) else None,
        request_id=event.request_id,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


async def events_public(
    session: AsyncSession, kind: RecordKind, record: Any, events: list[Event], viewer: Actor
) -> list[EventPublic]:
    departments = await _departments_of(session, events) if _is_citizen_viewer(viewer) else {}
    return [event_public(kind, event, record, viewer, departments) for event in events]


async def uploaders_as_seen(
    session: AsyncSession,
    kind: RecordKind,
    record: Any,
    viewer: Actor,
    attachments: list[Attachment],
) -> dict[uuid.UUID, tuple[uuid.UUID | None, str | None]]:
    """Each attachment's uploader (id, name) as ``viewer`` may see them: a citizen's photo
    names the reporter as surely as the event's actor would."""
    ids = {a.uploaded_by_id for a in attachments if a.uploaded_by_id is not None}
    roles_of: dict[uuid.UUID, list[str]] = {}
    if ids:
        rows = await session.execute(
            select(col(User.id), col(User.roles)).where(col(User.id).in_(ids))
        )
        roles_of = {user_id: roles for user_id, roles in rows.all()}
    disclosure = kind.disclosure(record, viewer)
    seen: dict[uuid.UUID, tuple[uuid.UUID | None, str | None]] = {}
    for attachment in attachments:
        by = attachment.uploaded_by_id
        uploader = {
            "type": "user" if by in roles_of else "api_client",
            "id": by,
            "name": attachment.uploaded_by_name,
            "roles": roles_of.get(by, []) if by else [],
        }
        shown, _ = actor_as_seen(uploader, viewer, disclosure, None)
        seen[attachment.id] = (shown["id"], shown["name"])
    return seen
