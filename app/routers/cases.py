"""Enforcement cases (行政处罚案件): every router of the module, registered in app.main."""

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from app.cases import export as case_export
from app.cases import service as cases
from app.cases.schemas import CaseCreate, CasePublic, CaseUpdate, Source
from app.cases.service import CASES, CaseFilters
from app.cases.stats import CaseGroup, CaseStats, case_stats
from app.cases.workflow import CASE_WORKFLOW, STATES
from app.deps import CurrentActor, IfMatch, SessionDep, SettingsDep
from app.errors import problem_responses
from app.models.base import utcnow
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, next_cursor_for
from app.records.exports import XLSX_TYPE, ExportFormat, record_rows, table_response
from app.records.queries import visible_query
from app.report_period import FromQuery, ToQuery
from app.responses import json_response
from app.routers.record_routes import render_record, workflow_router
from app.schemas.common import AsciiDecimal, IsoDateTime

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
stats_router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])
CaseStatus = Literal[STATES]  # type: ignore[valid-type]
YuanQuery = Annotated[
    Decimal | None,
    AsciiDecimal,
    Query(ge=0, max_digits=12, decimal_places=2, description="Yuan, e.g. 200.00"),
]


async def case_filters(
    status: Annotated[CaseStatus | None, Query()] = None,
    source: Source | None = None,
    category_code: Annotated[str | None, Query(max_length=64)] = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    department_id: uuid.UUID | None = None,
    is_overdue: bool | None = None,
    created_from: IsoDateTime | None = None,
    created_to: IsoDateTime | None = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Case-insensitive substring of the title, number, address or "
            "decision number; `%` and `_` match literally.",
        ),
    ] = None,
    officer_id: Annotated[
        uuid.UUID | None, Query(description="Cases this officer handles.")
    ] = None,
    fine_min: Annotated[YuanQuery, Query(description="Decided fine at least this.")] = None,
    fine_max: Annotated[YuanQuery, Query(description="Decided fine at most this.")] = None,
    party_id_number: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Exact match; finds only cases whose party the caller sees in full.",
        ),
    ] = None,
) -> CaseFilters:
    return CaseFilters(
        status,
        source,
        category_code,
        district,
        department_id,
        is_overdue,
        created_from,
        created_to,
        q,
        officer_id,
        fine_min,
        fine_max,
        party_id_number,
    )


Filters = Annotated[CaseFilters, Depends(case_filters)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CasePublic,
    summary="Register a case",
    description="Inspectors and leaders register a case for their department; it starts "
    "`registered`. Cases from hotline tickets come from the ticket's `escalate` action.",
    responses=problem_responses(401, 403, 409, 422),
    operation_id="cases_create",
)
async def create_case(
    data: CaseCreate, session: SessionDep, actor: CurrentActor, settings: SettingsDep
) -> Response:
    case = await cases.create(session, data, actor, settings)
    return await render_record(CASES, session, case, actor, status.HTTP_201_CREATED)


@router.get(
    "",
    response_model=Page[CasePublic],
    summary="List cases",
    description="Newest first. Inspectors and leaders see their department's cases, legal "
    "reviewers those in legal review and those they reviewed, supervisors all.",
    responses=problem_responses(400, 401, 422),
    operation_id="cases_list",
)
async def list_cases(
    session: SessionDep,
    actor: CurrentActor,
    filters: Filters,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Response:
    rows = await cases.list_cases(session, actor, filters, limit, cursor)
    return json_response(
        Page(
            items=[await cases.render(session, row, actor) for row in rows[:limit]],
            next_cursor=next_cursor_for(rows, limit),
        )
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    summary="Export cases",
    description="The list with the same filters, as `csv` (UTF-8 with BOM) or `xlsx`, "
    "streamed; Chinese column headers, times in the agency's zone, money as exact "
    "two-decimal text, the party masked as `GET /api/v1/cases/{id}` masks it for the caller.",
    responses={
        200: {"content": {"text/csv": {}, XLSX_TYPE: {}}},
        **problem_responses(401, 403, 422),
    },
    operation_id="cases_export",
)
async def export_cases(
    request: Request,
    actor: CurrentActor,
    filters: Filters,
    format: ExportFormat = "xlsx",
) -> StreamingResponse:
    query = visible_query(CASE_WORKFLOW, actor, cases.filter_clauses(filters, actor, utcnow()))
    columns = case_export.CASE_COLUMNS
    zone = request.app.state.settings.zone
    rows = record_rows(request.app.state.sessionmaker, query, columns, actor, zone)
    return table_response(format, "行政处罚案件", [c.header for c in columns], rows)


@router.get(
    "/{record_id}",
    response_model=CasePublic,
    summary="Read a case",
    description="With `allowed_actions` for the caller. The party's name (of a person), "
    "identity number and phone are masked outside the owning department. Cases the caller "
    "may not see are 404.",
    responses=problem_responses(401, 404, 422),
    operation_id="cases_get",
)
async def read_case(record_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    case = await cases.get(session, record_id, actor)
    return await render_record(CASES, session, case, actor)


@router.patch(
    "/{record_id}",
    response_model=CasePublic,
    summary="Edit a case's details",
    description="The department's inspectors and leaders, until the investigation concludes; "
    "the violation's dates only before filing. Audited. `status` changes only by actions.",
    responses=problem_responses(401, 403, 404, 412, 422),
    operation_id="cases_update",
)
async def update_case(
    record_id: uuid.UUID,
    data: CaseUpdate,
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    case = await cases.get(session, record_id, actor)
    await cases.update(session, case, data, actor, if_match, settings)
    return await render_record(CASES, session, case, actor)


@stats_router.get(
    "/cases",
    response_model=CaseStats,
    summary="Case statistics",
    description="Per group: cases registered, filed, decided on the spot, dismissed, open, "
    "decided (with penalties by kind), decided without penalty, fines decided and collected "
    "(yuan, two-decimal strings), hearings, court enforcement, transfers to the police and "
    "judicial organs, measures taken, overdue, decided late and revoked. Over the cases the "
    "caller sees, registered in [`from`, `to`).",
    responses=problem_responses(401, 422),
    operation_id="stats_cases",
)
async def cases_stats(
    session: SessionDep,
    actor: CurrentActor,
    group_by: CaseGroup = "category",
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> CaseStats:
    return await case_stats(session, actor, group_by, date_from, date_to)


@stats_router.get(
    "/cases/export",
    response_class=StreamingResponse,
    summary="Case statistics as a spreadsheet",
    description="The table of `GET /api/v1/stats/cases` with Chinese headers, one column per "
    "kind of penalty, money in yuan as exact two-decimal text.",
    responses={200: {"content": {XLSX_TYPE: {}, "text/csv": {}}}, **problem_responses(401, 422)},
    operation_id="stats_cases_export",
)
async def cases_stats_export(
    session: SessionDep,
    actor: CurrentActor,
    group_by: CaseGroup = "category",
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    format: ExportFormat = "xlsx",
) -> StreamingResponse:
    stats = await case_stats(session, actor, group_by, date_from, date_to)
    rows = case_export.stats_rows(stats)
    return table_response(format, "行政处罚统计", case_export.STATS_HEADERS, rows)


routers: list[APIRouter] = [router, workflow_router(CASES), stats_router]
