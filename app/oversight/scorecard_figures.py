"""The department scorecard's figures, counted by the database: per measure one grouped
statement over the quarter, each department's records counted and those that qualify.

A record counts in the quarter its outcome fell in: a ticket closed, an application or a case
decided, a rating given; a rectification or a disclosure in the quarter its deadline fell
in, once it is settled (closed, published, or past its deadline unsettled).
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.approval import ApprovalApplication as Application
from app.models.case import EnforcementCase as Case
from app.models.document import Disclosure
from app.models.rating import Rating, Rectification
from app.models.ticket import Ticket
from app.oversight.ratings import BAD_LEVELS
from app.records.stats_sql import count_if


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    now: datetime


@dataclass(frozen=True)
class Count:
    counted: int = 0
    qualifying: int = 0


def _within(column: Any, window: Window) -> ColumnElement[bool]:
    return and_(column >= window.start, column < window.end)


def _grouped(
    department: Any, departments: list[uuid.UUID], qualifying: Any, *where: Any
) -> Select[Any]:
    return (
        select(department, func.count(), count_if(qualifying))
        .where(department.in_(departments), *where)
        .group_by(department)
    )


def _tickets_closed(window: Window) -> tuple[Any, ...]:
    return (col(Ticket.status) == "closed", _within(col(Ticket.closed_at), window))


def _settled_by_deadline(
    due_at: Any, settled: ColumnElement[bool], window: Window
) -> tuple[Any, ...]:
    return (_within(due_at, window), or_(settled, due_at < window.now))


def measure_query(measure: str, departments: list[uuid.UUID], window: Window) -> Select[Any]:
    match measure:
        case "ticket_on_time":
            return _grouped(
                col(Ticket.department_id), departments, not_(col(Ticket.is_overdue)),
                *_tickets_closed(window),
            )  # fmt: skip
        case "ticket_reopen":
            return _grouped(
                col(Ticket.department_id), departments, col(Ticket.reopen_count) > 0,
                *_tickets_closed(window),
            )  # fmt: skip
        case "approval_on_time":
            return _grouped(
                col(Application.department_id), departments,
                not_(col(Application.decided_late)), col(Application.decision).is_not(None),
                _within(col(Application.decided_at), window),
            )  # fmt: skip
        case "case_on_time":
            return _grouped(
                col(Case.department_id), departments, not_(col(Case.decided_late)),
                _within(col(Case.decided_at), window),
            )  # fmt: skip
        case "satisfaction":
            return _grouped(
                col(Rating.department_id), departments, col(Rating.level).not_in(BAD_LEVELS),
                _within(col(Rating.rated_at), window),
            )  # fmt: skip
        case "rectification_on_time":
            closed = col(Rectification.status) == "closed"
            return _grouped(
                col(Rectification.department_id), departments,
                and_(closed, not_(col(Rectification.is_overdue))),
                *_settled_by_deadline(col(Rectification.due_at), closed, window),
            )  # fmt: skip
        case "disclosure_on_time":
            published = col(Disclosure.published_at).is_not(None)
            # A decision revoked before its disclosure was published has nothing to publish.
            withdrawn_unpublished = and_(col(Disclosure.status) == "withdrawn", ~published)
            return _grouped(
                col(Disclosure.department_id), departments,
                and_(published, not_(col(Disclosure.published_late))),
                ~withdrawn_unpublished,
                *_settled_by_deadline(col(Disclosure.due_at), published, window),
            )  # fmt: skip
    raise AssertionError(f"unknown measure {measure}")


async def figures(
    session: AsyncSession, measures: Collection[str], departments: list[uuid.UUID], window: Window
) -> dict[tuple[str, uuid.UUID], Count]:
    """(measure, department) → its count; one statement per measure the scheme uses."""
    found: dict[tuple[str, uuid.UUID], Count] = {}
    for measure in sorted(measures):
        for department, counted, qualifying in await session.execute(
            measure_query(measure, departments, window)
        ):
            found[(measure, department)] = Count(counted, qualifying)
    return found
