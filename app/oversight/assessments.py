"""Scored assessments (考评): a programme's scheme, findings and adjustments, computed runs."""

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.actor import Actor
from app.errors import Forbidden, NotFound, UnprocessableEntity
from app.models.base import utcnow
from app.models.oversight import (
    AssessmentFinding,
    AssessmentRun,
    AssessmentSchemeRow,
    ReportProgramme,
    ReportSubmission,
)
from app.oversight import reports, scoring
from app.oversight.assessment_schemas import (
    AdjustmentCreate,
    AssessmentRunPublic,
    AssessmentScheme,
    FindingCreate,
    FindingPublic,
    SchemePublic,
)
from app.oversight.periods import Quarter, Year, parse_assessment_period


def require_supervisor(actor: Actor) -> None:
    if not actor.has_any(*reports.SUPERVISING_ROLES):
        raise Forbidden("Assessments are kept by the supervising office")


async def _scheme_row(session: AsyncSession, programme: ReportProgramme) -> AssessmentSchemeRow:
    row = await session.scalar(
        select(AssessmentSchemeRow).where(col(AssessmentSchemeRow.programme_id) == programme.id)
    )
    if row is None:
        raise NotFound(f"The programme {programme.code!r} has no assessment scheme yet")
    return row


def scheme_public(programme: ReportProgramme, row: AssessmentSchemeRow) -> SchemePublic:
    return SchemePublic.model_validate(
        {
            **row.definition,
            "programme": programme.code,
            "version": row.version,
            "updated_at": row.updated_at,
        }
    )


async def get_scheme(session: AsyncSession, programme: ReportProgramme) -> SchemePublic:
    return scheme_public(programme, await _scheme_row(session, programme))


async def set_scheme(
    session: AsyncSession, actor: Actor, programme: ReportProgramme, scheme: AssessmentScheme
) -> SchemePublic:
    items = {spec.code for spec in reports.item_specs(programme)}
    if unknown := sorted({r.measures for r in scheme.items if r.measures} - items):
        raise UnprocessableEntity(
            f"items: measures no report item {', '.join(unknown)}", code="unknown_item"
        )
    row = await session.scalar(
        select(AssessmentSchemeRow).where(col(AssessmentSchemeRow.programme_id) == programme.id)
    )
    definition = scheme.model_dump(mode="json")
    if row is None:
        row = AssessmentSchemeRow(
            programme_id=programme.id, definition=definition, updated_by=actor.id
        )
        session.add(row)
    else:
        row.definition, row.updated_by = definition, actor.id
        row.version += 1
        row.updated_at = utcnow()
    await session.flush()
    return scheme_public(programme, row)


def _check_unit(programme: ReportProgramme, department_id: uuid.UUID) -> None:
    if str(department_id) not in programme.units:
        raise UnprocessableEntity(
            "department_id: not a reporting unit of this programme", code="not_a_reporting_unit"
        )


def _quarter(programme: ReportProgramme, period: str) -> Quarter:
    parsed = parse_assessment_period(period)
    if not isinstance(parsed, Quarter) or parsed.year != programme.year:
        raise UnprocessableEntity(
            f"Findings and adjustments belong to a quarter of {programme.year}, e.g. "
            f"{programme.year}-Q3",
            code="invalid_period",
        )
    return parsed


async def add_finding(
    session: AsyncSession,
    actor: Actor,
    programme: ReportProgramme,
    period: str,
    data: FindingCreate,
) -> AssessmentFinding:
    require_supervisor(actor)
    quarter = _quarter(programme, period)
    _check_unit(programme, data.department_id)
    scheme = AssessmentScheme.model_validate((await _scheme_row(session, programme)).definition)
    if data.item is not None and data.item not in {r.code for r in scheme.items}:
        raise UnprocessableEntity(
            f"item: the scheme has no item {data.item!r}", code="unknown_item"
        )
    finding = AssessmentFinding(
        programme_id=programme.id,
        period=str(quarter),
        department_id=data.department_id,
        kind=data.kind,
        item=data.item,
        points=data.points,
        reason=data.reason,
        created_by=actor.id,
    )
    session.add(finding)
    await session.flush()
    return finding


