"""What Open311 shows without a key, and mySociety's extended attributes.

GeoReport v2 reads (``requests``, ``requests/{id}``, and mySociety's
``servicerequestupdates``) need no key in the standard. Without one the public sees:
- no report (举报) and no ticket whose reporter asked for confidentiality, ever (保护举报人:
  a report's very existence, its place and time, can identify who made it);
- the ticket's title (the hotline's summary) as the description, not the caller's own words,
  which often name people and give phone numbers (and the title itself, and every other
  text shown, with ID and phone numbers and the reporter's name removed: operators write
  "李四反映……"); the department's reply text stays with
  the partners too, since replies address the caller by name;
- the district and street without the house number, and coordinates rounded to three
  decimals (about 100 m): enough to find the pothole, not the caller's door
  (《个人信息保护法》第六条, the least data for the purpose);
- no media link: photos the caller took are not reviewed before they would go public.
A valid key shows what that client's scopes and department allow, with the full
description, address, coordinates and link; reporters' names and phones are never shown,
in the fields or in the text (masked as the API masks them for that client).
"""

import re
from typing import Any

from sqlalchemy import and_, false
from sqlmodel import col

from app.actor import Actor
from app.core.masking import Disclosure
from app.models.ticket import Ticket
from app.open311.schemas import ServiceRequest, ServiceRequestExtended
from app.tickets.service import text_at_level, text_view

PUBLIC_DECIMALS = 3
# A house number begins at the first digit, '#', or a Chinese number before 号/弄/栋/幢/座.
_HOUSE_NUMBER = re.compile(r"[0-9０-９#＃]|[一二三四五六七八九十百千零〇]+[号號弄栋棟幢座]")
REPLIED = "The department has replied"


def publicly_listed() -> Any:
    """SQL for the tickets anyone may read: no reports, no confidential reporters."""
    return and_(
        col(Ticket.type) != "report",
        col(Ticket.reporter_confidential).is_(false()),
    )


def coarse_address(district: str, address: str) -> str | None:
    """The district and the street, without the house number."""
    street = _HOUSE_NUMBER.split(address, maxsplit=1)[0].strip(" ,，-")
    if district and street.startswith(district):
        street = street[len(district) :]
    return (district + street) or None


def _text(value: str | None, ticket: Ticket) -> str | None:
    """As a protected reporter's text reads: no name, no phone or ID number."""
    return None if value is None else text_at_level(value, ticket, Disclosure.HIDDEN)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, PUBLIC_DECIMALS)


def _public(request: ServiceRequest, ticket: Ticket) -> ServiceRequest:
    notes = request.status_notes
    if ticket.reply and notes == ticket.reply:
        notes = REPLIED
    return request.model_copy(
        update={
            "description": _text(ticket.title, ticket),
            "status_notes": _text(notes, ticket),
            "address": _text(coarse_address(ticket.district, ticket.address), ticket),
            "lat": _round(ticket.lat),
            "long": _round(ticket.lon),
            "media_url": None,
        }
    )


def _partner(request: ServiceRequest, ticket: Ticket, actor: Actor) -> ServiceRequest:
    """A partner's key reads the caller's words with the reporter as the API shows them to
    that client: the phone masked, nothing of a protected reporter."""
    return request.model_copy(
        update={
            "description": text_view(request.description, ticket, actor),
            "status_notes": text_view(request.status_notes, ticket, actor),
        }
    )


def _extended_attributes(ticket: Ticket, actor: Actor | None) -> dict[str, Any]:
    """mySociety's extended attributes, as FixMyStreet's Open311 server names them."""
    public = actor is None
    return {
        "title": _text(ticket.title, ticket)
        if actor is None
        else text_view(ticket.title, ticket, actor),
        "interface_used": ticket.channel,
        "external_status_code": ticket.status,
        "agency_sent_datetime": ticket.dispatched_at.isoformat() if ticket.dispatched_at else None,
        "priority": None if public else ticket.priority,
    }


def present(
    request: ServiceRequest, ticket: Ticket, actor: Actor | None, *, extensions: bool
) -> ServiceRequest:
    """As ``actor``'s key may read it; ``None``: the public view."""
    shown = _public(request, ticket) if actor is None else _partner(request, ticket, actor)
    if not extensions:
        return shown
    return ServiceRequestExtended(
        **shown.model_dump(), extended_attributes=_extended_attributes(ticket, actor)
    )
