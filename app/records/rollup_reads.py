"""Statistics read from the rollups, exact at read time.

The period splits into whole days of the city zone and the partial days at its edges.
Whole days read their rollup rows, except the days a record created on was updated after
the watermark ("dirty"): those, and the edges, are counted live from the records through
the ``created_at`` index. Both count what never moves with the clock; a running clock
past its deadline that the sweeper has not flagged yet is counted live over the whole
period, through a partial index of such clocks. One statement adds the three and
orders by group, as the live query does.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, cast, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.models.rollup import RollupWatermark
from app.records.rollups import (
    Rollup,
    day_start,
    dimension_value,
    local_day,
    pending_late,
)
from app.records.stats_sql import created_between
from app.workflow import engine
from app.workflow.definition import ALL, DEPARTMENT, Workflow

# More dirty days than this (a calendar change touched every open record): a live scan.
MOST_DIRTY_DAYS = 400


@dataclass(frozen=True)
class RollupScope:
    """Which rollup rows an actor reads: all departments', or one department's."""

    across_departments: bool
    department_id: uuid.UUID | None = None


def rollup_scope(workflow: Workflow, actor: Actor) -> RollupScope | None:
    """None when the actor's visibility is not by department (a citizen's own records)."""
    scopes = {workflow.role_scopes[role] for role in actor.roles if role in workflow.role_scopes}
    if ALL in scopes:
        return RollupScope(across_departments=True)
    if scopes == {DEPARTMENT} and actor.department_id is not None:
        return RollupScope(across_departments=False, department_id=actor.department_id)
    return None


@dataclass(frozen=True)
class _Plan:
    """Whole days ``[first, end)`` (None: unbounded) read from rollups, minus ``dirty``."""

    first: date | None
    end: date | None
    dirty: list[date]
    edges: list[tuple[datetime | None, datetime | None]]


def _whole_days(
    date_from: datetime | None, date_to: datetime | None, zone: ZoneInfo
) -> tuple[date | None, date | None]:
    first = end = None
    if date_from is not None:
        first = local_day(date_from, zone)
        if day_start(first, zone) < date_from:
            first += timedelta(days=1)
    if date_to is not None:
        end = local_day(date_to, zone)
    return first, end


def _ranges(days: list[date], zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Consecutive days as one range each."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + timedelta(days=1))
        else:
            runs.append((day, day + timedelta(days=1)))
    return [(day_start(a, zone), day_start(b, zone)) for a, b in runs]


def _between(model: Any, start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
    return and_(true(), *created_between(model.created_at, start, end))


async def _plan(
    session: AsyncSession,
    rollup: Rollup,
    mark: RollupWatermark,
    date_from: datetime | None,
    date_to: datetime | None,
    zone: ZoneInfo,
) -> _Plan | None:
    first, end = _whole_days(date_from, date_to, zone)
    if first is not None and end is not None and first >= end:
        return None
    model = rollup.model
    created = await session.scalars(
        select(model.created_at)
        .where(model.updated_at > mark.watermark, _between(model, date_from, date_to))
        .distinct()
    )
    dirty = {local_day(moment, zone) for moment in created}
    dirty = {day for day in dirty if (first is None or day >= first) and (end is None or day < end)}
    if len(dirty) > MOST_DIRTY_DAYS:
        return None
    edges: list[tuple[datetime | None, datetime | None]] = []
    if date_from is not None and first is not None and date_from < day_start(first, zone):
        edges.append((date_from, day_start(first, zone)))
    if date_to is not None and end is not None and day_start(end, zone) < date_to:
        edges.append((day_start(end, zone), date_to))
    return _Plan(first, end, sorted(dirty), edges)


async def rolled_up_rows(
    session: AsyncSession,
    rollup: Rollup,
    workflow: Workflow,
    actor: Actor,
    dimension: str,
    date_from: datetime | None,
    date_to: datetime | None,
    zone_name: str,
    now: datetime,
) -> list[Any] | None:
    """Per group (text, ordered as the live query orders), every measure summed; None when
    the rollups cannot answer (not built, another zone, an actor not seen by department, a
    period within one day): the caller counts live."""
    scope = rollup_scope(workflow, actor)
    if scope is None:
        return None
    mark = await session.get(RollupWatermark, rollup.kind)
    if mark is None or mark.zone != zone_name:
        return None
    zone = ZoneInfo(zone_name)
    plan = await _plan(session, rollup, mark, date_from, date_to, zone)
    if plan is None:
        return None
    dialect = session.get_bind().dialect.name
    model, table = rollup.model, rollup.table
    names = list(rollup.measures)
    dirty_ranges = _ranges(plan.dirty, zone)
    visible = engine.visible_clause(workflow, actor)
    value = dimension_value(rollup, dimension)

    rows = select(table.value.label("group"), *(getattr(table, name) for name in names)).where(
        table.dimension == dimension,
        table.across_departments.is_(scope.across_departments),
    )
    if not scope.across_departments:
        rows = rows.where(table.department_id == scope.department_id)
    if plan.first is not None:
        rows = rows.where(table.day >= plan.first)
    if plan.end is not None:
        rows = rows.where(table.day < plan.end)
    if plan.dirty:
        rows = rows.where(table.day.not_in(plan.dirty))

    live_ranges = [*plan.edges, *dirty_ranges]
    parts = [rows]
    if live_ranges:
        parts.append(
            select(value, *(rollup.measures[name](dialect) for name in names))
            .where(visible, or_(*(_between(model, a, b) for a, b in live_ranges)))
            .group_by(value)
        )
    parts.append(
        select(
            value,
            *(
                rollup.turned_late[name]()
                if name in rollup.turned_late
                else literal(0, getattr(table, name).type)
                for name in names
            ),
        )
        .where(
            visible,
            pending_late(model, now),
            _between(model, date_from, date_to),
        )
        .group_by(value)
    )
    union = parts[0].union_all(*parts[1:]).subquery()
    query = (
        select(
            union.c.group,
            # Typed as stored: PostgreSQL's sum of bigints is a numeric.
            *(
                cast(func.sum(union.c[name]), getattr(table, name).type).label(name)
                for name in names
            ),
        )
        .group_by(union.c.group)
        .order_by(union.c.group)
    )
    return list((await session.execute(query)).all())
