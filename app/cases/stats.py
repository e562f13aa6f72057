"""Case statistics: the figures an enforcement bureau reports each year, counted in SQL."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from pydantic import BaseModel
from sqlalchemy import and_, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.cases.schemas import Money, PenaltyKind
from app.cases.workflow import CASE_WORKFLOW, FINISHED
from app.core.json_sql import json_array_contains, json_array_length
from app.models.base import utcnow
from app.models.case import EnforcementCase
from app.models.money import to_yuan
from app.records.queries import overdue_clause
from app.records.stats_sql import count_if, grouped_counts

CaseGroup = Literal["category", "department", "status"]
GROUP_COLUMNS: dict[str, Any] = {
    "category": EnforcementCase.category_code,
    "department": EnforcementCase.department_id,
    "status": EnforcementCase.status,
}
PENALTY_KINDS: tuple[str, ...] = get_args(PenaltyKind)


class CaseStatsRow(BaseModel):
    group: str | None
    registered: int
    filed: int
    simple_procedure: int
    dismissed: int
    open: int
    decided: int
    no_penalty: int
    penalties_by_kind: dict[str, int]
    fines_decided: Money
    fines_collected: Money
    surcharges_collected: Money
    hearings: int
    court_enforcement: int
    transferred_to_police: int
    transferred_to_judicial: int
    measures_taken: int
    overdue: int
    decided_late: int
    revoked: int


class CaseStats(BaseModel):
    group_by: str
    date_from: datetime | None
    date_to: datetime | None
    rows: list[CaseStatsRow]


def _sum(value: Any) -> Any:
    return func.coalesce(func.sum(value), 0)


async def case_stats(
    session: AsyncSession,
    actor: Actor,
    group_by: CaseGroup,
    date_from: datetime | None,
    date_to: datetime | None,
) -> CaseStats:
    """Over the cases the caller sees, registered in [from, to); money in yuan."""
    dialect = session.get_bind().dialect.name
    case = EnforcementCase
    group = GROUP_COLUMNS[group_by]
    decided = col(case.disposition) == "penalty"
    kinds = {
        kind: count_if(and_(decided, json_array_contains(dialect, case.penalty_kinds, kind)))
        for kind in PENALTY_KINDS
    }
    transferred = col(case.disposition) == "transferred"
    query = grouped_counts(
        CASE_WORKFLOW,
        actor,
        group,
        date_from,
        date_to,
        count_if(col(case.id).isnot(None)).label("registered"),
        count_if(col(case.filed_at).isnot(None)).label("filed"),
        count_if(col(case.procedure) == "simple").label("simple_procedure"),
        count_if(col(case.disposition) == "dismissed").label("dismissed"),
        count_if(col(case.status).notin_(FINISHED)).label("open"),
        count_if(decided).label("decided"),
        count_if(col(case.disposition) == "no_penalty").label("no_penalty"),
        *(count.label(f"kind_{kind}") for kind, count in kinds.items()),
        _sum(col(case.penalty_fine_amount)).label("fines_decided"),
        _sum(col(case.paid_amount)).label("fines_collected"),
        _sum(col(case.paid_surcharge)).label("surcharges_collected"),
        count_if(col(case.hearing_requested).is_(True)).label("hearings"),
        count_if(col(case.enforcement_applied_at).isnot(None)).label("court_enforcement"),
        count_if(and_(transferred, col(case.transferred_to) == "police")).label("police"),
        count_if(and_(transferred, col(case.transferred_to) == "judicial")).label("judicial"),
        _sum(json_array_length(dialect, case.measures)).label("measures_taken"),
        count_if(overdue_clause(case, utcnow())).label("overdue"),
        count_if(col(case.decided_late).is_(True)).label("decided_late"),
        count_if(col(case.revoke_count) > 0).label("revoked"),
    )
    rows = [
        CaseStatsRow(
            group=None if row.group is None else str(row.group),
            registered=row.registered,
            filed=row.filed,
            simple_procedure=row.simple_procedure,
            dismissed=row.dismissed,
            open=row.open,
            decided=row.decided,
            no_penalty=row.no_penalty,
            penalties_by_kind={kind: getattr(row, f"kind_{kind}") for kind in PENALTY_KINDS},
            fines_decided=_yuan(row.fines_decided),
            fines_collected=_yuan(row.fines_collected),
            surcharges_collected=_yuan(row.surcharges_collected),
            hearings=row.hearings,
            court_enforcement=row.court_enforcement,
            transferred_to_police=row.police,
            transferred_to_judicial=row.judicial,
            measures_taken=row.measures_taken,
            overdue=row.overdue,
            decided_late=row.decided_late,
            revoked=row.revoked,
        )
        for row in (await session.execute(query)).all()
    ]
    return CaseStats(group_by=group_by, date_from=date_from, date_to=date_to, rows=rows)


def _yuan(value: Decimal | int) -> Decimal:
    # The Money column type turns sums into Decimal; an empty group's 0 is an int.
    return to_yuan(value)
