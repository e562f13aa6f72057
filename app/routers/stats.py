from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.deps import CurrentActor, ReplicaSessionDep, SettingsDep
from app.errors import problem_responses
from app.records.exports import XLSX_TYPE, ExportFormat, table_response
from app.report_period import FromQuery, ToQuery
from app.tickets.stats import TicketGroup, TicketStats, ticket_stats

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])


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
    session: ReplicaSessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    group_by: TicketGroup = "category",
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> TicketStats:
    return await ticket_stats(session, actor, group_by, date_from, date_to, settings)


TICKET_STATS_HEADERS = [
    "分组", "受理量", "办结量", "在办量", "超期量", "按时办结率", "满意率", "平均办理时长(小时)",
]  # fmt: skip


@router.get(
    "/tickets/export",
    response_class=StreamingResponse,
    summary="Ticket statistics as a spreadsheet",
    description="The table of `GET /api/v1/stats/tickets`, ready to paste into a report, "
    "followed by the 721 split.",
    responses={200: {"content": {XLSX_TYPE: {}, "text/csv": {}}}, **problem_responses(401, 422)},
    operation_id="stats_tickets_export",
)
async def tickets_stats_export(
    session: ReplicaSessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    group_by: TicketGroup = "category",
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    format: ExportFormat = "xlsx",
) -> StreamingResponse:
    stats = await ticket_stats(session, actor, group_by, date_from, date_to, settings)
    rows: list[list[Any]] = [
        [
            row.group,
            row.received,
            row.closed,
            row.open,
            row.overdue,
            row.on_time_closure_rate,
            row.satisfaction_rate,
            row.average_handling_hours,
        ]
        for row in stats.rows
    ]
    rows += [[f"处置方式:{mode}", count] for mode, count in stats.resolution_modes.items()]
    return table_response(format, "工单统计", TICKET_STATS_HEADERS, rows)
