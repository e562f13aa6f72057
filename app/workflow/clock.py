"""The deadline clock: start, pause, resume, extend and stop, on the statutory calendar.

Pausing does not count the paused time (e.g. 行政许可法 第四十五条: hearings, testing and
expert review are not counted): on resume the deadline moves by the working days (or,
for natural-day and hour clocks, the time) that passed while paused.
"""

from datetime import datetime
from typing import Any

from app.core.calendar import Period, Unit, WorkCalendar
from app.workflow.context import ActionContext
from app.workflow.definition import ClockEffect, ClockOp, call_maybe_async


def _days_paused(
    calendar: WorkCalendar, unit: str | None, paused: datetime, resumed: datetime
) -> int:
    zone = calendar.zone
    start, end = paused.astimezone(zone).date(), resumed.astimezone(zone).date()
    if end <= start:
        return 0
    if unit == Unit.working_days:
        return calendar.working_days_between(start, end)
    return (end - start).days


def shifted_deadline(
    calendar: WorkCalendar, unit: str | None, due_at: datetime, paused: datetime, resumed: datetime
) -> tuple[datetime, int]:
    """The deadline moved by the time paused, and the whole days that were paused."""
    days = _days_paused(calendar, unit, paused, resumed)
    if unit in (Unit.hours, Unit.minutes):
        return due_at + (resumed - paused), days
    if days == 0:
        return due_at, 0
    moved = calendar.add(due_at, Period(days, Unit(unit or Unit.natural_days)))
    return moved.due_at, days


async def clock_changes(
    ctx: ActionContext[Any, Any], effect: ClockEffect[Any, Any]
) -> dict[str, Any]:
    """The record fields an effect changes, given what the action has set so far."""
    now = ctx.now
    match effect.op:
        case ClockOp.start:
            assert effect.period is not None
            period: Period = await call_maybe_async(effect.period, ctx)
            since = await call_maybe_async(effect.since, ctx) if effect.since else now
            deadline = ctx.calendar.add(since, period)
            return {
                "clock_status": "running",
                "clock_unit": str(period.unit),
                "clock_started_at": since,
                "clock_amount": period.amount,
                "due_at": deadline.due_at,
                "deadline_basis": str(deadline.basis),
                "paused_at": None,
                "paused_days": 0,
                "is_overdue": deadline.due_at < now,
                "overdue_for": None,
            }
        case ClockOp.pause:
            if ctx.current("clock_status") != "running":
                return {}
            return {"clock_status": "paused", "paused_at": now}
        case ClockOp.resume:
            paused_at = ctx.current("paused_at")
            due_at = ctx.current("due_at")
            if ctx.current("clock_status") != "paused" or paused_at is None or due_at is None:
                return {}
            moved, days = shifted_deadline(
                ctx.calendar, ctx.current("clock_unit"), due_at, paused_at, now
            )
            return {
                "clock_status": "running",
                "paused_at": None,
                "due_at": moved,
                "paused_days": ctx.current("paused_days") + days,
                "clock_amount": (ctx.current("clock_amount") or 0) + days,
                "is_overdue": moved < now,
            }
        case ClockOp.extend:
            assert effect.period is not None
            due_at = ctx.current("due_at")
            if due_at is None:
                return {}
            period = await call_maybe_async(effect.period, ctx)
            deadline = ctx.calendar.add(due_at, period)
            return {
                "due_at": deadline.due_at,
                "clock_amount": (ctx.current("clock_amount") or 0) + period.amount,
                "deadline_basis": str(deadline.basis),
                "is_overdue": deadline.due_at < now,
            }
        case ClockOp.stop:
            due_at = ctx.current("due_at")
            finished_late = due_at is not None and due_at < now
            return {
                "clock_status": "stopped",
                "paused_at": None,
                "is_overdue": bool(ctx.current("is_overdue")) or finished_late,
            }


def is_overdue_now(record: Any, now: datetime) -> bool:
    """Overdue if flagged, or if a running clock has passed its deadline."""
    if record.is_overdue:
        return True
    return bool(
        record.clock_status == "running" and record.due_at is not None and record.due_at < now
    )
