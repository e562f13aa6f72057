"""The ticket list's filters: the query parameters of the list and the export, and the
clauses they become."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlmodel import col

from app.actor import Actor
from app.core.masking import refuse_personal_search
from app.models.ticket import Ticket
from app.records.queries import common_filters
from app.schemas.common import IsoDateTime
from app.tickets.schemas import Priority, TicketType
from app.tickets.service import FULL_VIEW_ROLES
from app.tickets.workflow import STATES

TicketStatus = Literal[STATES]  # type: ignore[valid-type]


@dataclass(frozen=True, kw_only=True)
class TicketFilters:
    """The list's and the export's query parameters, in the order the API documents them."""

    status: TicketStatus | None = None
    type: TicketType | None = None
    category_code: Annotated[str | None, Field(max_length=64)] = None
    district: Annotated[str | None, Field(max_length=100)] = None
    department_id: uuid.UUID | None = None
    priority: Priority | None = None
    is_overdue: bool | None = None
    created_from: IsoDateTime | None = None
    created_to: IsoDateTime | None = None
    q: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=100,
            description="Case-insensitive substring of the title, content, address or "
            "number; `%` and `_` match literally.",
        ),
    ] = None
    reporter_phone: Annotated[
        str | None,
        Field(max_length=32, description="Exact match; operators and supervisors only."),
    ] = None


def filter_clauses(filters: TicketFilters, actor: Actor, now: datetime) -> list[Any]:
    if filters.reporter_phone is not None:
        refuse_personal_search(actor, actor.has_any(*FULL_VIEW_ROLES), "the reporter's phone")
    return common_filters(
        Ticket,
        now,
        equal={
            col(Ticket.status): filters.status,
            col(Ticket.type): filters.type,
            col(Ticket.category_code): filters.category_code,
            col(Ticket.district): filters.district,
            col(Ticket.department_id): filters.department_id,
            col(Ticket.priority): filters.priority,
            col(Ticket.reporter_phone): filters.reporter_phone,
        },
        is_overdue=filters.is_overdue,
        created_from=filters.created_from,
        created_to=filters.created_to,
        keyword=filters.q,
        keyword_columns=[
            col(Ticket.title),
            col(Ticket.content),
            col(Ticket.address),
            col(Ticket.number),
        ],
    )
