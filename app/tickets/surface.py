"""The ticket's record routes as data: bodies, filters, export and what the API says."""

from app.records.core_read import RowRendering
from app.records.surface import Operation, RecordSurface
from app.tickets import service
from app.tickets.export import TICKET_COLUMNS
from app.tickets.filters import TicketFilters, filter_clauses
from app.tickets.schemas import TicketCreate, TicketUpdate
from app.tickets.service import TICKETS

TICKET_SURFACE = RecordSurface(
    kind=TICKETS,
    create_body=TicketCreate,
    update_body=TicketUpdate,
    filters=TicketFilters,
    create=service.create,
    update=service.update,
    filter_clauses=filter_clauses,
    render_page=service.render_page,
    row_rendering=RowRendering(
        public_fields=service.public_fields, page_extras=service.duplicates_of
    ),
    export_columns=TICKET_COLUMNS,
    sheet_title="工单",
    create_doc=Operation(
        summary="Register a ticket",
        description="Operators register calls and messages on any channel; citizens file "
        "their own through `app` or `web`. The ticket starts `new`.",
    ),
    list_doc=Operation(
        summary="List tickets",
        description="Newest first. Handlers see their department's tickets, citizens their own.",
        problems=(400, 401, 403, 422),  # 403: the reporter's phone, to those who may not see it
    ),
    export_doc=Operation(
        summary="Export tickets",
        description="The list with the same filters, as `csv` (UTF-8 with BOM) or `xlsx`, "
        "streamed; Chinese column headers, times in the agency's zone, personal data as the "
        "caller may see it.",
    ),
    read_doc=Operation(
        summary="Read a ticket",
        description="With `allowed_actions` for the caller. Tickets the caller may not see "
        "are 404.",
    ),
    update_doc=Operation(
        summary="Edit a ticket's details",
        description="Operators correct details before dispatch. The change is audited. "
        "`status` is changed only by actions.",
    ),
)
