"""The application's record routes as data: bodies, filters, export and what the API says."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import service
from app.approvals.export import approval_columns, service_names
from app.approvals.filters import ApprovalFilters, filter_clauses
from app.approvals.schemas import ApprovalCreate, ApprovalUpdate
from app.approvals.service import APPROVALS
from app.records.core_read import RowRendering
from app.records.exports import Column
from app.records.surface import Operation, RecordSurface


async def _columns(session: AsyncSession) -> Sequence[Column]:
    """The service column shows the catalogue's names, read once per export."""
    return approval_columns(await service_names(session))


APPROVAL_SURFACE = RecordSurface(
    kind=APPROVALS,
    create_body=ApprovalCreate,
    update_body=ApprovalUpdate,
    filters=ApprovalFilters,
    create=service.create,
    update=service.update,
    filter_clauses=filter_clauses,
    render_page=service.render_page,
    row_rendering=RowRendering(public_fields=service.public_fields),
    export_columns=_columns,
    sheet_title="行政审批",
    create_doc=Operation(
        summary="Apply, or register an application",
        description="Applicants (`citizen`) apply `online`; clerks register `counter` and "
        "`door_to_door` applications for their department's services, and may grant the green "
        "channel. The application starts `submitted` with a 5-working-day acceptance deadline.",
    ),
    list_doc=Operation(
        summary="List applications",
        description="Newest first. Staff see their department's applications, applicants "
        "their own. `q` searches number, title, applicant name and licence number.",
    ),
    export_doc=Operation(
        summary="Export applications",
        description="The list with the same filters, as `csv` (UTF-8 with BOM) or `xlsx`, "
        "streamed; Chinese column headers, times in the agency's zone, the applicant's ID "
        "number and phone masked as `GET /api/v1/approvals/{id}` masks them for the caller.",
    ),
    read_doc=Operation(
        summary="Read an application",
        description="With `allowed_actions` for the caller; ID number and phone are masked for "
        "anyone but the owning department's staff, supervisors and the applicant. "
        "Applications the caller may not see are 404.",
    ),
    update_doc=Operation(
        summary="Edit an application's details",
        description="The applicant or the department's clerks correct the title and contact "
        "details before acceptance; materials change only by `resubmit`. Audited.",
    ),
)
