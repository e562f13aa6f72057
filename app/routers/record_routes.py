"""Routes every record kind gets from its declaration: create, list, export, read and
update from its surface (app/records/surface.py), one POST per action and its history
from its workflow.

Built per kind so each route has its own typed body, filters, summary and operationId in
the OpenAPI document; no module writes these handlers itself.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.core.versioning import etag_for
from app.deps import (
    CurrentActor,
    IfMatch,
    RegistryDep,
    ReplicaStreamSessionmakerDep,
    SessionDep,
    SettingsDep,
)
from app.errors import problem_responses
from app.models.audit import Event
from app.models.base import utcnow
from app.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    LimitQuery,
    Page,
    decode_sequence_cursor,
    next_cursor_for,
)
from app.records.core_read import RowRenderer
from app.records.exports import XLSX_TYPE, ExportFormat, record_rows, table_response
from app.records.queries import list_visible, visible_query
from app.records.surface import (
    CREATE_PROBLEMS,
    EXPORT_PROBLEMS,
    LIST_PROBLEMS,
    READ_PROBLEMS,
    UPDATE_PROBLEMS,
    Operation,
    RecordSurface,
)
from app.responses import json_response
from app.workflow import engine
from app.workflow.definition import SYSTEM_ROLE, Action, ActionBody, NoBody
from app.workflow.document_declaration import DocumentCatalogue
from app.workflow.event_view import events_public
from app.workflow.registry import RecordKind, Registry
from app.workflow.schemas import EventPublic


async def render_record(
    kind: RecordKind, session: Any, record: Any, actor: Actor, status_code: int = 200
) -> Response:
    """The record as the actor may see it, with its ETag."""
    public = await kind.render(session, record, actor)
    return json_response(public, status_code, {"ETag": etag_for(record.version)})


def _describe(action: Action[Any, Any], kind_documents: DocumentCatalogue | None = None) -> str:
    sources = ", ".join(f"`{state}`" for state in sorted(action.sources))
    target = f"`{action.target}`" if action.target else "the same state"
    lines = [
        f"{action.summary}.",
        "",
        f"From {sources} to {target}. Roles: {', '.join(sorted(action.roles))}.",
    ]
    for state, roles in sorted(action.roles_by_state.items()):
        lines.append(f"From `{state}` only: {', '.join(sorted(roles))}.")
    if action.issues and kind_documents is not None:
        titles = ", ".join(f"{kind_documents.kind(n).title} (`{n}`)" for n in action.issues)
        lines.append(f"Issues: {titles}, listed under `/documents`.")
    for effect in action.clock:
        lines.append(
            f"Deadline clock: {effect.op}{' — ' + effect.describe if effect.describe else ''}."
        )
    lines.append(
        "409 `transition_not_allowed` from another state, 403 for another role, "
        "422 `guard_failed` when a rule refuses it, 412 on a stale `If-Match`."
    )
    return "\n".join(lines)


def _action_endpoint(kind: RecordKind, action: Action[Any, Any]) -> Any:
    workflow = kind.workflow

    async def perform_action(
        record_id: uuid.UUID,
        body: ActionBody,
        session: Any,
        actor: Actor,
        if_match: str | None,
        settings: Settings,
        registry: Registry,
    ) -> Response:
        record = await engine.load_visible(
            session, workflow, workflow.model, record_id, actor, for_action=True
        )
        await engine.apply_action(
            session, workflow, record, action.name, body, actor,
            settings=settings, handovers=registry.handovers, if_match=if_match,
        )  # fmt: skip
        return await render_record(kind, session, record, actor)

    if action.body is NoBody:

        async def without_body(
            record_id: uuid.UUID,
            session: SessionDep,
            actor: CurrentActor,
            settings: SettingsDep,
            registry: RegistryDep,
            if_match: IfMatch = None,
            body: Annotated[NoBody | None, Body()] = None,
        ) -> Response:
            return await perform_action(
                record_id, body or NoBody(), session, actor, if_match, settings, registry
            )

        return without_body

    body_model = action.body

    async def with_body(
        record_id: uuid.UUID,
        body: body_model,  # type: ignore[valid-type]
        session: SessionDep,
        actor: CurrentActor,
        settings: SettingsDep,
        registry: RegistryDep,
        if_match: IfMatch = None,
    ) -> Response:
        return await perform_action(record_id, body, session, actor, if_match, settings, registry)

    return with_body


def workflow_router(kind: RecordKind) -> APIRouter:
    workflow = kind.workflow
    router = APIRouter(prefix=f"/api/v1/{workflow.collection}", tags=[workflow.collection])
    for action in workflow.actions.values():
        if action.roles == {SYSTEM_ROLE}:
            continue
        router.add_api_route(
            f"/{{record_id}}/actions/{action.name}",
            _action_endpoint(kind, action),
            methods=["POST"],
            response_model=kind.public_model,
            summary=action.summary,
            description=_describe(action, workflow.documents),
            operation_id=f"{workflow.collection}_{action.name}",
            responses=problem_responses(401, 403, 404, 409, 412, 422),
        )

    @router.get(
        "/{record_id}/events",
        response_model=Page[EventPublic],
        summary=f"History of a {workflow.name}",
        description="The full-process record (全过程记录): every creation, action and edit, "
        "oldest first, each hash-chained to the one before. `cursor` is the last `seq` read.",
        responses=problem_responses(400, 401, 404, 422),
        operation_id=f"{workflow.collection}_events",
    )
    async def list_events(
        record_id: uuid.UUID,
        session: SessionDep,
        actor: CurrentActor,
        limit: LimitQuery = DEFAULT_LIMIT,
        cursor: Annotated[str | None, Query(max_length=12)] = None,
    ) -> Page[EventPublic]:
        record = await engine.load_visible(session, workflow, workflow.model, record_id, actor)
        after = decode_sequence_cursor(cursor)
        query = (
            select(Event)
            .where(col(Event.kind) == workflow.name, col(Event.record_id) == record.id)
            .where(col(Event.seq) > after)
            .order_by(col(Event.seq))
            .limit(limit + 1)
        )
        events = list((await session.scalars(query)).all())
        return Page(
            items=await events_public(session, kind, record, events[:limit], actor),
            next_cursor=str(events[limit - 1].seq) if len(events) > limit else None,
        )

    return router


def _texts(operation: Operation, problems: tuple[int, ...]) -> dict[str, Any]:
    return {
        "summary": operation.summary,
        "description": operation.description,
        "responses": problem_responses(*(operation.problems or problems)),
    }


def record_router(surface: RecordSurface[Any, Any, Any, Any]) -> APIRouter:
    """POST "", GET "", GET "/export", GET "/{record_id}" and PATCH "/{record_id}"."""
    kind = surface.kind
    workflow = kind.workflow
    router = APIRouter(prefix=f"/api/v1/{workflow.collection}", tags=[workflow.collection])
    create_body, update_body = surface.create_body, surface.update_body
    # A dataclass as its own dependency: FastAPI reads its fields as query parameters and
    # builds it by keyword.
    filters_type = surface.filters
    rows = RowRenderer(
        workflow=workflow, public_model=kind.public_model, rendering=surface.row_rendering
    )
    Filters = Annotated[filters_type, Depends(filters_type)]  # type: ignore[valid-type]

    async def create(
        data: create_body,  # type: ignore[valid-type]
        session: SessionDep,
        actor: CurrentActor,
        settings: SettingsDep,
    ) -> Response:
        record = await surface.create(session, data, actor, settings)
        return await render_record(kind, session, record, actor, status.HTTP_201_CREATED)

    async def list_records(
        session: SessionDep,
        actor: CurrentActor,
        filters: Filters,
        settings: SettingsDep,
        limit: LimitQuery = DEFAULT_LIMIT,
        cursor: CursorQuery = None,
    ) -> Response:
        clauses = surface.filter_clauses(filters, actor, utcnow())
        if settings.core_reads:
            query = visible_query(workflow, actor, clauses)
            return await rows.page(session, query, actor, limit, cursor)
        records = await list_visible(session, workflow, actor, clauses, limit, cursor)
        items = await surface.render_page(session, records[:limit], actor)
        return json_response(Page(items=list(items), next_cursor=next_cursor_for(records, limit)))

    async def export(
        request: Request,
        session: SessionDep,
        actor: CurrentActor,
        filters: Filters,
        replica: ReplicaStreamSessionmakerDep,
        format: ExportFormat = "xlsx",
    ) -> StreamingResponse:
        columns = await surface.columns(session)
        query = visible_query(workflow, actor, surface.filter_clauses(filters, actor, utcnow()))
        rows = record_rows(replica, query, columns, actor, request.app.state.settings.zone)
        return table_response(format, surface.sheet_title, [c.header for c in columns], rows)

    async def read(
        record_id: uuid.UUID, session: SessionDep, actor: CurrentActor, settings: SettingsDep
    ) -> Response:
        if settings.core_reads:
            return await rows.read(session, record_id, actor)
        record = await engine.load_visible(session, workflow, workflow.model, record_id, actor)
        return await render_record(kind, session, record, actor)

    async def update(
        record_id: uuid.UUID,
        data: update_body,  # type: ignore[valid-type]
        session: SessionDep,
        actor: CurrentActor,
        settings: SettingsDep,
        if_match: IfMatch = None,
    ) -> Response:
        record = await engine.load_visible(session, workflow, workflow.model, record_id, actor)
        await surface.update(session, record, data, actor, if_match, settings)
        return await render_record(kind, session, record, actor)

    name = workflow.collection
    public = kind.public_model
    router.add_api_route(
        "",
        create,
        methods=["POST"],
        status_code=status.HTTP_201_CREATED,
        response_model=public,
        operation_id=f"{name}_create",
        **_texts(surface.create_doc, CREATE_PROBLEMS),
    )
    router.add_api_route(
        "",
        list_records,
        methods=["GET"],
        response_model=Page[public],  # type: ignore[valid-type]
        operation_id=f"{name}_list",
        **_texts(surface.list_doc, LIST_PROBLEMS),
    )
    export_texts = _texts(surface.export_doc, EXPORT_PROBLEMS)
    export_texts["responses"] = {
        200: {"content": {"text/csv": {}, XLSX_TYPE: {}}},
        **export_texts["responses"],
    }
    router.add_api_route(
        "/export",
        export,
        methods=["GET"],
        response_class=StreamingResponse,
        operation_id=f"{name}_export",
        **export_texts,
    )
    router.add_api_route(
        "/{record_id}",
        read,
        methods=["GET"],
        response_model=public,
        operation_id=f"{name}_get",
        **_texts(surface.read_doc, READ_PROBLEMS),
    )
    router.add_api_route(
        "/{record_id}",
        update,
        methods=["PATCH"],
        response_model=public,
        operation_id=f"{name}_update",
        **_texts(surface.update_doc, UPDATE_PROBLEMS),
    )
    return router