async def adjust(
    session: AsyncSession,
    actor: Actor,
    programme: ReportProgramme,
    period: str,
    data: AdjustmentCreate,
) -> AssessmentRunPublic:
    """A supervisor's adjustment with its reason, kept like a finding; the period is
    computed again so the ranking shows it."""
    require_supervisor(actor)
    quarter = _quarter(programme, period)
    _check_unit(programme, data.department_id)
    session.add(
        AssessmentFinding(
            programme_id=programme.id,
            period=str(quarter),
            department_id=data.department_id,
            kind="adjustment",
            points=data.points,
            reason=data.reason,
            is_adjustment=True,
            created_by=actor.id,
        )
    )
    await session.flush()
    return await compute(session, actor, programme, period)


def finding_public(finding: AssessmentFinding) -> FindingPublic:
    return FindingPublic.model_validate(finding, from_attributes=True)


async def findings(
    session: AsyncSession, programme: ReportProgramme, period: str
) -> list[AssessmentFinding]:
    query = (
        select(AssessmentFinding)
        .where(
            col(AssessmentFinding.programme_id) == programme.id,
            col(AssessmentFinding.period) == period,
        )
        .order_by(col(AssessmentFinding.created_at), col(AssessmentFinding.id))
    )
    return list((await session.scalars(query)).all())


async def list_findings(
    session: AsyncSession, actor: Actor, programme: ReportProgramme, period: str
) -> list[FindingPublic]:
    require_supervisor(actor)
    quarter = _quarter(programme, period)
    return [finding_public(f) for f in await findings(session, programme, str(quarter))]


def _month_report(history: list[ReportSubmission]) -> scoring.MonthReport | None:
    if not history:
        return None
    current = history[-1]
    return scoring.MonthReport(
        completed={f["item"]: Decimal(str(f["completed"])) for f in current.figures},
        preparation_done=frozenset(f["item"] for f in current.figures if f["preparation_done"]),
        # A timely report corrected later was still on time.
        late=history[0].is_late,
    )


async def _quarter_scores(
    session: AsyncSession, programme: ReportProgramme, scheme: AssessmentScheme, quarter: Quarter
) -> list[scoring.UnitScore]:
    months = [str(m) for m in quarter.months]
    by_unit: dict[tuple[uuid.UUID, str], list[ReportSubmission]] = {}
    for row in await reports.submissions(session, programme, months):
        by_unit.setdefault((row.department_id, row.period), []).append(row)
    noted: dict[str, Sequence[scoring.Finding]] = {}
    adjustments: dict[str, Sequence[scoring.Finding]] = {}
    for finding in await findings(session, programme, str(quarter)):
        entry = scoring.Finding(finding.kind, finding.points, finding.reason, finding.item)
        target = adjustments if finding.is_adjustment else noted
        unit = str(finding.department_id)
        target[unit] = [*target.get(unit, ()), entry]
    units = reports.unit_ids(programme)
    names = await reports.department_names(session, units)
    specs = reports.item_specs(programme)
    scores = [
        scoring.score_unit(
            scheme,
            specs,
            scoring.UnitInputs(
                department_id=str(unit),
                name=names.get(unit, ""),
                targets={spec.code: spec.target_for(unit) for spec in specs},
                reports=[_month_report(by_unit.get((unit, m), [])) for m in months],
                findings=noted.get(str(unit), []),
                adjustments=adjustments.get(str(unit), []),
            ),
            quarter.last_month.month,
        )
        for unit in units
    ]
    return scoring.rank_and_add_bonus(scheme, scores, noted)


def _result(score: scoring.UnitScore) -> dict[str, Any]:
    return {
        "department_id": score.department_id,
        "department_name": score.name,
        "rank": score.rank,
        "items": {code: str(value) for code, value in score.items.items()},
        "subtotal": str(scoring.points(score.subtotal)),
        "penalty": str(scoring.points(score.penalty)),
        "adjustment": str(scoring.points(score.adjustment)),
        "bonus": str(scoring.points(score.bonus)),
        "base": str(score.base),
        "total": str(score.total),
        "lines": [line.public() for line in score.lines],
    }


