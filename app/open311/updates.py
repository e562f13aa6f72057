"""mySociety's ``GET servicerequestupdates``: requests' status changes since a time, read
from the tickets' audit events, so FixMyStreet-style front-ends can follow tickets.

https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Proposed-differences-to-Open311
"""

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.models.audit import Event
from app.models.ticket import Ticket
from app.open311.public import publicly_listed
from app.open311.schemas import RequestUpdate, UpdateStatus
from app.open311.service import MAX_REQUESTS, RequestSearch, w3c_datetime
from app.tickets.workflow import TICKET_WORKFLOW
from app.workflow import engine

# Ticket states in mySociety's status vocabulary, with what the update says.
STATUSES: dict[str, tuple[UpdateStatus, str]] = {
    "new": ("OPEN", "Received by the hotline"),
    "dispatched": ("ACTION_SCHEDULED", "Sent to the responsible department"),
    "in_progress": ("IN_PROGRESS", "The department is handling it"),
    "returned": ("INTERNAL_REFERRAL", "Returned to the hotline to be sent elsewhere"),
    "replied": ("IN_PROGRESS", "The department has replied"),
    "closed": ("CLOSED", "Closed"),
    "merged": ("DUPLICATE", "A duplicate of another request"),
    "cancelled": ("NO_FURTHER_ACTION", "Cancelled by the hotline"),
}


async def find_updates(
    session: AsyncSession, actor: Actor | None, search: RequestSearch
) -> list[RequestUpdate]:
    """Status changes in the search's window, oldest first, of the tickets the caller may
    read (``actor`` None: the public's, as in ``open311_public``)."""
    visible = engine.visible_clause(TICKET_WORKFLOW, actor) if actor else publicly_listed()
    query = (
        select(Event, col(Ticket.number), col(Ticket.media_url))
        .join(Ticket, col(Ticket.id) == col(Event.record_id))
        .where(
            col(Event.kind) == TICKET_WORKFLOW.name,
            col(Event.to_status).is_not(None),
            or_(col(Event.from_status).is_(None), col(Event.from_status) != Event.to_status),
            col(Event.occurred_at) >= search.start,
            col(Event.occurred_at) <= search.end,
            visible,
        )
        .order_by(col(Event.occurred_at), col(Event.id))
        .limit(MAX_REQUESTS)
    )
    updates = []
    for event, number, media_url in (await session.execute(query)).all():
        status, description = STATUSES.get(event.to_status or "", ("OPEN", "Updated"))
        updates.append(
            RequestUpdate(
                update_id=str(event.event_id),
                service_request_id=number,
                status=status,
                updated_datetime=w3c_datetime(event.occurred_at, search.zone),
                description=description,
                media_url=None if actor is None else media_url,
                external_status_code=event.to_status or "",
            )
        )
    return updates
