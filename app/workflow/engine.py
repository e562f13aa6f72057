"""The one path that changes a record's state: check, change, audit, queue — atomically."""

import uuid
from datetime import datetime
from typing import Any, NoReturn, TypeVar

from sqlalchemy import ColumnElement, Insert, Select, bindparam, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.actor import Actor
from app.config import Settings
from app.core.calendar import WorkCalendar, load_calendar
from app.core.numbering import RecordNumber
from app.core.versioning import check_if_match
from app.errors import (
    Forbidden,
    NotFound,
    PreconditionFailed,
    TransitionNotAllowed,
    UnprocessableEntity,
)
from app.models.base import utcnow
from app.models.workflow import WorkflowRecord
from app.workflow.audit import (
    ChainHead,
    append_after,
    append_event,
    append_params,
    appends_in_one_statement,
    new_event,
)
from app.workflow.clock import clock_changes
from app.workflow.context import NO_HANDOVERS, ActionContext, Handovers
from app.workflow.definition import (
    SYSTEM_ROLE,
    Action,
    ActionBody,
    NoBody,
    Workflow,
    call_maybe_async,
)

R = TypeVar("R", bound=WorkflowRecord)

SYSTEM = Actor(
    id=uuid.UUID(int=0),
    kind="system",
    name="system",
    roles=frozenset({SYSTEM_ROLE}),
    department_id=None,
)


def visible_clause(workflow: Workflow, actor: Actor) -> ColumnElement[bool]:
    """SQL for the records ``actor`` may see: any of their roles' scopes."""
    clauses = [
        workflow.role_scopes[role].sql(workflow.model, actor)
        for role in sorted(actor.roles)
        if role in workflow.role_scopes
    ]
    return or_(*clauses) if clauses else false()


def may_see(workflow: Workflow, record: WorkflowRecord, actor: Actor) -> bool:
    return any(
        workflow.role_scopes[role].check(record, actor)
        for role in actor.roles
        if role in workflow.role_scopes
    )


def holds_role_on(
    workflow: Workflow, roles: frozenset[str], record: WorkflowRecord, actor: Actor
) -> bool:
    """The actor holds one of ``roles``, and in that role relates to the record."""
    return any(
        role in workflow.role_scopes and workflow.role_scopes[role].check(record, actor)
        for role in roles & actor.roles
    )


def may_act(
    workflow: Workflow, action: Action[Any, Any], record: WorkflowRecord, actor: Actor
) -> bool:
    roles = action.roles_from(record.status)
    if actor.kind == "system":
        return SYSTEM_ROLE in roles
    return holds_role_on(workflow, roles, record, actor)


def allowed_actions(
    workflow: Workflow, record: WorkflowRecord, actor: Actor, now: datetime | None = None
) -> list[str]:
    now = now or utcnow()
    return [
        action.name
        for action in workflow.actions_from(record.status)
        if may_act(workflow, action, record, actor)
        and (action.available is None or action.available(record, now) is None)
    ]


_READS_BY_ID: dict[tuple[str, bool], Select[Any]] = {}


def _read_by_id(workflow: Workflow, for_action: bool) -> Select[Any]:
    """One record with what its rendering needs, in a statement built once per workflow."""
    key = (workflow.name, for_action)
    if key not in _READS_BY_ID:
        model: Any = workflow.model
        query = (
            select(model).options(*workflow.load_options).where(model.id == bindparam("record_id"))
        )
        if for_action:
            query = query.with_for_update().execution_options(populate_existing=True)
        _READS_BY_ID[key] = query
    return _READS_BY_ID[key]


async def load_visible(
    session: AsyncSession,
    workflow: Workflow,
    model: type[R],
    record_id: uuid.UUID,
    actor: Actor,
    *,
    for_action: bool = False,
) -> R:
    """The record if ``actor`` may see it; otherwise 404, so existence does not leak.

    ``for_action`` locks the row (``FOR UPDATE``, in the same read) until the request
    commits: two actions on one record run one after the other, and the second sees the
    first's result. Without it both would run their effects — rows written in other
    tables included — before the version check let only one of them change the record.
    """
    query = _read_by_id(workflow, for_action)
    record: R | None = (await session.execute(query, {"record_id": record_id})).scalar_one_or_none()
    if record is None or not may_see(workflow, record, actor):
        raise NotFound(f"No such {workflow.name}")
    return record


_SUMMARISED = ("id", "number", "status", "version", "department_id", "due_at")