async def latest_run(
    session: AsyncSession, programme: ReportProgramme, period: str
) -> AssessmentRun | None:
    query = (
        select(AssessmentRun)
        .where(col(AssessmentRun.programme_id) == programme.id, col(AssessmentRun.period) == period)
        .order_by(col(AssessmentRun.computed_at).desc(), col(AssessmentRun.id).desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def _year_results(
    session: AsyncSession, programme: ReportProgramme, scheme: AssessmentScheme, year: Year
) -> list[dict[str, Any]]:
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    for quarter in scheme.year_weights:
        run = await latest_run(session, programme, f"{year.year}-{quarter}")
        if run is None:
            raise UnprocessableEntity(
                f"{year.year}-{quarter} has not been computed: compute each quarter the "
                f"year-end formula weighs first",
                code="quarter_not_computed",
            )
        runs[quarter] = {r["department_id"]: r for r in run.results}
    names = await reports.department_names(session, reports.unit_ids(programme))
    results: list[dict[str, Any]] = []
    for unit in reports.unit_ids(programme):
        quarters: dict[str, scoring.QuarterResult] = {
            q: scoring.QuarterResult(
                Decimal(runs[q][str(unit)]["base"]), Decimal(runs[q][str(unit)]["bonus"])
            )
            for q in scheme.year_weights
        }
        total, lines = scoring.year_score(scheme, quarters)
        results.append(
            {
                "department_id": str(unit),
                "department_name": names.get(unit, ""),
                "rank": 0,
                "items": {},
                "subtotal": str(total),
                "penalty": "0.00",
                "adjustment": "0.00",
                "bonus": "0.00",
                "base": str(total),
                "total": str(total),
                "lines": [line.public() for line in lines],
            }
        )
    results.sort(key=lambda r: (-Decimal(r["total"]), r["department_name"]))
    totals = [Decimal(row["total"]) for row in results]
    for row, place in zip(results, scoring.competition_places(totals), strict=True):
        row["rank"] = place
    return results


async def compute(
    session: AsyncSession, actor: Actor, programme: ReportProgramme, period: str
) -> AssessmentRunPublic:
    require_supervisor(actor)
    parsed = parse_assessment_period(period)
    if parsed.year != programme.year:
        raise UnprocessableEntity(f"The programme runs in {programme.year}", code="invalid_period")
    row = await _scheme_row(session, programme)
    scheme = AssessmentScheme.model_validate(row.definition)
    if isinstance(parsed, Quarter):
        results = [_result(s) for s in await _quarter_scores(session, programme, scheme, parsed)]
    else:
        results = await _year_results(session, programme, scheme, parsed)
    run = AssessmentRun(
        programme_id=programme.id,
        period=str(parsed),
        scheme_version=row.version,
        results=results,
        computed_by=actor.id,
    )
    session.add(run)
    await session.flush()
    return run_public(programme, run)


def run_public(programme: ReportProgramme, run: AssessmentRun) -> AssessmentRunPublic:
    return AssessmentRunPublic.model_validate(
        {
            "id": run.id,
            "programme": programme.code,
            "period": run.period,
            "scheme_version": run.scheme_version,
            "computed_at": run.computed_at,
            "computed_by": run.computed_by,
            "units": run.results,
        }
    )


async def ranking(
    session: AsyncSession, actor: Actor, programme: ReportProgramme, period: str
) -> AssessmentRunPublic:
    if actor.kind != "user" or not (
        actor.has_any(*reports.SUPERVISING_ROLES) or str(actor.department_id) in programme.units
    ):
        raise Forbidden("The ranking is circulated to the supervising office and the units")
    parsed = parse_assessment_period(period)
    run = await latest_run(session, programme, str(parsed))
    if run is None:
        raise NotFound(f"{parsed} has not been computed yet: POST …/compute first")
    return run_public(programme, run)
