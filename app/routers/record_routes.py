"""Routes every workflow gets from its declaration: one POST per action, and its history.

Built per workflow so each action has its own typed body, summary and operationId in
the OpenAPI document; no module writes these handlers itself.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from sqlalchemy import select
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.core.versioning import etag_for
from app.deps import CurrentActor, IfMatch, SessionDep, SettingsDep
from app.documents.declaration import DocumentCatalogue
from app.errors import problem_responses
from app.models.audit import Event
from app.pagination import DEFAULT_LIMIT, LimitQuery, Page, decode_sequence_cursor
from app.responses import json_response
from app.workflow import engine
from app.workflow.definition import SYSTEM_ROLE, Action, ActionBody, NoBody
from app.workflow.event_view import events_public
from app.workflow.registry import RecordKind, handovers, record_kinds
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
    ) -> Response:
        record = await engine.load_visible(
            session, workflow, workflow.model, record_id, actor, for_action=True
        )
        await engine.apply_action(
            session, workflow, record, action.name, body, actor,
            settings=settings, handovers=handovers(record_kinds()), if_match=if_match,
        )  # fmt: skip
        return await render_record(kind, session, record, actor)

    if action.body is NoBody:

        async def without_body(
            record_id: uuid.UUID,
            session: SessionDep,
            actor: CurrentActor,
            settings: SettingsDep,
            if_match: IfMatch = None,
            body: Annotated[NoBody | None, Body()] = None,
        ) -> Response:
            return await perform_action(
                record_id, body or NoBody(), session, actor, if_match, settings
            )

        return without_body

    body_model = action.body

    async def with_body(
        record_id: uuid.UUID,
        body: body_model,  # type: ignore[valid-type]
        session: SessionDep,
        actor: CurrentActor,
        settings: SettingsDep,
        if_match: IfMatch = None,
    ) -> Response:
        return await perform_action(record_id, body, session, actor, if_match, settings)

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
