"""Hotline tickets: intake, reading, listing, editing, and who sees the reporter."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.core.masking import (
    Disclosure,
    PersonalFields,
    disclosure_for,
    mask_phone,
    redact_free_text,
    redact_numbers,
)
from app.core.numbering import RecordNumber
from app.db import core_rows
from app.errors import Forbidden, UnprocessableEntity
from app.models.base import utcnow
from app.models.identity import User
from app.models.ticket import Ticket
from app.tickets.categories import require_active_category
from app.tickets.schemas import (
    STAFF_SET_ON_CREATE,
    Location,
    ReporterPublic,
    TicketCreate,
    TicketPublic,
    TicketUpdate,
)
from app.tickets.workflow import TICKET_WORKFLOW
from app.workflow import engine
from app.workflow.clock import is_overdue_now
from app.workflow.registry import AttachmentPolicy, RecordKind

CITIZEN_CHANNELS = ("app", "web")
FULL_VIEW_ROLES = ("operator", "supervisor")
REPORTER = PersonalFields(
    nested="reporter",
    prefix="reporter_",
    masks={"phone": mask_phone},
    hidden=frozenset({"name", "phone"}),
)


def reporter_protected(ticket: Ticket) -> bool:
    """保护举报人: reports and confidential tickets hide who called from the department."""
    return ticket.type == "report" or ticket.reporter_confidential or ticket.reporter_anonymous


def reporter_disclosure(ticket: Ticket, actor: Actor) -> Disclosure:
    """The hotline and its supervisors see the reporter; the department handling it sees a
    masked phone, and nothing of a protected reporter; so does any API client."""
    return disclosure_for(
        actor,
        entitled=actor.has_any(*FULL_VIEW_ROLES),
        protected=reporter_protected(ticket),
        own=ticket.created_by_id == actor.id,
    )


def reporter_view(ticket: Ticket, actor: Actor) -> ReporterPublic:
    shown = REPORTER.apply(
        {"name": ticket.reporter_name, "phone": ticket.reporter_phone},
        reporter_disclosure(ticket, actor),
    )
    return ReporterPublic(
        **shown, anonymous=ticket.reporter_anonymous, confidential=ticket.reporter_confidential
    )


# What people write about the ticket: the caller's words as the operator took them down,
# the title, the department's reply, the caller's comment on it, an action's reason.
FREE_TEXT_COLUMNS = ("title", "content", "reply", "satisfaction_comment")
FREE_TEXT_KEYS = frozenset({*FREE_TEXT_COLUMNS, "reason", "comment", "note"})


def text_view(text: str | None, ticket: Any, actor: Actor) -> str | None:
    """Operators write the caller into the text ("王五（138…）反映"): the reporter's name and
    phone there are shown as the reporter's fields are (保护举报人: a protected reporter's
    not at all, nor any phone or ID number, which could be theirs)."""
    level = reporter_disclosure(ticket, actor)
    if text is None or level is Disclosure.FULL:
        return text
    return text_at_level(text, ticket, level)


def text_at_level(text: str, ticket: Any, level: Disclosure) -> str:
    person = {"name": ticket.reporter_name, "phone": ticket.reporter_phone}
    text = REPORTER.redact_text(text, person, level)
    return redact_numbers(text) if level is Disclosure.HIDDEN else text


def mask_event_payload(payload: dict[str, Any], ticket: Ticket, actor: Actor) -> dict[str, Any]:
    shown = REPORTER.apply_payload(payload, reporter_disclosure(ticket, actor))
    return redact_free_text(
        shown, FREE_TEXT_KEYS, lambda text: text_view(text, ticket, actor) or ""
    )


def _read_with_duplicates(ticket: Any) -> list[uuid.UUID] | None:
    """The duplicates read with the ticket (``WITH_DUPLICATES``); None when they were not.
    ``ticket`` is an entity, or a row of app/records/core_read.py (which always reads them)."""
    loaded = ticket._mapping if isinstance(ticket, Row) else inspect(ticket).dict
    if "duplicate_ids" not in loaded:  # a loaded column is there, even when NULL
        return None
    joined = loaded["duplicate_ids"]
    return [uuid.UUID(text) for text in joined.split(",")] if joined else []


async def duplicates_of(
    session: AsyncSession, tickets: list[Any]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The tickets merged into each of ``tickets``: as read with them, or in one query for
    those read without."""
    read = {ticket.id: _read_with_duplicates(ticket) for ticket in tickets}
    found = {ticket_id: duplicates or [] for ticket_id, duplicates in read.items()}
    unread = [ticket_id for ticket_id, duplicates in read.items() if duplicates is None]
    if not unread:
        return found
    merged = col(Ticket.duplicate_of)
    rows = await core_rows(session, select(merged, col(Ticket.id)).where(merged.in_(unread)))
    for original, duplicate in rows.all():
        if original is not None:
            found[original].append(duplicate)
    return found


async def render(session: AsyncSession, ticket: Ticket, actor: Actor) -> TicketPublic:
    return (await render_page(session, [ticket], actor))[0]


async def render_page(
    session: AsyncSession, tickets: list[Ticket], actor: Actor
) -> list[TicketPublic]:
    duplicates = await duplicates_of(session, tickets)
    return [_public(ticket, actor, duplicates[ticket.id]) for ticket in tickets]


