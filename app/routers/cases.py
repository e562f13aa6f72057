"""Enforcement cases (行政处罚案件): every router of the module, registered in app.main.

The case routes are built from the declaration (app/cases/surface.py and the workflow);
the statistics are the module's own."""

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.cases import export as case_export
from app.cases.service import CASES
from app.cases.stats import CaseGroup, CaseStats, case_stats
from app.cases.surface import CASE_SURFACE
from app.deps import CurrentActor, ReplicaSessionDep
from app.errors import problem_responses
from app.records.exports import XLSX_TYPE, ExportFormat, table_response
from app.report_period import FromQuery, ToQuery
from app.routers.record_routes import record_router, workflow_router

router = record_router(CASE_SURFACE)
stats_router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])


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
    session: ReplicaSessionDep,
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
    session: ReplicaSessionDep,
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
