"""The case's record routes as data: bodies, filters, export and what the API says."""

from app.cases import service
from app.cases.export import CASE_COLUMNS
from app.cases.filters import CaseFilters, filter_clauses
from app.cases.schemas import CaseCreate, CaseUpdate
from app.cases.service import CASES
from app.records.core_read import RowRendering
from app.records.surface import Operation, RecordSurface

CASE_SURFACE = RecordSurface(
    kind=CASES,
    create_body=CaseCreate,
    update_body=CaseUpdate,
    filters=CaseFilters,
    create=service.create,
    update=service.update,
    filter_clauses=filter_clauses,
    render_page=service.render_page,
    row_rendering=RowRendering(
        public_fields=service.public_fields, page_extras=service.officers_of
    ),
    export_columns=CASE_COLUMNS,
    sheet_title="行政处罚案件",
    create_doc=Operation(
        summary="Register a case",
        description="Inspectors and leaders register a case for their department; it starts "
        "`registered`. Cases from hotline tickets come from the ticket's `escalate` action.",
    ),
    list_doc=Operation(
        summary="List cases",
        description="Newest first. Inspectors and leaders see their department's cases, legal "
        "reviewers those in legal review and those they reviewed, supervisors all.",
    ),
    export_doc=Operation(
        summary="Export cases",
        description="The list with the same filters, as `csv` (UTF-8 with BOM) or `xlsx`, "
        "streamed; Chinese column headers, times in the agency's zone, money as exact "
        "two-decimal text, the party masked as `GET /api/v1/cases/{id}` masks it for the "
        "caller.",
    ),
    read_doc=Operation(
        summary="Read a case",
        description="With `allowed_actions` for the caller. The party's name (of a person), "
        "identity number and phone are masked outside the owning department. Cases the "
        "caller may not see are 404.",
    ),
    update_doc=Operation(
        summary="Edit a case's details",
        description="The department's inspectors and leaders, until the investigation "
        "concludes; the violation's dates only before filing. Audited. `status` changes only "
        "by actions.",
    ),
)
