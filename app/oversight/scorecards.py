"""The department scorecard (部门考评): the assessments' machinery over govflow's own figures.

An administrator sets the scheme (items, each a measure with its weight); the supervising
office computes a quarter, every department's figures counted by the database and every
point explained; a department reads its own line, the office the whole ranking.
"""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.core.catalogue_checks import check_departments
from app.errors import Conflict, Forbidden, NotFound, UnprocessableEntity
from app.models.oversight import ScorecardRun, ScorecardSchemeRow
from app.oversight import reports, scorecard_scoring
from app.oversight.periods import Quarter, parse_assessment_period
from app.oversight.scorecard_figures import Count, Window, figures
from app.oversight.scorecard_schemas import (
    ScorecardRunPublic,
    ScorecardScheme,
    ScorecardSchemePublic,
)


def _require_supervisor(actor: Actor) -> None:
    if not actor.has_any(*reports.SUPERVISING_ROLES):
        raise Forbidden("The department scorecard is computed by the supervising office")


def scheme_public(row: ScorecardSchemeRow) -> ScorecardSchemePublic:
    return ScorecardSchemePublic.model_validate(
        {**row.definition, "version": row.version, "updated_at": row.created_at,
         "updated_by": row.created_by}
    )  # fmt: skip


async def _current_row(session: AsyncSession) -> ScorecardSchemeRow | None:
    query = select(ScorecardSchemeRow).order_by(col(ScorecardSchemeRow.version).desc()).limit(1)
    return (await session.scalars(query)).first()


async def _scheme_row(session: AsyncSession) -> ScorecardSchemeRow:
    row = await _current_row(session)
    if row is None:
        raise NotFound("No department scorecard has been set: PUT /api/v1/scorecards/scheme")
    return row


async def get_scheme(session: AsyncSession) -> ScorecardSchemePublic:
    return scheme_public(await _scheme_row(session))


async def set_scheme(
    session: AsyncSession, actor: Actor, scheme: ScorecardScheme
) -> ScorecardSchemePublic:
    await check_departments(session, scheme.departments, "departments")
    latest = await session.scalar(select(func.max(col(ScorecardSchemeRow.version))))
    row = ScorecardSchemeRow(
        version=(latest or 0) + 1, definition=scheme.model_dump(mode="json"), created_by=actor.id
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        raise Conflict("The scheme was changed meanwhile: read it and set it again") from None
    return scheme_public(row)


def _quarter(period: str) -> Quarter:
    parsed = parse_assessment_period(period)
    if not isinstance(parsed, Quarter):
        raise UnprocessableEntity(
            f"The scorecard is kept per quarter, e.g. {parsed.year}-Q3", code="invalid_period"
        )
    return parsed


def window(quarter: Quarter, zone: ZoneInfo, now: datetime) -> Window:
    """The quarter's local days, from the first of its first month to the next quarter's."""
    first = quarter.months[0]
    following = (quarter.year + 1, 1) if quarter.quarter == 4 else (quarter.year, first.month + 3)
    return Window(
        start=datetime(quarter.year, first.month, 1, tzinfo=zone),
        end=datetime(*following, 1, tzinfo=zone),
        now=now,
    )


async def compute(
    session: AsyncSession, actor: Actor, period: str, zone: ZoneInfo, now: datetime
) -> ScorecardRunPublic:
    _require_supervisor(actor)
    quarter = _quarter(period)
    row = await _scheme_row(session)
    scheme = ScorecardScheme.model_validate(row.definition)
    departments = list(scheme.departments)
    measures = {item.measure for item in scheme.items}
    counted = await figures(session, measures, departments, window(quarter, zone, now))
    names = await reports.department_names(session, departments)
    scores = [
        scorecard_scoring.score_department(
            scheme,
            str(department),
            names.get(department, ""),
            {m: counted.get((m, department), Count()) for m in measures},
        )
        for department in departments
    ]
    run = ScorecardRun(
        period=str(quarter),
        scheme_version=row.version,
        results=[score.public() for score in scorecard_scoring.rank(scores)],
        computed_by=actor.id,
    )
    session.add(run)
    await session.flush()
    return run_public(run, None)


def run_public(run: ScorecardRun, only: uuid.UUID | None) -> ScorecardRunPublic:
    results = [r for r in run.results if only is None or r["department_id"] == str(only)]
    return ScorecardRunPublic.model_validate(
        {"id": run.id, "period": run.period, "scheme_version": run.scheme_version,
         "computed_at": run.computed_at, "computed_by": run.computed_by, "departments": results}
    )  # fmt: skip


async def ranking(session: AsyncSession, actor: Actor, period: str) -> ScorecardRunPublic:
    """The office sees every department; a department's staff its own line alone."""
    quarter = _quarter(period)
    supervising = actor.has_any(*reports.SUPERVISING_ROLES)
    if actor.kind != "user" or not (supervising or actor.department_id is not None):
        raise Forbidden("The scorecard is read by the supervising office and the departments")
    query = (
        select(ScorecardRun)
        .where(col(ScorecardRun.period) == str(quarter))
        .order_by(col(ScorecardRun.computed_at).desc(), col(ScorecardRun.id).desc())
        .limit(1)
    )
    run = (await session.scalars(query)).first()
    if run is None:
        raise NotFound(f"{quarter} has not been computed yet: POST …/compute first")
    return run_public(run, None if supervising else actor.department_id)
