"""SQL building blocks for the statistics endpoints: aggregates computed in the database."""

import typing
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Select, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from app.actor import Actor
from app.workflow import engine
from app.workflow.definition import Workflow


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """``count(*) FILTER (WHERE …)``: cheaper per row than summing a CASE."""
    return func.count().filter(condition)


def seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    """``end - start`` in seconds; SQLite has no interval type, so it goes through julianday."""
    if dialect == "postgresql":
        # date_part gives a double; EXTRACT a numeric, several times slower to sum.
        return typing.cast(ColumnElement[float], func.date_part("epoch", end - start))
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def average(value: ColumnElement[Any]) -> ColumnElement[float]:
    return func.avg(cast(value, Float))


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def created_between(column: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    clauses = []
    if start is not None:
        clauses.append(column >= start)
    if end is not None:
        clauses.append(column < end)
    return clauses


def grouped_counts(
    workflow: Workflow,
    actor: Actor,
    group: Any,
    date_from: datetime | None,
    date_to: datetime | None,
    *columns: Any,
    details: dict[str, Any] | None = None,
) -> Select[Any]:
    """One scan of the records ``actor`` sees, created in the period, aggregated per group.

    ``details`` (name → expression) split each group further, for callers that fold the
    finer rows themselves.
    """
    model: Any = workflow.model
    details = details or {}
    return (
        select(
            group.label("group"),
            *(expression.label(name) for name, expression in details.items()),
            *columns,
        )
        .where(
            engine.visible_clause(workflow, actor),
            *created_between(model.created_at, date_from, date_to),
        )
        .group_by(group, *details.values())
        .order_by(group)
    )
