"""The department scorecard (部门考评) per quarter: thin routes over ``app/oversight``."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import StreamingResponse

from app.deps import AdminActor, CurrentActor, NowDep, SessionDep, SettingsDep
from app.errors import problem_responses
from app.oversight import scorecards
from app.oversight.exports import scorecard_table
from app.oversight.scorecard_schemas import (
    ScorecardRunPublic,
    ScorecardScheme,
    ScorecardSchemePublic,
)
from app.records.exports import XLSX_TYPE, ExportFormat

# Mounted by ``app.routers.oversight`` under its /api/v1.
router = APIRouter(prefix="/scorecards", tags=["oversight"])

QuarterPath = Annotated[str, Path(max_length=7, description="A quarter: `2026-Q3`.")]


@router.put(
    "/scheme",
    response_model=ScorecardSchemePublic,
    summary="Set the department scorecard's scheme",
    description="Admin only. The departments scored and the items: each a measure of "
    "govflow's own figures (on-time rates, satisfaction, reopened tickets, bad ratings "
    "rectified, decisions disclosed on time) with its maximum score, and optionally a "
    "target with points off per percentage point short. Each change is a new version.",
    responses=problem_responses(401, 403, 409, 422),
    operation_id="scorecards_set_scheme",
)
async def set_scheme(
    data: ScorecardScheme, session: SessionDep, actor: AdminActor
) -> ScorecardSchemePublic:
    return await scorecards.set_scheme(session, actor, data)


@router.get(
    "/scheme",
    response_model=ScorecardSchemePublic,
    summary="The department scorecard's scheme",
    description="The scheme in force, with its version.",
    responses=problem_responses(401, 404),
    operation_id="scorecards_get_scheme",
)
async def read_scheme(session: SessionDep, _: CurrentActor) -> ScorecardSchemePublic:
    return await scorecards.get_scheme(session)


@router.post(
    "/{quarter}/compute",
    response_model=ScorecardRunPublic,
    summary="Compute a quarter's department scorecard",
    description="Supervising office only. Each department's figures for the quarter are "
    "counted by the database; each item's share, the points it earned and every deduction "
    "are explained line by line. Items a department had nothing to count for are left out "
    "and the rest scaled to the scheme's maximum. Each run is kept.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="scorecards_compute",
)
async def compute(
    quarter: QuarterPath,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentActor,
    now: NowDep,
) -> ScorecardRunPublic:
    return await scorecards.compute(session, actor, quarter, settings.zone, now)


@router.get(
    "/{quarter}/ranking",
    response_model=ScorecardRunPublic,
    summary="A quarter's department ranking",
    description="The latest run of the quarter: the supervising office sees every "
    "department, a department's staff its own line.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="scorecards_ranking",
)
async def ranking(
    quarter: QuarterPath, session: SessionDep, actor: CurrentActor
) -> ScorecardRunPublic:
    return await scorecards.ranking(session, actor, quarter)


@router.get(
    "/{quarter}/export",
    summary="Export a quarter's department ranking",
    description="Rank, department, each item's measured share and points, and the total.",
    response_class=StreamingResponse,
    responses={
        200: {"content": {XLSX_TYPE: {}, "text/csv": {}}},
        **problem_responses(401, 403, 404, 422),
    },
    operation_id="scorecards_export",
)
async def export(
    quarter: QuarterPath,
    session: SessionDep,
    actor: CurrentActor,
    format: ExportFormat = "xlsx",
) -> StreamingResponse:
    return scorecard_table(format, await scorecards.ranking(session, actor, quarter))
