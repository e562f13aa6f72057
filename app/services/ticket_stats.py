"""Ticket statistics: received, closed, overdue, on-time and satisfaction rates, 721 split."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.models.base import utcnow
from app.models.ticket import Ticket
from app.services.record_queries import overdue_clause
from app.services.stats_sql import average, count_if, grouped_counts, rate, seconds_between
from app.workflows.ticket import OPEN, TICKET_WORKFLOW

TicketGroup = Literal["category", "district", "department", "type", "channel"]
GROUP_COLUMNS: dict[str, Any] = {
    "category": Ticket.category_code,
    "district": Ticket.district,
    "department": Ticket.department_id,
    "type": Ticket.type,
    "channel": Ticket.channel,
}
RATED = ("satisfied", "basically_satisfied", "unsatisfied")
MODES = ("service", "management", "enforcement")


class TicketStatsRow(BaseModel):
    group: str | None
    received: int
    closed: int
    open: int
    overdue: int
    on_time_closure_rate: float | None
    satisfaction_rate: float | None
    average_handling_hours: float | None


class TicketStats(BaseModel):
    group_by: str
    date_from: datetime | None
    date_to: datetime | None
    rows: list[TicketStatsRow]
    resolution_modes: dict[str, int]


async def ticket_stats(
    session: AsyncSession,
    actor: Actor,
    group_by: TicketGroup,
    date_from: datetime | None,
    date_to: datetime | None,
) -> TicketStats:
    now = utcnow()
    dialect = session.get_bind().dialect.name
    group = GROUP_COLUMNS[group_by]
    closed = col(Ticket.status) == "closed"
    query = grouped_counts(
        TICKET_WORKFLOW,
        actor,
        group,
        date_from,
        date_to,
        count_if(col(Ticket.id).isnot(None)).label("received"),
        count_if(closed).label("closed"),
        count_if(col(Ticket.status).in_(OPEN)).label("open"),
        count_if(overdue_clause(Ticket, now)).label("overdue"),
        count_if(and_(closed, col(Ticket.is_overdue).is_(False))).label("closed_on_time"),
        count_if(col(Ticket.satisfaction).in_(RATED)).label("rated"),
        count_if(col(Ticket.satisfaction).in_(RATED[:2])).label("satisfied"),
        average(seconds_between(dialect, Ticket.created_at, Ticket.closed_at)).label(
            "handling_seconds"
        ),
        # The 721 split in the same scan, summed over the groups below.
        *(count_if(col(Ticket.resolution_mode) == mode).label(mode) for mode in MODES),
    )
    rows = []
    resolution_modes = dict.fromkeys(MODES, 0)
    for row in (await session.execute(query)).all():
        for mode in MODES:
            resolution_modes[mode] += getattr(row, mode)
        rows.append(
            TicketStatsRow(
                group=None if row.group is None else str(row.group),
                received=row.received,
                closed=row.closed,
                open=row.open,
                overdue=row.overdue,
                on_time_closure_rate=rate(row.closed_on_time, row.closed),
                satisfaction_rate=rate(row.satisfied, row.rated),
                average_handling_hours=(
                    round(row.handling_seconds / 3600, 2) if row.handling_seconds else None
                ),
            )
        )
    return TicketStats(
        group_by=group_by,
        date_from=date_from,
        date_to=date_to,
        rows=rows,
        resolution_modes=resolution_modes,
    )
