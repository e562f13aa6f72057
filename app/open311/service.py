"""Open311 GeoReport v2 over hotline tickets (http://wiki.open311.org/GeoReport_v2).

Active ticket categories are the services; tickets are the service requests. A request's
``service_request_id`` is the ticket number (RX20261130-00001): unique, the number a
citizen quotes to the hotline, and the same one the staff see. Requests filed here go
through ``tickets.create`` like every other ticket, so workflow and audit are the same.
Reporter name, phone and email never appear in GeoReport output: the standard's request
fields do not carry them, and tickets hold personal data.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.errors import BadRequest, NotFound
from app.models.identity import Department
from app.models.ticket import Ticket, TicketCategory
from app.open311.public import present, publicly_listed
from app.open311.schemas import (
    MEDIA_URL,
    Discovery,
    DiscoveryEndpoint,
    RequestCreated,
    RequestForm,
    Service,
    ServiceDefinition,
    ServiceRequest,
)
from app.tickets import service as tickets
from app.tickets.catalogue import list_categories
from app.tickets.schemas import Location, Reporter, TicketCreate
from app.tickets.workflow import OPEN, REPLY_CLOCK, SIGN_CLOCK, TICKET_WORKFLOW
from app.workflow import engine

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed, for the discovery document.
CHANGESET = datetime(2026, 11, 30, tzinfo=UTC)
MEDIA_TYPES = {"json": "application/json", "xml": "text/xml"}
# The standard: a date range may not span more than 90 days, and is the most recent 90
# days when not given. Our own cap: at most 1,000 requests in one answer.
SEARCH_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
TITLE_LENGTH = 40
# Before the tickets' media_url column (migration 0017) the link was appended to the
# content on a last line of its own; reading still splits it off old rows.
MEDIA_MARK = "\n\nmedia_url: "
SERVICE_NOTICE = (
    "The hotline dispatches the request to the responsible department, which must "
    f"{SIGN_CLOCK.describe}, then {REPLY_CLOCK.describe}."
)


@dataclass
class RequestSearch:
    zone: ZoneInfo  # the agency's: dates without an offset, and the answer's times
    numbers: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: set[str] = field(default_factory=set)


# --- services ---------------------------------------------------------------------------


def _as_service(category: TicketCategory, names: dict[str, str]) -> Service:
    parent = names.get(category.parent_code or "")
    group = parent or category.name
    return Service(
        service_code=category.code,
        service_name=category.name,
        description=f"{parent} / {category.name}" if parent else category.name,
        metadata=False,
        type="realtime",
        keywords=", ".join(dict.fromkeys((category.name, group, category.code))),
        group=group,
    )


async def list_services(session: AsyncSession) -> list[Service]:
    categories = await list_categories(session)
    names = {category.code: category.name for category in categories}
    return [_as_service(c, names) for c in categories if c.is_active]


async def _active_category(session: AsyncSession, code: str) -> TicketCategory | None:
    query = select(TicketCategory).where(
        col(TicketCategory.code) == code, col(TicketCategory.is_active).is_(True)
    )
    return (await session.scalars(query)).first()


async def service_definition(session: AsyncSession, service_code: str) -> ServiceDefinition:
    if await _active_category(session, service_code) is None:
        raise NotFound(f"service_code {service_code!r} is not a service of this jurisdiction")
    return ServiceDefinition(service_code=service_code, attributes=[])


def discovery(endpoint_url: str, production: bool) -> Discovery:
    return Discovery(
        changeset=CHANGESET,
        contact="The 12345 hotline's integration desk, through the city's administrators.",
        key_service="Reading needs no key (the public view); a partner agency's key shows "
        "the fuller view, and filing needs one. Keys are API clients' keys, issued by "
        "administrators (POST /api/v1/api-clients) with the scopes tickets:read and "
        "tickets:write.",
        endpoints=[
            DiscoveryEndpoint(
                specification=SPECIFICATION,
                url=endpoint_url,
                changeset=CHANGESET,
                type="production" if production else "test",
                formats=[MEDIA_TYPES["xml"], MEDIA_TYPES["json"]],
            )
        ],
    )


# --- filing a request -------------------------------------------------------------------


def _is_cjk(text: str) -> bool:
    return all(ord(char) >= 0x2E80 for char in text)


def _reporter_name(first: str | None, last: str | None) -> str | None:
    if first and last:
        # Chinese names are written family name first, with no space.
        return f"{last}{first}" if _is_cjk(first + last) else f"{first} {last}"
    return first or last or None


def _title(description: str | None, service_name: str) -> str:
    first_line = (description or "").strip().split("\n", 1)[0].strip()
    if not first_line:
        return service_name
    if len(first_line) <= TITLE_LENGTH:
        return first_line
    return first_line[: TITLE_LENGTH - 1].rstrip() + "…"


def _check_location(form: RequestForm) -> None:
    if (form.lat is None) != (form.long is None):
        raise BadRequest("lat and long are sent together")
    if form.lat is not None or form.address_string:
        return
    if form.address_id:
        raise BadRequest(
            "address_id is not known to this jurisdiction: send lat and long, or address_string"
        )
    raise BadRequest("A location is required: lat and long, or address_string")


def _ticket_create(form: RequestForm, category: TicketCategory) -> TicketCreate:
    content = form.description or category.name
    phone = re.sub(r"[\s().]", "", form.phone) if form.phone else None
    try:
        return TicketCreate(
            channel="agency",
            # GeoReport requests report a problem to be fixed: a complaint (投诉) in the
            # hotline's terms; operators re-type it before dispatch when it is not.
            type="complaint",
            category_code=category.code,
            title=_title(form.description, category.name),
            content=content,
            location=Location(address=form.address_string or "", lat=form.lat, lon=form.long),
            reporter=Reporter(
                name=_reporter_name(form.first_name, form.last_name), phone=phone or None
            ),
        )
    except ValidationError as exc:
        fields = ", ".join(str(error["loc"][-1]) for error in exc.errors())
        raise BadRequest(f"Not valid: {fields}") from None


async def file_request(
    session: AsyncSession, form: RequestForm, actor: Actor, settings: Settings
) -> RequestCreated:
    category = await _active_category(session, form.service_code)
    if category is None:
        raise BadRequest(f"service_code {form.service_code!r} is not a service here")
    _check_location(form)
    ticket = await tickets.create(
        session, _ticket_create(form, category), actor, settings=settings, media_url=form.media_url
    )
    return RequestCreated(
        service_request_id=ticket.number,
        service_notice=SERVICE_NOTICE,
        account_id=form.account_id,
    )


# --- reading requests -------------------------------------------------------------------


def _split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _aware(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone)


def request_search(
    service_request_id: str | None,
    service_code: str | None,
    start_date: datetime | None,
    end_date: datetime | None,
    status: str | None,
    now: datetime,
    zone: ZoneInfo,
) -> RequestSearch:
    numbers = _split_list(service_request_id)
    if len(numbers) > MAX_REQUESTS:
        raise BadRequest(f"At most {MAX_REQUESTS} service_request_id at once")
    if numbers:  # the standard: service_request_id overrides all other arguments
        return RequestSearch(zone, numbers=numbers)
    statuses = set(_split_list(status))
    if not statuses <= {"open", "closed"}:
        raise BadRequest("status is open, closed, or both comma-separated")
    start, end = _aware(start_date, zone), _aware(end_date, zone)
    if start is None and end is None:
        start, end = now - SEARCH_WINDOW, now
    elif start is None:
        assert end is not None
        start = end - SEARCH_WINDOW
    elif end is None:
        end = start + SEARCH_WINDOW
    if start > end:
        raise BadRequest("start_date is after end_date")
    if end - start > SEARCH_WINDOW:
        raise BadRequest(f"A date range spans at most {SEARCH_WINDOW.days} days")
    return RequestSearch(
        zone, service_codes=_split_list(service_code), start=start, end=end, statuses=statuses
    )


def _search_clauses(search: RequestSearch) -> list[Any]:
    if search.numbers:
        return [col(Ticket.number).in_(search.numbers)]
    clauses: list[Any] = [
        col(Ticket.created_at) >= search.start,
        col(Ticket.created_at) <= search.end,
    ]
    if search.service_codes:
        clauses.append(col(Ticket.category_code).in_(search.service_codes))
    if search.statuses == {"open"}:
        clauses.append(col(Ticket.status).in_(OPEN))
    elif search.statuses == {"closed"}:
        clauses.append(col(Ticket.status).not_in(OPEN))
    return clauses


def w3c_datetime(value: datetime, zone: ZoneInfo) -> datetime:
    """The agency's local time with its offset, to the second (W3C date and time)."""
    return value.astimezone(zone).replace(microsecond=0)


