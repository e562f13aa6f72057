"""Approval applications (行政审批): every router of the module, registered in app.main."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from app.approvals import catalogue
from app.approvals import export as approval_export
from app.approvals import service as approvals
from app.approvals.schemas import (
    ApprovalCreate,
    ApprovalPublic,
    ApprovalUpdate,
    Channel,
    Code,
    ServiceCreate,
    ServicePublic,
    ServiceUpdate,
)
from app.approvals.service import APPROVALS, ApprovalFilters
from app.approvals.stats import ApprovalGroup, ApprovalStats, approval_stats
from app.approvals.workflow import APPROVAL_WORKFLOW, STATES
from app.core.versioning import set_etag
from app.deps import AdminActor, CurrentActor, IfMatch, SessionDep, SettingsDep
from app.errors import problem_responses
from app.models.base import utcnow
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, next_cursor_for
from app.records.exports import XLSX_TYPE, ExportFormat, record_rows, table_response
from app.records.queries import visible_query
from app.report_period import FromQuery, ToQuery
from app.responses import json_response
from app.routers.record_routes import render_record, workflow_router
from app.schemas.common import IsoDateTime

router = APIRouter(prefix="/api/v1/approvals", tags=["approvals"])
services_router = APIRouter(prefix="/api/v1/approval-services", tags=["approval services"])
stats_router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])
ApprovalStatus = Literal[STATES]  # type: ignore[valid-type]


async def approval_filters(
    status: Annotated[ApprovalStatus | None, Query()] = None,
    service_code: Annotated[Code | None, Query()] = None,
    department_id: uuid.UUID | None = None,
    is_overdue: bool | None = None,
    channel: Channel | None = None,
    green_channel: bool | None = None,
    created_from: IsoDateTime | None = None,
    created_to: IsoDateTime | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> ApprovalFilters:
    return ApprovalFilters(
        status,
        service_code,
        department_id,
        is_overdue,
        channel,
        green_channel,
        created_from,
        created_to,
        q,
    )


Filters = Annotated[ApprovalFilters, Depends(approval_filters)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApprovalPublic,
    summary="Apply, or register an application",
    description="Applicants (`citizen`) apply `online`; clerks register `counter` and "
    "`door_to_door` applications for their department's services, and may grant the green "
    "channel. The application starts `submitted` with a 5-working-day acceptance deadline.",
    responses=problem_responses(401, 403, 409, 422),
    operation_id="approvals_create",
)
async def create_approval(
    data: ApprovalCreate, session: SessionDep, actor: CurrentActor, settings: SettingsDep
) -> Response:
    application = await approvals.create(session, data, actor, settings)
    return await render_record(APPROVALS, session, application, actor, status.HTTP_201_CREATED)


@router.get(
    "",
    response_model=Page[ApprovalPublic],
    summary="List applications",
    description="Newest first. Staff see their department's applications, applicants their "
    "own. `q` searches number, title, applicant name and licence number.",
    responses=problem_responses(400, 401, 422),
    operation_id="approvals_list",
)
async def list_approvals(
    session: SessionDep,
    actor: CurrentActor,
    filters: Filters,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Response:
    rows = await approvals.list_approvals(session, actor, filters, limit, cursor)
    return json_response(
        Page(
            items=[await approvals.render(session, row, actor) for row in rows[:limit]],
            next_cursor=next_cursor_for(rows, limit),
        )
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    summary="Export applications",
    description="The list with the same filters, as `csv` (UTF-8 with BOM) or `xlsx`, "
    "streamed; Chinese column headers, times in the agency's zone, the applicant's ID number "
    "and phone masked as `GET /api/v1/approvals/{id}` masks them for the caller.",
    responses={
        200: {"content": {"text/csv": {}, XLSX_TYPE: {}}},
        **problem_responses(401, 403, 422),
    },
    operation_id="approvals_export",
)
async def export_approvals(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    filters: Filters,
    format: ExportFormat = "xlsx",
) -> StreamingResponse:
    columns = approval_export.approval_columns(await approval_export.service_names(session))
    query = visible_query(APPROVAL_WORKFLOW, actor, approvals.filter_clauses(filters, utcnow()))
    zone = request.app.state.settings.zone
    rows = record_rows(request.app.state.sessionmaker, query, columns, actor, zone)
    return table_response(format, "行政审批", [c.header for c in columns], rows)


@router.get(
    "/{record_id}",
    response_model=ApprovalPublic,
    summary="Read an application",
    description="With `allowed_actions` for the caller; ID number and phone are masked for "
    "anyone but the owning department's staff, supervisors and the applicant. "
    "Applications the caller may not see are 404.",
    responses=problem_responses(401, 404, 422),
    operation_id="approvals_get",
)
async def read_approval(record_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> Response:
    application = await approvals.get(session, record_id, actor)
    return await render_record(APPROVALS, session, application, actor)


@router.patch(
    "/{record_id}",
    response_model=ApprovalPublic,
    summary="Edit an application's details",
    description="The applicant or the department's clerks correct the title and contact "
    "details before acceptance; materials change only by `resubmit`. Audited.",
    responses=problem_responses(401, 403, 404, 412, 422),
    operation_id="approvals_update",
)
async def update_approval(
    record_id: uuid.UUID,
    data: ApprovalUpdate,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatch = None,
) -> Response:
    application = await approvals.get(session, record_id, actor)
    await approvals.update(session, application, data, actor, if_match)
    return await render_record(APPROVALS, session, application, actor)


@services_router.get(
    "",
    response_model=list[ServicePublic],
    summary="List approval services",
    description="The catalogue (事项清单), ordered by code: time limits in working days, "
    "materials, fee. `is_active` filters.",
    responses=problem_responses(401, 422),
    operation_id="approval_services_list",
)
async def list_services(
    session: SessionDep, _: CurrentActor, is_active: bool | None = None
) -> list[ServicePublic]:
    return [
        ServicePublic.model_validate(s, from_attributes=True)
        for s in await catalogue.list_services(session, is_active)
    ]


@services_router.get(
    "/{service_id}",
    response_model=ServicePublic,
    summary="Read an approval service",
    description="One service of the catalogue, with its `ETag` for a later change.",
    responses=problem_responses(401, 404, 422),
    operation_id="approval_services_get",
)
async def read_service(
    service_id: uuid.UUID, session: SessionDep, _: CurrentActor, response: Response
) -> ServicePublic:
    service = await catalogue.get_service(session, service_id)
    set_etag(response, service.version)
    return ServicePublic.model_validate(service, from_attributes=True)


@services_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ServicePublic,
    summary="Add an approval service",
    description="Admin only. The committed limit (承诺时限) is at most the legal one (法定时限).",
    responses=problem_responses(401, 403, 409, 422),
    operation_id="approval_services_create",
)
async def create_service(
    data: ServiceCreate, session: SessionDep, _: AdminActor, response: Response
) -> ServicePublic:
    service = await catalogue.create_service(session, data)
    set_etag(response, service.version)
    return ServicePublic.model_validate(service, from_attributes=True)


@services_router.patch(
    "/{service_id}",
    response_model=ServicePublic,
    summary="Change an approval service",
    description="Admin only; the code cannot change. Applications already made keep the "
    "limits and materials in force when they were made. `If-Match` refuses a stale write.",
    responses=problem_responses(401, 403, 404, 412, 422),
    operation_id="approval_services_update",
)
async def update_service(
    service_id: uuid.UUID,
    data: ServiceUpdate,
    session: SessionDep,
    _: AdminActor,
    response: Response,
    if_match: IfMatch = None,
) -> ServicePublic:
    service = await catalogue.get_service(session, service_id)
    await catalogue.update_service(session, service, data, if_match)
    set_etag(response, service.version)
    return ServicePublic.model_validate(service, from_attributes=True)


@stats_router.get(
    "/approvals",
    response_model=ApprovalStats,
    summary="Approval statistics",
    description="Per service, department or channel, over the applications the caller sees "
    "received in [`from`, `to`): received, accepted (deemed included), approved, rejected, "
    "not accepted, withdrawn, in progress, overdue, the average working days from acceptance "
    "to decision against the committed limit, and the share decided on the spot.",
    responses=problem_responses(401, 422),
    operation_id="stats_approvals",
)
async def approvals_stats(
    session: SessionDep,
    actor: CurrentActor,
    group_by: ApprovalGroup = "service",
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> ApprovalStats:
    return await approval_stats(session, actor, group_by, date_from, date_to)


@stats_router.get(
    "/approvals/export",
    response_class=StreamingResponse,
    summary="Approval statistics as a spreadsheet",
    description="The table of `GET /api/v1/stats/approvals` with Chinese headers, services "
    "and channels by name, ready to paste into a report.",
    responses={200: {"content": {XLSX_TYPE: {}, "text/csv": {}}}, **problem_responses(401, 422)},
    operation_id="stats_approvals_export",
)
async def approvals_stats_export(
    session: SessionDep,
    actor: CurrentActor,
    group_by: ApprovalGroup = "service",
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    format: ExportFormat = "xlsx",
) -> StreamingResponse:
    stats = await approval_stats(session, actor, group_by, date_from, date_to)
    names = await approval_export.service_names(session)
    rows = approval_export.stats_rows(stats, names)
    return table_response(format, "行政审批统计", approval_export.STATS_HEADERS, rows)


routers: list[APIRouter] = [router, workflow_router(APPROVALS), services_router, stats_router]
