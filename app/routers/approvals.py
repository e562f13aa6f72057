"""Approval applications (行政审批): every router of the module, registered in app.main.

The application routes are built from the declaration (app/approvals/surface.py and the
workflow); the service catalogue and the statistics are the module's own."""

import uuid

from fastapi import APIRouter, Response, status
from fastapi.responses import StreamingResponse

from app.approvals import catalogue
from app.approvals import export as approval_export
from app.approvals.schemas import ServiceCreate, ServicePublic, ServiceUpdate
from app.approvals.service import APPROVALS
from app.approvals.stats import ApprovalGroup, ApprovalStats, approval_stats
from app.approvals.surface import APPROVAL_SURFACE
from app.core.versioning import set_etag
from app.deps import AdminActor, CurrentActor, IfMatch, ReplicaSessionDep, SessionDep
from app.errors import problem_responses
from app.records.exports import XLSX_TYPE, ExportFormat, table_response
from app.report_period import FromQuery, ToQuery
from app.routers.record_routes import record_router, workflow_router

router = record_router(APPROVAL_SURFACE)
services_router = APIRouter(prefix="/api/v1/approval-services", tags=["approval services"])
stats_router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])


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
    session: ReplicaSessionDep,
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
    session: ReplicaSessionDep,
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
