from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import CurrentActor, SessionDep
from app.errors import problem_responses
from app.services.ticket_stats import TicketGroup, TicketStats, ticket_stats

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])
FromQuery = Annotated[datetime | None, Query(alias="from", description="Created at or after.")]
ToQuery = Annotated[datetime | None, Query(alias="to", description="Created before.")]


@router.get(
    "/tickets",
    response_model=TicketStats,
    summary="Ticket statistics",
    description="Per group: received, closed, open, overdue, on-time closure rate (按时办结率), "
    "satisfaction rate (满意率: satisfied and basically satisfied over rated), average "
    "handling hours; and the 721 split of resolution modes. Over the tickets the caller sees.",
    responses=problem_responses(401, 422),
    operation_id="stats_tickets",
)
async def tickets_stats(
    session: SessionDep,
    actor: CurrentActor,
    group_by: TicketGroup = "category",
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> TicketStats:
    return await ticket_stats(session, actor, group_by, date_from, date_to)
