"""Monthly reports (月报): programmes, units' submissions, and progress against the schedule."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.actor import Actor
from app.config import Settings
from app.core.calendar import load_calendar
from app.core.catalogue_checks import check_departments
from app.errors import Conflict, Forbidden, NotFound, UnprocessableEntity
from app.models.identity import Department
from app.models.oversight import ReportProgramme, ReportSubmission
from app.oversight import scoring
from app.oversight.periods import Month, parse_month, report_due_on
from app.oversight.report_schemas import (
    ItemProgress,
    PeriodProgress,
    ProgrammeCreate,
    ProgrammePublic,
    ReportItemSpec,
    SubmissionCreate,
    SubmissionPublic,
    UnitProgress,
)

SUPERVISING_ROLES = ("admin", "supervisor")


def programme_public(programme: ReportProgramme) -> ProgrammePublic:
    return ProgrammePublic.model_validate(
        {
            "id": programme.id,
            "created_at": programme.created_at,
            "code": programme.code,
            "name": programme.name,
            "year": programme.year,
            "due_day": programme.due_day,
            "items": programme.items,
            "units": programme.units,
        }
    )


def item_specs(programme: ReportProgramme) -> list[ReportItemSpec]:
    return [ReportItemSpec.model_validate(item) for item in programme.items]


def unit_ids(programme: ReportProgramme) -> list[uuid.UUID]:
    return [uuid.UUID(unit) for unit in programme.units]


async def create_programme(session: AsyncSession, data: ProgrammeCreate) -> ReportProgramme:
    await check_departments(session, data.units, "units")
    programme = ReportProgramme(
        code=data.code,
        name=data.name,
        year=data.year,
        due_day=data.due_day,
        items=[item.model_dump(mode="json") for item in data.items],
        units=[str(u) for u in data.units],
    )
    session.add(programme)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(
            f"A programme {data.code!r} exists already", code="programme_exists"
        ) from None
    return programme


async def get_programme(session: AsyncSession, code: str) -> ReportProgramme:
    programme = await session.scalar(
        select(ReportProgramme).where(col(ReportProgramme.code) == code)
    )
    if programme is None:
        raise NotFound(f"No reporting programme {code!r}")
    return programme


def month_of(programme: ReportProgramme, period: str) -> Month:
    month = parse_month(period)
    if month.year != programme.year:
        raise UnprocessableEntity(
            f"The programme {programme.code!r} runs in {programme.year}, not {month.year}",
            code="invalid_period",
        )
    return month


def _reporting_unit(
    programme: ReportProgramme, actor: Actor, wanted: uuid.UUID | None
) -> uuid.UUID:
    unit = wanted or actor.department_id
    if unit is None or str(unit) not in programme.units:
        raise UnprocessableEntity(
            "department_id: not a reporting unit of this programme", code="not_a_reporting_unit"
        )
    if unit != actor.department_id:
        raise Forbidden("A unit's report is submitted by its own staff")
    return unit


async def submit(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    programme: ReportProgramme,
    period: str,
    data: SubmissionCreate,
    now: datetime,
) -> ReportSubmission:
    """A unit's figures for a month; a second submission corrects the first, both kept."""
    month = month_of(programme, period)
    if actor.kind != "user" or actor.has_any("citizen"):
        raise Forbidden("Reports are submitted by a unit's staff")
    unit = _reporting_unit(programme, actor, data.department_id)
    known = {spec.code for spec in item_specs(programme)}
    if unknown := sorted({f.item for f in data.figures} - known):
        raise UnprocessableEntity(f"figures: no item {', '.join(unknown)}", code="unknown_item")
    if len({f.item for f in data.figures}) != len(data.figures):
        raise UnprocessableEntity("figures: an item is reported twice", code="validation_error")
    calendar = await load_calendar(session, settings.zone)
    due_on = report_due_on(month, programme.due_day, calendar)
    previous = await _current(session, programme.id, str(month), unit)
    submission = ReportSubmission(
        programme_id=programme.id,
        period=str(month),
        department_id=unit,
        figures=[f.model_dump(mode="json") for f in data.figures],
        note=data.note,
        submitted_at=now,
        submitted_by=actor.id,
        due_on=due_on,
        is_late=now.astimezone(settings.zone).date() > due_on,
        supersedes_id=previous.id if previous else None,
    )
    session.add(submission)
    await session.flush()
    return submission


