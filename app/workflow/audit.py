"""The full-process record (全过程记录): append-only, hash-chained events per record.

Each event stores the SHA-256 of its canonical content, which includes the hash of the
same record's previous event. One chain per record, so writers to different records
never wait on each other; the record's own version check already serialises writers
to one record.
"""

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from asgi_correlation_id import correlation_id
from pydantic import BaseModel
from sqlalchemy import CTE, Insert, bindparam, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor, is_citizen_roles
from app.models.audit import Event, OutboxMessage
from app.models.base import utcnow

HASHED_FIELDS = (
    "event_id", "kind", "record_id", "seq", "action", "from_status", "to_status",
    "actor_type", "actor_id", "actor_name", "actor_roles", "occurred_at", "comment",
    "payload", "changes", "client_ip", "request_id", "prev_hash",
)  # fmt: skip


def _json_default(value: Any) -> Any:
    # What orjson leaves: Decimal, asyncpg's own UUID class, models, sets, durations.
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"{type(value).__name__} is not JSON")


def to_json_value(value: Any) -> Any:
    """Plain JSON (Decimal and dates as strings) so a database round trip changes nothing."""
    return orjson.loads(orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS))


def event_hash(event: Event) -> str:
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["event_id"] = str(event.event_id)
    content["record_id"] = str(event.record_id)
    content["actor_id"] = str(event.actor_id) if event.actor_id else None
    content["occurred_at"] = event.occurred_at.isoformat(timespec="microseconds")
    canonical = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    """The last event of a record's chain, kept on the record row itself."""

    seq: int
    hash: str | None


