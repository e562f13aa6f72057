"""SQL building blocks for the statistics endpoints: aggregates computed in the database."""

import typing
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Select, case, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from app.actor import Actor
from app.workflow import engine
from app.workflow.definition import Workflow


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    """``end - start`` in seconds; SQLite has no interval type, so it goes through julianday."""
    if dialect == "postgresql":
        return typing.cast(ColumnElement[float], func.extract("epoch", end - start))
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
) -> Select[Any]:
    """One scan of the records ``actor`` sees, created in the period, aggregated per group."""
    model: Any = workflow.model
    return (
        select(group.label("group"), *columns)
        .where(
            engine.visible_clause(workflow, actor),
            *created_between(model.created_at, date_from, date_to),
        )
        .group_by(group)
        .order_by(group)
    )
