"""Per-day rollups behind the statistics: declared per kind, recounted set-based, by day.

A rollup row counts the records created on one day of the city zone, per value of one
dimension, per department and over all departments. It is a cache: a refresh recounts the
days of the records updated after the watermark and moves the watermark; a rebuild
recounts every day. Reads stay exact without a refresh (app/records/rollup_reads.py).

The lag: a write stamps ``updated_at`` with its own clock before it commits. The
watermark is set ``LAG_MARGIN`` before the refresh began, so a write whose transaction
took less than that is seen as changed however its commit and the refresh interleave; a
longer one, or a process whose clock is that far behind, is missed until the next rebuild.
Records written around the app (bulk loads, deletes) need a rebuild.

Several worker processes refresh: on PostgreSQL one kind's refresh or rebuild runs at a
time (a transaction-level advisory lock): a refresh that finds it taken does nothing, a
rebuild waits for it. SQLite serialises writers itself.
"""

import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Executable,
    String,
    and_,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import UTCDateTime, utcnow
from app.models.rollup import RollupWatermark

LAG_MARGIN = timedelta(minutes=5)
ROLLUP_LOCK = 7_404_312  # advisory lock class; the kind's CRC-32 is the key within it
# Days recounted per statement: SQLite's compound SELECTs have at most 500 parts.
DAYS_PER_STATEMENT = 100


@dataclass(frozen=True)
class Rollup:
    """A kind's rollup: the dimensions statistics group by, and what they count.

    ``measures`` are aggregates over the records that never change with the clock (given
    the dialect); ``turned_late`` says what a record whose running clock passed its
    deadline, not yet flagged by the sweeper, adds to each measure at read time.
    """

    kind: str
    model: Any
    table: Any
    dimensions: Mapping[str, Any]
    measures: Mapping[str, Callable[[str], ColumnElement[Any]]]
    turned_late: Mapping[str, Callable[[], ColumnElement[Any]]]


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


def dimension_value(rollup: Rollup, dimension: str) -> ColumnElement[str]:
    """The dimension as the rollup stores it: text (ids in the dialect's text form)."""
    return cast(rollup.dimensions[dimension], String)


def pending_late(model: Any, now: datetime) -> ColumnElement[bool]:
    """Late by the clock but not flagged: the part of ``overdue_clause`` that moves."""
    # The constants are written into the SQL, not bound: a prepared statement's generic
    # plan can use the partial index (ix_tickets_clock_pending) only when its predicate
    # is visible in the query (a bound 'running' made it scan every ticket).
    return and_(
        model.clock_status == literal_column("'running'"),
        model.is_overdue == false(),
        model.due_at < now,
    )


def _days_table(days: Sequence[date], zone: ZoneInfo) -> Any:
    """The days with their bounds in UTC, as a subquery (SQLite has no VALUES aliases)."""
    rows = [
        select(
            literal(day, Date).label("day"),
            literal(day_start(day, zone), UTCDateTime).label("starts"),
            literal(day_start(day + timedelta(days=1), zone), UTCDateTime).label("ends"),
        )
        for day in days
    ]
    return union_all(*rows).subquery("days")


def recount_statements(
    rollup: Rollup, dialect: str, days: Sequence[date], zone: ZoneInfo
) -> list[Executable]:
    """Delete ``days``' rows and count them again from the records, set-based."""
    table = rollup.table
    model = rollup.model
    names = list(rollup.measures)
    statements: list[Executable] = []
    for start in range(0, len(days), DAYS_PER_STATEMENT):
        chunk = list(days[start : start + DAYS_PER_STATEMENT])
        statements.append(delete(table).where(table.day.in_(chunk)))
        days_table = _days_table(chunk, zone)
        within = and_(model.created_at >= days_table.c.starts, model.created_at < days_table.c.ends)
        for dimension in rollup.dimensions:
            value = dimension_value(rollup, dimension)
            counted = (
                select(
                    days_table.c.day,
                    literal(dimension),
                    value,
                    model.department_id,
                    false(),
                    *(rollup.measures[name](dialect) for name in names),
                )
                .select_from(model)
                .join(days_table, within)
                .group_by(days_table.c.day, value, model.department_id)
            )
            statements.append(
                insert(table).from_select(
                    ["day", "dimension", "value", "department_id", "across_departments", *names],
                    counted,
                )
            )
        across = (
            select(
                table.day,
                table.dimension,
                table.value,
                cast(null(), table.department_id.type),
                cast(true(), Boolean),
                *(func.sum(getattr(table, name)) for name in names),
            )
            .where(table.day.in_(chunk), table.across_departments.is_(False))
            .group_by(table.day, table.dimension, table.value)
        )
        statements.append(
            insert(table).from_select(
                ["day", "dimension", "value", "department_id", "across_departments", *names],
                across,
            )
        )
    return statements


