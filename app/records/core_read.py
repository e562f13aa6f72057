"""Reads of one record and of list pages without the ORM: rows to JSON bytes.

The profile of every hot read was the worker's CPU, half of it spent building ORM entities,
dumping them into the public pydantic model, validating that and serialising it. Here a
record is read with SQLAlchemy Core (rows, no identity map), and each kind's renderer,
generated once from its public model, turns a row into the same JSON: the columns the
model names pass through a converter chosen per field (orjson writes UUIDs, times and
dates itself; money and nested shapes go through their pydantic type), and the fields
that are not columns — masked persons, ``allowed_actions``, deadlines — come from the
kind's own ``public_fields`` function, the one its ORM rendering uses too, so masking is
decided in one place for both paths.

``Settings.core_reads`` chooses this path or the ORM one (the routes in
app/routers/record_routes.py), so a benchmark can compare the two in one run.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import orjson
from fastapi import Response
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Column, Select, bindparam, inspect, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.core.versioning import etag_for
from app.db import core_rows
from app.errors import NotFound
from app.models.base import utcnow
from app.pagination import keyset_after, next_cursor_for
from app.workflow import engine
from app.workflow.definition import Workflow

# (record, actor, what the page read for it, now) -> the public fields that are not columns,
# or that show a column otherwise (a masked person, a running deadline).
PublicFields = Callable[[Any, Actor, Any, datetime], dict[str, Any]]
# What a page's rendering reads for all its records at once (ticket duplicates, officers).
PageExtras = Callable[[AsyncSession, list[Any]], Awaitable[Mapping[uuid.UUID, Any]]]
Converter = Callable[[Any], Any]

JSON_OPTIONS = orjson.OPT_UTC_Z  # pydantic writes UTC as "Z", orjson as "+00:00" without it


def _other(value: Any) -> Any:
    """What orjson does not write itself: asyncpg's own UUID type (a uuid.UUID subclass)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(content: Any) -> bytes:
    return orjson.dumps(content, default=_other, option=JSON_OPTIONS)


# Written as they are by orjson exactly as pydantic writes them in JSON mode.
_NATIVE = (str, int, bool, float, uuid.UUID, datetime, date, NoneType)
# Row's own attributes: a column with one of these names would be shadowed.
_ROW_ATTRIBUTES = frozenset({"count", "index", "t", "tuple"})


def _native(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Literal:
        return all(isinstance(value, str | int | bool) for value in get_args(annotation))
    if origin in (Union, UnionType):
        return all(_native(arm) for arm in get_args(annotation))
    if origin is list:
        return all(_native(arm) for arm in get_args(annotation))
    return annotation in _NATIVE


def converter_for(annotation: Any, metadata: Sequence[Any]) -> Converter | None:
    """None where the value is written as it is; else its pydantic type's JSON form (money's
    two-decimal string, a nested model's fields and defaults)."""
    if _native(annotation) and not metadata:
        return None
    adapter: TypeAdapter[Any] = TypeAdapter(
        Annotated[(annotation, *metadata)] if metadata else annotation
    )

    def convert(value: Any) -> Any:
        if isinstance(value, BaseModel):  # built by public_fields: valid already
            return value.model_dump(mode="json")
        return adapter.dump_python(adapter.validate_python(value), mode="json")

    return convert


@dataclass(frozen=True, kw_only=True)
class RowRendering:
    """A kind's declaration for the Core path: what its public model adds to its columns."""

    public_fields: PublicFields
    page_extras: PageExtras | None = None


@dataclass(kw_only=True)
class RowRenderer:
    """One kind's row-to-JSON renderer, built from its public model and workflow."""

    workflow: Workflow
    public_model: type[BaseModel]
    rendering: RowRendering

    @cached_property
    def columns(self) -> list[Any]:
        """Every column the mapper loads, column properties (a ticket's duplicates) too."""
        mapper: Any = inspect(self.workflow.model)
        selected = []
        for attribute in mapper.column_attrs:
            expression = attribute.expression
            if attribute.key in _ROW_ATTRIBUTES:
                raise ValueError(f"column {attribute.key!r} would be shadowed on a Row")
            plain = isinstance(expression, Column) and expression.key == attribute.key
            selected.append(expression if plain else expression.label(attribute.key))
        return selected

    @cached_property
    def fields(self) -> list[tuple[str, Converter | None]]:
        return [
            (name, converter_for(info.annotation, info.metadata))
            for name, info in self.public_model.model_fields.items()
        ]

    @cached_property
    def by_id(self) -> Select[Any]:
        model: Any = self.workflow.model
        return select(*self.columns).where(model.id == bindparam("record_id"))

    def to_dict(self, row: Row[Any], actor: Actor, extra: Any, now: datetime) -> dict[str, Any]:
        values = row._mapping
        added = self.rendering.public_fields(row, actor, extra, now)
        shown: dict[str, Any] = {}
        for name, convert in self.fields:
            value = added[name] if name in added else values[name]
            shown[name] = value if convert is None or value is None else convert(value)
        return shown

    async def _extras(self, session: AsyncSession, rows: list[Any]) -> Mapping[uuid.UUID, Any]:
        if self.rendering.page_extras is None:
            return {}
        return await self.rendering.page_extras(session, rows)

    async def read(self, session: AsyncSession, record_id: uuid.UUID, actor: Actor) -> Response:
        """``GET /{id}``: the record as the actor may see it with its ETag, or 404 (as
        engine.load_visible: existence does not leak)."""
        result = await core_rows(session, self.by_id, {"record_id": record_id})
        row: Any = result.one_or_none()
        if row is None or not engine.may_see(self.workflow, row, actor):
            raise NotFound(f"No such {self.workflow.name}")
        extras = await self._extras(session, [row])
        body = to_json(self.to_dict(row, actor, extras.get(row.id), utcnow()))
        return Response(
            body, media_type="application/json", headers={"ETag": etag_for(row.version)}
        )

    async def page(
        self,
        session: AsyncSession,
        query: Select[Any],
        actor: Actor,
        limit: int,
        cursor: str | None,
    ) -> Response:
        """A list page of ``query`` (records the actor may see, newest first) as the ORM
        path renders ``Page[public model]``."""
        model: Any = self.workflow.model
        query = query.with_only_columns(*self.columns)
        after = keyset_after(model.created_at, model.id, cursor)
        if after is not None:
            query = query.where(after)
        rows = list((await core_rows(session, query.limit(limit + 1))).all())
        shown = rows[:limit]
        extras = await self._extras(session, shown)
        now = utcnow()
        items = [self.to_dict(row, actor, extras.get(row.id), now) for row in shown]
        page = {"items": items, "next_cursor": next_cursor_for(rows, limit)}
        return Response(to_json(page), media_type="application/json")