def record_summary(
    workflow: Workflow, record: WorkflowRecord, written: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the outbox carries about a record (as ``written`` leaves it): no personal
    data, receivers fetch the rest."""
    written = written or {}
    return {
        "kind": workflow.name,
        **{name: written.get(name, getattr(record, name)) for name in _SUMMARISED},
    }


async def agency_calendar(session: AsyncSession, settings: Settings) -> WorkCalendar:
    return await load_calendar(session, settings.zone)


async def create(
    session: AsyncSession,
    workflow: Workflow,
    record: R,
    actor: Actor,
    payload: dict[str, Any],
    comment: str | None = None,
    number: RecordNumber | None = None,
    *,
    settings: Settings,
) -> R:
    record.status = workflow.initial
    if actor.kind == "user" and record.created_by_id is None:
        record.created_by_id = actor.id
    if workflow.create_clock:
        ctx = ActionContext(
            session, workflow.name, None, record, actor, NoBody(), record.created_at,
            await agency_calendar(session, settings), settings, NO_HANDOVERS,
        )  # fmt: skip
        for effect in workflow.create_clock:
            for name, value in (await clock_changes(ctx, effect)).items():
                setattr(record, name, value)
    if number is not None:
        # Taken last: where the counter is the transaction's (SQLite), its row stays locked
        # until this transaction commits (app/core/numbering.py).
        record.number = await number.take(session)
    event = new_event(
        kind=workflow.name,
        record_id=record.id,
        head=ChainHead(0, None),
        action="created",
        actor=actor,
        from_status=None,
        to_status=record.status,
        comment=comment,
        payload=payload,
        occurred_at=record.created_at,
    )
    record.last_event_seq, record.last_event_hash = event.seq, event.hash
    session.add(record)
    await session.flush()
    await append_event(session, event, record.department_id, record_summary(workflow, record))
    return record


async def _write(
    session: AsyncSession,
    workflow: Workflow,
    record: WorkflowRecord,
    actor: Actor,
    values: dict[str, Any],
    now: datetime,
    *,
    action: str,
    expect_status: str | None = None,
    comment: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Change the record and append its event, or change nothing if another writer won.

    One conditional UPDATE on version (and state) also moves the chain's head on the
    record row, so the event's place in the chain is decided by the same row lock.
    """
    model = type(record)
    from_status = record.status
    event = new_event(
        kind=workflow.name,
        record_id=record.id,
        head=ChainHead(record.last_event_seq, record.last_event_hash),
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=values.get("status", from_status),
        comment=comment,
        payload=payload,
        changes={
            name: {"before": getattr(record, name), "after": value}
            for name, value in values.items()
            if getattr(record, name) != value and name != "status"
        },
        occurred_at=now,
    )
    written = {
        **values,
        "version": record.version + 1,
        "updated_at": now,
        "last_event_seq": event.seq,
        "last_event_hash": event.hash,
    }
    if appends_in_one_statement(session) and all(name in _columns(model) for name in written):
        department_id = written.get("department_id", record.department_id)
        appended = await session.execute(
            _change_and_append(model, tuple(written), expect_status is not None),
            {
                "where_id": record.id,
                "where_version": record.version,
                "where_status": expect_status,
                **{f"set_{name}": value for name, value in written.items()},
                **append_params(event, department_id, record_summary(workflow, record, written)),
            },
        )
        if appended.first() is None:
            await _refuse_lost_race(session, workflow, record, actor)
        for name, value in written.items():
            set_committed_value(record, name, value)
        return
    conditions = [model.id == record.id, model.version == record.version]
    if expect_status is not None:
        conditions.append(model.status == expect_status)
    result = await session.execute(
        update(model)
        .where(*conditions)  # type: ignore[arg-type]
        .values(**written)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await _refuse_lost_race(session, workflow, record, actor)
    for name, value in written.items():
        set_committed_value(record, name, value)
    await append_event(session, event, record.department_id, record_summary(workflow, record))
    await session.flush()


def _columns(model: Any) -> Any:
    return model.__table__.c


_CHANGES_AND_APPENDS: dict[tuple[str, tuple[str, ...], bool], Insert] = {}


def _change_and_append(model: Any, names: tuple[str, ...], with_status: bool) -> Insert:
    """The record's conditional UPDATE, its event and its outbox message in one statement
    (PostgreSQL): one round trip where there were three. Nothing is appended when the
    UPDATE matched no row. Built once per table and set of written columns."""
    key = (model.__tablename__, names, with_status)
    if key not in _CHANGES_AND_APPENDS:
        table = model.__table__
        conditions = [
            table.c.id == bindparam("where_id"),
            table.c.version == bindparam("where_version"),
        ]
        if with_status:
            conditions.append(table.c.status == bindparam("where_status"))
        change = (
            update(table)
            .where(*conditions)
            .values({name: bindparam(f"set_{name}", type_=table.c[name].type) for name in names})
            .returning(table.c.id)
            .cte("changed")
        )
        _CHANGES_AND_APPENDS[key] = append_after(change)
    return _CHANGES_AND_APPENDS[key]


async def _refuse_lost_race(
    session: AsyncSession, workflow: Workflow, record: WorkflowRecord, actor: Actor
) -> NoReturn:
    model = type(record)
    row = (
        await session.execute(
            select(model.status, model.version).where(model.id == record.id)  # type: ignore[call-overload]
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"No such {workflow.name}")
    status, version = row
    if status != record.status:
        set_committed_value(record, "status", status)
        raise TransitionNotAllowed(
            f"The {workflow.name} moved to {status!r} meanwhile",
            current_status=status,
            allowed_actions=allowed_actions(workflow, record, actor),
        )
    raise PreconditionFailed(
        f"The {workflow.name} was changed meanwhile (now version {version}): reload and retry",
        current_version=version,
    )


async def apply_action(
    session: AsyncSession,
    workflow: Workflow,
    record: R,
    action_name: str,
    body: ActionBody,
    actor: Actor,
    *,
    settings: Settings,
    handovers: Handovers = NO_HANDOVERS,
    if_match: str | None = None,
    now: datetime | None = None,
    changes: dict[str, Any] | None = None,
    event_payload: dict[str, Any] | None = None,
) -> R:
    """Apply an action; ``changes`` and ``event_payload`` are what a caller beside the
    engine adds to its write and its audit event (the service of a document: its date);
    ``handovers`` are the kinds that take this one's records over (app's registry)."""
    action = workflow.actions.get(action_name)
    if action is None:
        raise NotFound(f"{workflow.name} has no action {action_name!r}", code="unknown_action")
    now = now or utcnow()
    if record.status not in action.sources:
        raise TransitionNotAllowed(
            f"{action_name!r} is not allowed while the {workflow.name} is {record.status!r}",
            current_status=record.status,
            allowed_actions=allowed_actions(workflow, record, actor, now),
        )
    if not may_act(workflow, action, record, actor):
        roles = ", ".join(sorted(action.roles_from(record.status)))
        raise Forbidden(f"{action_name!r} needs one of the roles {roles} for this {workflow.name}")
    check_if_match(if_match, record.version)
    if action.available is not None and (reason := action.available(record, now)):
        raise UnprocessableEntity(reason, code="guard_failed")

    calendar = await agency_calendar(session, settings)
    ctx = ActionContext(
        session, workflow.name, action.name, record, actor, body, now, calendar, settings, handovers
    )
    for guard in action.guards:
        if reason := await call_maybe_async(guard, ctx):
            raise UnprocessableEntity(reason, code="guard_failed")
    if action.effect is not None:
        await call_maybe_async(action.effect, ctx)
    for effect in action.clock:
        ctx.changes.update(await clock_changes(ctx, effect))
    ctx.changes.update(changes or {})
    ctx.event_payload.update(event_payload or {})
    if workflow.documents is not None:
        await workflow.documents.issue(workflow.documents, action, ctx)

    from_status = record.status
    await _write(
        session,
        workflow,
        record,
        actor,
        {**ctx.changes, "status": action.target or from_status},
        now,
        action=action.audit_name,
        expect_status=from_status,
        comment=body.comment,
        payload={**body.model_dump(exclude={"comment"}, mode="json"), **ctx.event_payload},
    )
    return record


async def update_fields(
    session: AsyncSession,
    workflow: Workflow,
    record: R,
    actor: Actor,
    values: dict[str, Any],
    *,
    if_match: str | None = None,
    comment: str | None = None,
    event_name: str = "updated",
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> R:
    """Edit fields (not the state) of a record, with the change recorded in its history."""
    check_if_match(if_match, record.version)
    await _write(
        session,
        workflow,
        record,
        actor,
        values,
        now or utcnow(),
        action=event_name,
        comment=comment,
        payload=payload,
    )
    return record


async def mark_overdue(
    session: AsyncSession, workflow: Workflow, record: WorkflowRecord, now: datetime
) -> None:
    """Flag a record whose running deadline passed, with one ``overdue`` event per deadline."""
    deadline = record.due_at
    await update_fields(
        session,
        workflow,
        record,
        SYSTEM,
        {"is_overdue": True, "overdue_for": deadline},
        event_name="overdue",
        payload={"due_at": deadline},
        now=now,
    )