async def _current(
    session: AsyncSession, programme_id: uuid.UUID, period: str, unit: uuid.UUID
) -> ReportSubmission | None:
    query = (
        select(ReportSubmission)
        .where(
            col(ReportSubmission.programme_id) == programme_id,
            col(ReportSubmission.period) == period,
            col(ReportSubmission.department_id) == unit,
        )
        .order_by(col(ReportSubmission.submitted_at).desc(), col(ReportSubmission.id).desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def submissions(
    session: AsyncSession, programme: ReportProgramme, periods: list[str]
) -> list[ReportSubmission]:
    """Every submission of these months, oldest first (so the last per unit is current)."""
    query = (
        select(ReportSubmission)
        .where(
            col(ReportSubmission.programme_id) == programme.id,
            col(ReportSubmission.period).in_(periods),
        )
        .order_by(col(ReportSubmission.submitted_at), col(ReportSubmission.id))
    )
    return list((await session.scalars(query)).all())


def visible_to(actor: Actor, submission: ReportSubmission) -> bool:
    return actor.has_any(*SUPERVISING_ROLES) or submission.department_id == actor.department_id


def submission_public(
    programme: ReportProgramme, submission: ReportSubmission, current: bool
) -> SubmissionPublic:
    return SubmissionPublic.model_validate(
        {
            "id": submission.id,
            "programme": programme.code,
            "period": submission.period,
            "department_id": submission.department_id,
            "figures": submission.figures,
            "note": submission.note,
            "submitted_at": submission.submitted_at,
            "submitted_by": submission.submitted_by,
            "due_on": submission.due_on,
            "is_late": submission.is_late,
            "supersedes_id": submission.supersedes_id,
            "is_current": current,
        }
    )


async def list_submissions(
    session: AsyncSession, actor: Actor, programme: ReportProgramme, period: str
) -> list[SubmissionPublic]:
    month = month_of(programme, period)
    rows = [s for s in await submissions(session, programme, [str(month)]) if visible_to(actor, s)]
    current = {s.department_id: s.id for s in rows}
    return [submission_public(programme, s, current[s.department_id] == s.id) for s in rows]


async def department_names(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = (
        await session.execute(
            select(col(Department.id), col(Department.name)).where(col(Department.id).in_(ids))
        )
    ).all()
    return {row.id: row.name for row in rows}


def _item_progress(
    spec: ReportItemSpec, unit: uuid.UUID, month: Month, figures: dict[str, Decimal] | None
) -> ItemProgress:
    target = spec.target_for(unit)
    expected = scoring.expected_share(spec, month.month)
    completed = None if figures is None else figures.get(spec.code, Decimal(0))
    actual = None if completed is None else min(completed / target, Decimal(1))
    return ItemProgress(
        item=spec.code,
        completed=completed,
        target=target,
        expected_share=expected.quantize(Decimal("0.0001")),
        actual_share=None if actual is None else actual.quantize(Decimal("0.0001")),
        on_schedule=None if actual is None else actual >= expected,
    )


async def progress(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    programme: ReportProgramme,
    period: str,
    now: datetime,
) -> PeriodProgress:
    """Who has reported, who is late or missing, and each unit's progress (时序进度)."""
    if not actor.has_any(*SUPERVISING_ROLES):
        raise Forbidden("The progress of every unit is for the supervising office")
    month = month_of(programme, period)
    calendar = await load_calendar(session, settings.zone)
    due_on = report_due_on(month, programme.due_day, calendar)
    rows = await submissions(session, programme, [str(month)])
    by_unit: dict[uuid.UUID, list[ReportSubmission]] = {}
    for row in rows:
        by_unit.setdefault(row.department_id, []).append(row)
    units = unit_ids(programme)
    names = await department_names(session, units)
    specs = item_specs(programme)
    past_due = now.astimezone(settings.zone).date() > due_on
    result: list[UnitProgress] = []
    for unit in units:
        history = by_unit.get(unit, [])
        current = history[-1] if history else None
        figures = (
            {f["item"]: Decimal(str(f["completed"])) for f in current.figures} if current else None
        )
        result.append(
            UnitProgress(
                department_id=unit,
                department_name=names.get(unit, ""),
                reported=current is not None,
                is_late=history[0].is_late if history else (True if past_due else None),
                submitted_at=history[0].submitted_at if history else None,
                corrections=max(len(history) - 1, 0),
                items=[_item_progress(spec, unit, month, figures) for spec in specs],
            )
        )
    return PeriodProgress(
        programme=programme.code,
        period=str(month),
        due_on=due_on,
        missing=[u.department_id for u in result if not u.reported],
        late=[u.department_id for u in result if u.is_late],
        units=result,
    )