def all_days(first: datetime | None, last: datetime | None, zone: ZoneInfo) -> list[date]:
    if first is None or last is None:
        return []
    day, end = local_day(first, zone), local_day(last, zone)
    return [day + timedelta(days=n) for n in range((end - day).days + 1)]


async def _recount(
    session: AsyncSession, rollup: Rollup, days: Iterable[date], zone: ZoneInfo
) -> None:
    dialect = session.get_bind().dialect.name
    for statement in recount_statements(rollup, dialect, sorted(days), zone):
        await session.execute(statement)


async def _lock(session: AsyncSession, kind: str, *, wait: bool) -> bool:
    """This kind's rollup lock, until the transaction ends; False when ``wait`` is not set
    and another process holds it. Taken again in the same transaction, it is granted."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(kind.encode()) - 2**31  # the lock's int4 key
    if wait:
        await session.execute(select(func.pg_advisory_xact_lock(ROLLUP_LOCK, key)))
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(ROLLUP_LOCK, key))))


async def rebuild(session: AsyncSession, rollup: Rollup, zone_name: str) -> int:
    """Recount every day from the records; returns how many days. The caller commits."""
    await _lock(session, rollup.kind, wait=True)
    zone = ZoneInfo(zone_name)
    started = utcnow()
    model = rollup.model
    await session.execute(delete(rollup.table))
    first, last = (
        await session.execute(select(func.min(model.created_at), func.max(model.created_at)))
    ).one()
    days = all_days(first, last, zone)
    await _recount(session, rollup, days, zone)
    await _set_watermark(session, rollup.kind, started - LAG_MARGIN, zone_name, started)
    return len(days)


async def _set_watermark(
    session: AsyncSession, kind: str, watermark: datetime, zone_name: str, now: datetime
) -> None:
    row = await session.get(RollupWatermark, kind)
    if row is None:
        session.add(
            RollupWatermark(kind=kind, watermark=watermark, zone=zone_name, refreshed_at=now)
        )
    else:
        row.watermark, row.zone, row.refreshed_at = watermark, zone_name, now
    await session.flush()


async def changed_days(
    session: AsyncSession, rollup: Rollup, since: datetime, zone: ZoneInfo
) -> set[date]:
    """The creation days of the records updated after ``since``."""
    model = rollup.model
    created = await session.scalars(
        select(model.created_at).where(model.updated_at > since).distinct()
    )
    return {local_day(moment, zone) for moment in created}


async def refresh(session: AsyncSession, rollup: Rollup, zone_name: str) -> int:
    """Recount the days records changed on since the watermark, then move it; returns the
    days recounted. Another process refreshing the same kind: returns 0 at once (its
    kind's lock is held). No watermark yet, or another zone: rebuilds."""
    if not await _lock(session, rollup.kind, wait=False):
        return 0
    started = utcnow()
    mark = await session.get(RollupWatermark, rollup.kind, populate_existing=True)
    if mark is None:
        return await rebuild(session, rollup, zone_name)
    if mark.zone != zone_name:
        return await rebuild(session, rollup, zone_name)
    zone = ZoneInfo(zone_name)
    days = await changed_days(session, rollup, mark.watermark, zone)
    await _recount(session, rollup, days, zone)
    mark.watermark, mark.refreshed_at = started - LAG_MARGIN, started
    await session.flush()
    return len(days)