def new_event(
    *,
    kind: str,
    record_id: uuid.UUID,
    head: ChainHead,
    action: str,
    actor: Actor,
    from_status: str | None,
    to_status: str | None,
    comment: str | None = None,
    payload: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """The next event of the chain whose head is ``head``, hashed."""
    event = Event(
        kind=kind,
        record_id=record_id,
        seq=head.seq + 1,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_type=actor.kind,
        actor_id=actor.id if actor.kind != "system" else None,
        actor_name=actor.name,
        actor_roles=sorted(actor.roles),
        occurred_at=occurred_at or utcnow(),
        comment=comment,
        payload=to_json_value(payload or {}),
        changes=to_json_value(changes or {}),
        client_ip=actor.ip,
        request_id=correlation_id.get(),
        prev_hash=head.hash,
        hash="",
    )
    event.hash = event_hash(event)
    return event


def outbox_actor(event: Event) -> dict[str, Any]:
    """Who acted, as webhook subscribers learn it: a citizen never by name or id, since a
    subscriber may not see the record's reporter or applicant (保护举报人)."""
    if event.actor_type == "user" and is_citizen_roles(event.actor_roles):
        return {"type": "user", "id": None, "name": None, "roles": ["citizen"]}
    return {
        "type": event.actor_type,
        "id": event.actor_id,
        "name": event.actor_name,
        "roles": event.actor_roles,
    }


# Written with Core, not added to the session: the unit of work's bookkeeping for two rows
# nobody reads back in the request costs more than the inserts themselves.
_EVENTS = Event.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_EVENT_COLUMNS = tuple(column.name for column in _EVENTS.columns if column.name != "id")
_OUTBOX_COLUMNS = tuple(column.name for column in _OUTBOX.columns if column.name != "id")
_INSERT_EVENT = insert(_EVENTS)
_INSERT_OUTBOX = insert(_OUTBOX)


def _outbox_row(
    event: Event, department_id: uuid.UUID | None, record_summary: dict[str, Any]
) -> dict[str, Any]:
    return dict(
        event_id=event.event_id,
        event_type=f"{event.kind}.{event.action}",
        kind=event.kind,
        record_id=event.record_id,
        department_id=department_id,
        payload=to_json_value(
            {
                **record_summary,
                "event": {
                    "id": event.event_id,
                    "seq": event.seq,
                    "action": event.action,
                    "from_status": event.from_status,
                    "to_status": event.to_status,
                    "actor": outbox_actor(event),
                    "occurred_at": event.occurred_at,
                },
            }
        ),
        created_at=utcnow(),
        dispatched_at=None,
    )


def appends_in_one_statement(session: AsyncSession) -> bool:
    """PostgreSQL takes INSERTs (and an UPDATE) in the CTEs of one statement, one round
    trip; SQLite has no data-modifying CTEs and no round trips to save."""
    return session.get_bind().dialect.name == "postgresql"


def _params(prefix: str, table: Any, names: tuple[str, ...]) -> list[Any]:
    return [bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in names]


def append_after(change: CTE | None) -> Insert:
    """One statement that inserts the event and its outbox message, once for each row the
    data-modifying ``change`` (a CTE with RETURNING) returns, or once without one; it
    returns the outbox row's event id, so none came back when the change changed nothing.
    Its parameters are ``append_params``'. Built once per change, then only executed."""
    event_values = _params("event_", _EVENTS, _EVENT_COLUMNS)
    if change is None:
        appending = _INSERT_EVENT.values(dict(zip(_EVENT_COLUMNS, event_values, strict=True)))
    else:
        appending = _INSERT_EVENT.from_select(
            _EVENT_COLUMNS, select(*event_values).select_from(change)
        )
    appended = appending.returning(_EVENTS.c.event_id).cte("appended")
    outbox_values = _params("outbox_", _OUTBOX, _OUTBOX_COLUMNS)
    statement = _INSERT_OUTBOX.from_select(
        _OUTBOX_COLUMNS, select(*outbox_values).select_from(appended)
    ).returning(_OUTBOX.c.event_id)
    return statement.add_cte(*([change] if change is not None else []), appended)


def append_params(
    event: Event, department_id: uuid.UUID | None, record_summary: dict[str, Any]
) -> dict[str, Any]:
    outbox = _outbox_row(event, department_id, record_summary)
    return {
        **{f"event_{name}": getattr(event, name) for name in _EVENT_COLUMNS},
        **{f"outbox_{name}": outbox[name] for name in _OUTBOX_COLUMNS},
    }


_APPEND = append_after(None)


async def append_event(
    session: AsyncSession,
    event: Event,
    department_id: uuid.UUID | None,
    record_summary: dict[str, Any],
) -> None:
    """Insert the event and its outbox message, in the request's transaction."""
    if appends_in_one_statement(session):
        await session.execute(_APPEND, append_params(event, department_id, record_summary))
        return
    await session.execute(_INSERT_EVENT, {name: getattr(event, name) for name in _EVENT_COLUMNS})
    await session.execute(_INSERT_OUTBOX, _outbox_row(event, department_id, record_summary))


@dataclass(frozen=True)
class BrokenLink:
    kind: str
    record_id: uuid.UUID
    seq: int
    expected_hash: str
    stored_hash: str
    problem: str


async def _events(
    session: AsyncSession, kind: str | None, record_id: uuid.UUID | None
) -> AsyncIterator[Event]:
    query = select(Event).order_by(col(Event.kind), col(Event.record_id), col(Event.seq))
    if kind:
        query = query.where(col(Event.kind) == kind)
    if record_id:
        query = query.where(col(Event.record_id) == record_id)
    stream = await session.stream_scalars(query.execution_options(yield_per=1000))
    async for event in stream:
        yield event


async def verify_chains(
    session: AsyncSession, kind: str | None = None, record_id: uuid.UUID | None = None
) -> tuple[int, int, list[BrokenLink]]:
    """Recompute every chain (or one record's): (records, events, broken links)."""
    broken: list[BrokenLink] = []
    records = events = 0
    current: tuple[str, uuid.UUID] | None = None
    previous_hash: str | None = None
    expected_seq = 1
    async for event in _events(session, kind, record_id):
        events += 1
        if (event.kind, event.record_id) != current:
            current, previous_hash, expected_seq = (event.kind, event.record_id), None, 1
            records += 1
        expected = event_hash(event)
        if event.seq != expected_seq:
            broken.append(
                BrokenLink(
                    event.kind,
                    event.record_id,
                    event.seq,
                    "",
                    "",
                    f"sequence gap: expected {expected_seq}",
                )
            )
        if event.prev_hash != previous_hash:
            broken.append(
                BrokenLink(
                    event.kind,
                    event.record_id,
                    event.seq,
                    previous_hash or "",
                    event.prev_hash or "",
                    "previous hash does not match the previous event",
                )
            )
        if expected != event.hash:
            broken.append(
                BrokenLink(
                    event.kind,
                    event.record_id,
                    event.seq,
                    expected,
                    event.hash,
                    "content does not match its hash",
                )
            )
        previous_hash, expected_seq = event.hash, event.seq + 1
    return records, events, broken


async def heads_not_matching(
    session: AsyncSession, kind: str, model: Any, record_id: uuid.UUID | None = None
) -> list[BrokenLink]:
    """Records whose stored chain head is not their chain's last event.

    A chain alone cannot show that its newest events were deleted; the head the record
    row keeps (moved with every change of the record) can.
    """
    of_record = (col(Event.kind) == kind, col(Event.record_id) == model.id)
    last_hash = (
        select(col(Event.hash)).where(*of_record).order_by(col(Event.seq).desc()).limit(1)
    ).scalar_subquery()
    last_seq = select(func.coalesce(func.max(Event.seq), 0)).where(*of_record).scalar_subquery()
    query = select(model.id, model.last_event_seq, model.last_event_hash, last_seq).where(
        or_(
            model.last_event_seq.is_distinct_from(last_seq),
            model.last_event_hash.is_distinct_from(last_hash),
        )
    )
    if record_id is not None:
        query = query.where(model.id == record_id)
    return [
        BrokenLink(
            kind,
            row_id,
            head_seq,
            head_hash or "",
            "",
            f"the record's last event is #{head_seq}, its chain ends at #{chain_seq}",
        )
        for row_id, head_seq, head_hash, chain_seq in (await session.execute(query)).all()
    ]