def public_fields(
    ticket: Any, actor: Actor, duplicates: list[uuid.UUID], now: datetime
) -> dict[str, Any]:
    """What TicketPublic shows beyond the ticket's columns; ``ticket`` is an entity or a
    row (app/records/core_read.py)."""
    return {
        **{
            column: text_view(getattr(ticket, column), ticket, actor)
            for column in FREE_TEXT_COLUMNS
        },
        "location": Location(
            address=ticket.address, district=ticket.district, lat=ticket.lat, lon=ticket.lon
        ),
        "reporter": reporter_view(ticket, actor),
        "is_overdue": is_overdue_now(ticket, now),
        "duplicates": duplicates,
        "allowed_actions": engine.allowed_actions(TICKET_WORKFLOW, ticket, actor, now),
    }


def _public(ticket: Ticket, actor: Actor, duplicates: list[uuid.UUID]) -> TicketPublic:
    return TicketPublic(
        **{**ticket.model_dump(), **public_fields(ticket, actor, duplicates, utcnow())}
    )


async def create(
    session: AsyncSession,
    data: TicketCreate,
    actor: Actor,
    settings: Settings,
    *,
    media_url: str | None = None,
) -> Ticket:
    if not actor.has_any("operator", "citizen"):
        raise Forbidden("Tickets are registered by hotline operators or filed by citizens")
    if not actor.has_any("operator") and data.channel not in CITIZEN_CHANNELS:
        raise UnprocessableEntity(
            "Citizens file tickets through the app or the web", code="invalid_channel"
        )
    for name, citizens_value in STAFF_SET_ON_CREATE.items():
        if not actor.has_any("operator") and getattr(data, name) != citizens_value:
            reason = f"{name} is set by the hotline's operators, not by the citizen filing"
            raise Forbidden(
                reason, code="staff_only_field", errors=[{"loc": ["body", name], "msg": reason}]
            )
    await require_active_category(session, data.category_code)
    reporter_name, reporter_phone = await _reporter_of(session, data, actor)
    today = utcnow().astimezone(settings.zone).strftime("%Y%m%d")
    ticket = Ticket(
        channel=data.channel,
        type=data.type,
        category_code=data.category_code,
        title=data.title,
        content=data.content,
        priority=data.priority,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        reporter_anonymous=data.reporter.anonymous,
        reporter_confidential=data.reporter.confidential,
        media_url=media_url,
        **data.location.model_dump(),
    )
    payload = data.model_dump(mode="json") | ({"media_url": media_url} if media_url else {})
    await engine.create(
        session,
        TICKET_WORKFLOW,
        ticket,
        actor,
        payload=payload,
        number=RecordNumber(f"ticket-{today}", f"RX{today}-{{:05d}}"),
        settings=settings,
    )
    set_committed_value(ticket, "duplicate_ids", None)  # a new ticket has none
    return ticket


async def _reporter_of(
    session: AsyncSession, data: TicketCreate, actor: Actor
) -> tuple[str | None, str | None]:
    """A citizen filing for herself is the reporter: what she leaves out comes from her
    account, so the department can call back (unless she files anonymously)."""
    name, phone = data.reporter.name, data.reporter.phone
    if actor.kind != "user" or actor.has_any("operator") or data.reporter.anonymous:
        return name, phone
    account = await session.get(User, actor.id)
    if account is None:
        return name, phone
    return name or account.full_name or None, phone or account.phone


async def get(session: AsyncSession, ticket_id: uuid.UUID, actor: Actor) -> Ticket:
    return await engine.load_visible(session, TICKET_WORKFLOW, Ticket, ticket_id, actor)


async def update(
    session: AsyncSession,
    ticket: Ticket,
    data: TicketUpdate,
    actor: Actor,
    if_match: str | None,
    settings: Settings,
) -> Ticket:
    if not actor.has_any("operator", "supervisor"):
        raise Forbidden("Only the hotline edits a ticket's details")
    if ticket.status != "new":
        raise UnprocessableEntity(
            "A ticket's details can be edited only before dispatch", code="not_editable"
        )
    values = data.model_dump(exclude_unset=True, exclude={"location"})
    if data.location is not None:
        values.update(data.location.model_dump())
    if data.category_code is not None:
        await require_active_category(session, data.category_code)
    return await engine.update_fields(
        session, TICKET_WORKFLOW, ticket, actor, values, if_match=if_match
    )


def _photos_while_open(ticket: Ticket) -> str | None:
    if ticket.status in TICKET_WORKFLOW.terminal:
        return f"The ticket is {ticket.status}: its photos can no longer change"
    return None


TICKETS = RecordKind(
    TICKET_WORKFLOW,
    TicketPublic,
    render,
    mask_event_payload,
    mask_event_text=text_view,
    disclosure=reporter_disclosure,
    # Photos come from who works the ticket: the hotline, the handling department and
    # the citizen who filed it; supervisors read them. Citizens remove only their own.
    attachments=AttachmentPolicy(
        kinds=frozenset({"photo"}),
        uploadable=_photos_while_open,
        deletable=_photos_while_open,
        added_by=frozenset({"operator", "handler", "citizen"}),
        removed_by=frozenset({"operator", "handler"}),
    ),
)
