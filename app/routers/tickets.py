import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from app.deps import CurrentActor, IfMatch, SessionDep, SettingsDep
from app.errors import problem_responses
from app.models.base import utcnow
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, next_cursor_for
from app.records.exports import XLSX_TYPE, ExportFormat, record_rows, table_response
from app.records.queries import visible_query
from app.responses import json_response
from app.routers.record_routes import render_record, workflow_router
from app.schemas.common import IsoDateTime
from app.tickets import service as tickets
from app.tickets.export import TICKET_COLUMNS
from app.tickets.schemas import Priority, TicketCreate, TicketPublic, TicketType, TicketUpdate
from app.tickets.service import TICKETS, TicketFilters
from app.tickets.workflow import STATES, TICKET_WORKFLOW

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])
TicketStatus = Literal[STATES]  # type: ignore[valid-type]


async def ticket_filters(
    status: Annotated[TicketStatus | None, Query()] = None,
    type: TicketType | None = None,
    category_code: Annotated[str | None, Query(max_length=64)] = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    department_id: uuid.UUID | None = None,
    priority: Priority | None = None,
    is_overdue: bool | None = None,
    created_from: IsoDateTime | None = None,
    created_to: IsoDateTime | None = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Case-insensitive substring of the title, content, address or "
            "number; `%` and `_` match literally.",
        ),
    ] = None,
    reporter_phone: Annotated[
        str | None,
        Query(max_length=32, description="Exact match; operators and supervisors only."),
    ] = None,
) -> TicketFilters:
    return TicketFilters(
        status,
        type,
        category_code,
        district,
        department_id,
        priority,
        is_overdue,
        created_from,
        created_to,
        q,
        reporter_phone,
    )


Filters = Annotated[TicketFilters, Depends(ticket_filters)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TicketPublic,
    summary="Register a ticket",
    description="Operators register calls and messages on any channel; citizens file their "
    "own through `app` or `web`. The ticket starts `new`.",
    responses=problem_responses(401, 403, 409, 422),
    operation_id="tickets_create",
)
async def create_ticket(
    data: TicketCreate, session: SessionDep, actor: CurrentActor, settings: SettingsDep
) -> Response:
    ticket = await tickets.create(session, data, actor, settings=settings)
    return await render_record(TICKETS, session, ticket, actor, status.HTTP_201_CREATED)


@router.get(
    "",
    response_model=Page[TicketPublic],
    summary="List tickets",
    description="Newest first. Handlers see their department's tickets, citizens their own.",
    responses=problem_responses(400, 401, 403, 422),
    operation_id="tickets_list",
)
async def list_tickets(
    session: SessionDep,
    actor: CurrentActor,
    filters: Filters,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Response:
    rows = await tickets.list_tickets(session, actor, filters, limit, cursor)
    return json_response(
        Page(
            items=await tickets.render_page(session, rows[:limit], actor),
            next_cursor=next_cursor_for(rows, limit),
        )
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    summary="Export tickets",
    description="The list with the same filters, as `csv` (UTF-8 with BOM) or `xlsx`, "
    "streamed; Chinese column headers, times in the agency's zone, personal data as the "
    "caller may see it.",
    responses={
        200: {"content": {"text/csv": {}, XLSX_TYPE: {}}},
        **problem_responses(401, 403, 422),
    },
    operation_id="tickets_export",
)
async def export_tickets(
    request: Request,
    actor: CurrentActor,
    filters: Filters,
    format: ExportFormat = "xlsx",
) -> StreamingResponse:
    query = visible_query(TICKET_WORKFLOW, actor, tickets.filter_clauses(filters, actor, utcnow()))
    settings = request.app.state.settings
    rows = record_rows(request.app.state.sessionmaker, query, TICKET_COLUMNS, actor, settings.zone)
    return table_response(format, "工单", [c.header for c in TICKET_COLUMNS], rows)


@router.get(
    "/{record_id}",
    response_model=TicketPublic,
    summary="Read a ticket",
    description="With `allowed_actions` for the caller. Tickets the caller may not see are 404.",
    responses=problem_responses(401, 404, 422),
    operation_id="tickets_get",
)
async def read_ticket(record_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    ticket = await tickets.get(session, record_id, actor)
    return await render_record(TICKETS, session, ticket, actor)


@router.patch(
    "/{record_id}",
    response_model=TicketPublic,
    summary="Edit a ticket's details",
    description="Operators correct details before dispatch. The change is audited. "
    "`status` is changed only by actions.",
    responses=problem_responses(401, 403, 404, 412, 422),
    operation_id="tickets_update",
)
async def update_ticket(
    record_id: uuid.UUID,
    data: TicketUpdate,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> Response:
    ticket = await tickets.get(session, record_id, actor)
    await tickets.update(session, ticket, data, actor, if_match)
    return await render_record(TICKETS, session, ticket, actor)


action_router = workflow_router(TICKETS)