def _split_media(content: str) -> tuple[str, str | None]:
    description, mark, media_url = content.rpartition(MEDIA_MARK)
    if mark and re.fullmatch(MEDIA_URL, media_url):
        return description, media_url
    return content, None


def _status_notes(ticket: Ticket, numbers: dict[Any, str]) -> str | None:
    if ticket.replied_at is not None and ticket.reply:
        return ticket.reply
    if ticket.status == "merged" and ticket.duplicate_of in numbers:
        return f"A duplicate of request {numbers[ticket.duplicate_of]}"
    if ticket.status == "cancelled":
        return "Cancelled by the hotline"
    return None


async def _names(session: AsyncSession, model: Any, value: Any, ids: set[Any]) -> dict[Any, str]:
    if not ids:
        return {}
    rows = await session.execute(select(model.id, value).where(model.id.in_(ids)))
    return {row_id: name for row_id, name in rows}


async def _as_requests(
    session: AsyncSession, rows: list[Ticket], zone: ZoneInfo
) -> list[ServiceRequest]:
    services = {category.code: category.name for category in await list_categories(session)}
    agencies = await _names(
        session, Department, Department.name, {t.department_id for t in rows if t.department_id}
    )
    originals = await _names(
        session, Ticket, Ticket.number, {t.duplicate_of for t in rows if t.duplicate_of}
    )
    requests = []
    for ticket in rows:
        is_open = ticket.status in OPEN
        description, old_media_url = _split_media(ticket.content)
        address = ticket.address
        if ticket.district and not address.startswith(ticket.district):
            address = ticket.district + address
        requests.append(
            ServiceRequest(
                service_request_id=ticket.number,
                status="open" if is_open else "closed",
                status_notes=_status_notes(ticket, originals),
                service_name=services.get(ticket.category_code),
                service_code=ticket.category_code,
                description=description,
                agency_responsible=agencies.get(ticket.department_id),
                service_notice=SERVICE_NOTICE if is_open else None,
                requested_datetime=w3c_datetime(ticket.created_at, zone),
                updated_datetime=w3c_datetime(ticket.updated_at, zone),
                expected_datetime=w3c_datetime(ticket.due_at, zone)
                if is_open and ticket.due_at
                else None,
                address=address or None,
                address_id=None,
                zipcode=None,
                lat=ticket.lat,
                long=ticket.lon,
                media_url=ticket.media_url or old_media_url,
            )
        )
    return requests


async def find_requests(
    session: AsyncSession, actor: Actor | None, search: RequestSearch, extensions: bool = False
) -> list[ServiceRequest]:
    """What a partner's key may see, or without a key (``actor`` None) the public view
    (``open311_public``)."""
    visible = engine.visible_clause(TICKET_WORKFLOW, actor) if actor else publicly_listed()
    query = (
        select(Ticket)
        .where(visible, *_search_clauses(search))
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
        .limit(MAX_REQUESTS)
    )
    rows = list((await session.scalars(query)).all())
    requests = await _as_requests(session, rows, search.zone)
    return [
        present(request, ticket, actor, extensions=extensions)
        for request, ticket in zip(requests, rows, strict=True)
    ]


async def get_request(
    session: AsyncSession,
    actor: Actor | None,
    number: str,
    zone: ZoneInfo,
    extensions: bool = False,
) -> ServiceRequest:
    found = await find_requests(session, actor, RequestSearch(zone, numbers=[number]), extensions)
    if not found:
        raise NotFound(f"No service request {number!r}")
    return found[0]
