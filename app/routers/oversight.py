"""Monthly reports (月报) and scored quarterly assessments (考评): thin routes over
``app/oversight``."""

from typing import Annotated

from fastapi import APIRouter, Path, status
from fastapi.responses import StreamingResponse

from app.deps import AdminActor, CurrentActor, NowDep, SessionDep, SettingsDep
from app.errors import problem_responses
from app.oversight import assessments, reports
from app.oversight.assessment_schemas import (
    AdjustmentCreate,
    AssessmentRunPublic,
    AssessmentScheme,
    FindingCreate,
    FindingPublic,
    SchemePublic,
)
from app.oversight.exports import ranking_table
from app.oversight.report_schemas import (
    PeriodProgress,
    ProgrammeCreate,
    ProgrammePublic,
    SubmissionCreate,
    SubmissionPublic,
)
from app.pagination import Page
from app.records.exports import XLSX_TYPE, ExportFormat
from app.routers import scorecards

router = APIRouter(prefix="/api/v1", tags=["oversight"])

ProgrammeCode = Annotated[
    str, Path(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$", description="The programme's code.")
]
MonthPath = Annotated[str, Path(max_length=7, description="A month: `2026-08`.")]
AssessmentPeriod = Annotated[
    str, Path(max_length=7, description="A quarter (`2026-Q3`) or a year (`2026`).")
]


@router.post(
    "/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgrammePublic,
    summary="Create a reporting programme",
    description="Admin only. The items every unit reports each month (cumulative for the "
    "year, with the year's target and the schedule of shares due by month, 时序进度), the "
    "units (departments) that report, and the due day of the next month.",
    responses=problem_responses(401, 403, 409, 422),
    operation_id="reports_create_programme",
)
async def create_programme(
    data: ProgrammeCreate, session: SessionDep, _: AdminActor
) -> ProgrammePublic:
    return reports.programme_public(await reports.create_programme(session, data))


@router.get(
    "/reports/{programme}",
    response_model=ProgrammePublic,
    summary="Read a reporting programme",
    description="Its items, targets, schedule, units and due day.",
    responses=problem_responses(401, 404, 422),
    operation_id="reports_get_programme",
)
async def read_programme(
    programme: ProgrammeCode, session: SessionDep, _: CurrentActor
) -> ProgrammePublic:
    return reports.programme_public(await reports.get_programme(session, programme))


@router.post(
    "/reports/{programme}/{period}/submissions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmissionPublic,
    summary="Submit a month's figures",
    description="By a reporting unit's staff. A later submission for the same month "
    "corrects the earlier one (`supersedes_id`); both are kept with their times. "
    "`is_late` compares the first submission with the due day.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="reports_submit",
)
async def submit(
    programme: ProgrammeCode,
    period: MonthPath,
    data: SubmissionCreate,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentActor,
    now: NowDep,
) -> SubmissionPublic:
    found = await reports.get_programme(session, programme)
    submission = await reports.submit(session, settings, actor, found, period, data, now)
    return reports.submission_public(found, submission, current=True)


@router.get(
    "/reports/{programme}/{period}/submissions",
    response_model=Page[SubmissionPublic],
    summary="A month's submissions",
    description="Every submission of the month, corrections included, oldest first: the "
    "supervising office sees all units, a unit its own.",
    responses=problem_responses(401, 404, 422),
    operation_id="reports_list_submissions",
)
async def list_submissions(
    programme: ProgrammeCode, period: MonthPath, session: SessionDep, actor: CurrentActor
) -> Page[SubmissionPublic]:
    found = await reports.get_programme(session, programme)
    return Page(items=await reports.list_submissions(session, actor, found, period))


@router.get(
    "/reports/{programme}/{period}/progress",
    response_model=PeriodProgress,
    summary="Who has reported, and progress against the schedule",
    description="Supervising office only: units missing or late, and per unit and item the "
    "completed share against the share due (时序进度).",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="reports_progress",
)
async def progress(
    programme: ProgrammeCode,
    period: MonthPath,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentActor,
    now: NowDep,
) -> PeriodProgress:
    found = await reports.get_programme(session, programme)
    return await reports.progress(session, settings, actor, found, period, now)


@router.put(
    "/assessments/{programme}/scheme",
    response_model=SchemePublic,
    summary="Set a programme's assessment scheme",
    description="Admin only. Items with maximum scores and their rules, the total's cap, "
    "bonus and false-report rules, and the year-end formula's weights. Each change is a "
    "new version; runs record the version they used.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="assessments_set_scheme",
)
async def set_scheme(
    programme: ProgrammeCode, data: AssessmentScheme, session: SessionDep, actor: AdminActor
) -> SchemePublic:
    found = await reports.get_programme(session, programme)
    return await assessments.set_scheme(session, actor, found, data)


@router.get(
    "/assessments/{programme}/scheme",
    response_model=SchemePublic,
    summary="A programme's assessment scheme",
    description="The scheme in force, with its version.",
    responses=problem_responses(401, 404, 422),
    operation_id="assessments_get_scheme",
)
async def read_scheme(
    programme: ProgrammeCode, session: SessionDep, _: CurrentActor
) -> SchemePublic:
    return await assessments.get_scheme(session, await reports.get_programme(session, programme))


@router.post(
    "/assessments/{programme}/{period}/findings",
    status_code=status.HTTP_201_CREATED,
    response_model=FindingPublic,
    summary="Record an inspection finding, a bonus item or a false report",
    description="Supervising office only. A `deduction` names the scheme item it lowers; "
    "`false_report` costs up to the scheme's maximum penalty and the quarter's bonus.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="assessments_add_finding",
)
async def add_finding(
    programme: ProgrammeCode,
    period: AssessmentPeriod,
    data: FindingCreate,
    session: SessionDep,
    actor: CurrentActor,
) -> FindingPublic:
    found = await reports.get_programme(session, programme)
    return assessments.finding_public(
        await assessments.add_finding(session, actor, found, period, data)
    )


@router.get(
    "/assessments/{programme}/{period}/findings",
    response_model=Page[FindingPublic],
    summary="A quarter's findings and adjustments",
    description="Supervising office only, oldest first: each with who recorded it, when and why.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="assessments_list_findings",
)
async def list_findings(
    programme: ProgrammeCode, period: AssessmentPeriod, session: SessionDep, actor: CurrentActor
) -> Page[FindingPublic]:
    found = await reports.get_programme(session, programme)
    return Page(items=await assessments.list_findings(session, actor, found, period))


@router.post(
    "/assessments/{programme}/{period}/adjustments",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRunPublic,
    summary="Adjust a unit's score, with a reason",
    description="Supervising office only. The adjustment is kept with who made it, when and "
    "why, and the quarter is computed again.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="assessments_adjust",
)
async def adjust(
    programme: ProgrammeCode,
    period: AssessmentPeriod,
    data: AdjustmentCreate,
    session: SessionDep,
    actor: CurrentActor,
) -> AssessmentRunPublic:
    found = await reports.get_programme(session, programme)
    return await assessments.adjust(session, actor, found, period, data)


@router.post(
    "/assessments/{programme}/{period}/compute",
    response_model=AssessmentRunPublic,
    summary="Compute a quarter's (or the year's) scores",
    description="Supervising office only. From the monthly reports, the findings and the "
    "late-report record, every deduction explained line by line; a year applies the "
    "scheme's formula to the latest run of each weighted quarter. Each run is kept.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="assessments_compute",
)
async def compute(
    programme: ProgrammeCode, period: AssessmentPeriod, session: SessionDep, actor: CurrentActor
) -> AssessmentRunPublic:
    found = await reports.get_programme(session, programme)
    return await assessments.compute(session, actor, found, period)


@router.get(
    "/assessments/{programme}/{period}/ranking",
    response_model=AssessmentRunPublic,
    summary="The latest computed ranking",
    description="The latest run of the period: ranks, scores and every line that moved them. "
    "Circulated to the supervising office and the units.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="assessments_ranking",
)
async def ranking(
    programme: ProgrammeCode, period: AssessmentPeriod, session: SessionDep, actor: CurrentActor
) -> AssessmentRunPublic:
    found = await reports.get_programme(session, programme)
    return await assessments.ranking(session, actor, found, period)


@router.get(
    "/assessments/{programme}/{period}/export",
    summary="Export the ranking",
    description="The table the office circulates: rank, unit, each item's score, penalty, "
    "adjustment, bonus and total.",
    response_class=StreamingResponse,
    responses={
        200: {"content": {XLSX_TYPE: {}, "text/csv": {}}},
        **problem_responses(401, 403, 404, 422),
    },
    operation_id="assessments_export",
)
async def export(
    programme: ProgrammeCode,
    period: AssessmentPeriod,
    session: SessionDep,
    actor: CurrentActor,
    format: ExportFormat = "xlsx",
) -> StreamingResponse:
    found = await reports.get_programme(session, programme)
    run = await assessments.ranking(session, actor, found, period)
    scheme = await assessments.get_scheme(session, found)
    return ranking_table(format, found, scheme, run)


# The department scorecard (部门考评), the same machinery over govflow's own figures.
router.include_router(scorecards.router)
