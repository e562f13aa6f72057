"""A record kind's create / list / export / read / update surface, declared as data.

Each module declares one beside its workflow (``app/tickets/surface.py``, …): the request
bodies, the list's filters, the export's columns, the service functions and the texts the
OpenAPI document shows. ``record_router`` (app/routers/record_routes.py) builds the five
routes from it, as ``workflow_router`` beside it builds the action routes from the workflow.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.config import Settings
from app.records.core_read import RowRendering
from app.records.exports import Column
from app.workflow.registry import RecordKind

R = TypeVar("R")
C = TypeVar("C", bound=BaseModel)
U = TypeVar("U", bound=BaseModel)
F = TypeVar("F")

# The problem statuses each route documents unless its Operation says otherwise.
CREATE_PROBLEMS = (401, 403, 409, 422)
LIST_PROBLEMS = (400, 401, 422)
EXPORT_PROBLEMS = (401, 403, 422)
READ_PROBLEMS = (401, 404, 422)
UPDATE_PROBLEMS = (401, 403, 404, 412, 422)


@dataclass(frozen=True, kw_only=True)
class Operation:
    """What the OpenAPI document says of one route; its operationId is
    ``{collection}_{create|list|export|get|update}``."""

    summary: str
    description: str
    problems: tuple[int, ...] | None = None  # None: the route's usual ones (above)


@dataclass(frozen=True, kw_only=True)
class RecordSurface(Generic[R, C, U, F]):
    """``filters`` is a keyword-only dataclass: its fields, in order, are the query
    parameters of the list and the export (their ``Annotated`` metadata the constraints and
    descriptions), and FastAPI builds it by keyword from the query string."""

    kind: RecordKind
    create_body: type[C]
    update_body: type[U]
    filters: type[F]
    create: Callable[[AsyncSession, C, Actor, Settings], Awaitable[R]]
    update: Callable[[AsyncSession, R, U, Actor, str | None, Settings], Awaitable[R]]
    filter_clauses: Callable[[F, Actor, datetime], list[Any]]
    # A page of records as the caller sees them, in a constant number of statements.
    render_page: Callable[[AsyncSession, list[R], Actor], Awaitable[Sequence[BaseModel]]]
    # GET one and the list pages without the ORM (Settings.core_reads): what the public
    # model adds to the kind's columns, the same function ``render_page`` uses.
    row_rendering: RowRendering
    export_columns: Sequence[Column] | Callable[[AsyncSession], Awaitable[Sequence[Column]]]
    sheet_title: str
    create_doc: Operation
    list_doc: Operation
    export_doc: Operation
    read_doc: Operation
    update_doc: Operation

    async def columns(self, session: AsyncSession) -> Sequence[Column]:
        if callable(self.export_columns):
            return await self.export_columns(session)
        return self.export_columns
