"""What an action's guards and effects see, and what they may change.

``ActionContext[RecordT, BodyT]`` is typed by the record kind and the action's body, so a
guard declared for ``ActionContext[Ticket, ExtendBody]`` reads ``ctx.record.extended_days``
and ``ctx.body.days`` checked by mypy; ``action()`` ties the body type, the guards, the
effect and the clock rules of one action together.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.config import Settings
from app.core.calendar import Period, WorkCalendar
from app.models.workflow import WorkflowRecord
from app.workflow.body import ActionBody

# Covariant: a context of a ticket and its ExtendBody is a context of some record and body,
# so a guard written for any record (``ActionContext[WorkflowRecord, ActionBody]``) serves
# every action.
RecordT_co = TypeVar("RecordT_co", bound=WorkflowRecord, covariant=True)
BodyT_co = TypeVar("BodyT_co", bound=ActionBody, covariant=True)
RecordT = TypeVar("RecordT", bound=WorkflowRecord)
BodyT = TypeVar("BodyT", bound=ActionBody)


@dataclass(frozen=True)
class ActionContext(Generic[RecordT_co, BodyT_co]):
    session: AsyncSession
    kind: str  # the record kind, e.g. "ticket"
    action_name: str | None  # None while the record is being created
    record: RecordT_co
    actor: Actor
    body: BodyT_co
    now: datetime
    calendar: WorkCalendar
    settings: Settings
    # Who takes records of this kind over (a ticket escalated into a case).
    handovers: "Handovers"
    # Field -> new value; the engine writes them with the state change, in one UPDATE.
    changes: dict[str, Any] = field(default_factory=dict)
    # Extra facts for the audit event (e.g. a created case's id).
    event_payload: dict[str, Any] = field(default_factory=dict)

    def set(self, **values: Any) -> None:
        self.changes.update(values)

    def current(self, name: str) -> Any:
        """A field's value as the action will leave it."""
        return self.changes.get(name, getattr(self.record, name))

    async def hand_over(self, kind: str) -> WorkflowRecord:
        """The record of ``kind`` its receiver makes of this one, in this transaction."""
        receiver = self.handovers.receivers.get(kind, {}).get(self.kind)
        if receiver is None:
            raise LookupError(f"No {kind} takes over a {self.kind}")
        return await receiver(self)


# A receiving kind's side of a handover: given the giving action's context, the new record.
Receiver = Callable[[ActionContext[Any, Any]], Awaitable[WorkflowRecord]]


@dataclass(frozen=True)
class Handovers:
    """Receiving kind -> giving kind -> receiver: the engine's hook for effects that
    reach into another module, so the giving module never imports the receiving one."""

    receivers: Mapping[str, Mapping[str, Receiver]] = field(default_factory=dict)


NO_HANDOVERS = Handovers()


Guard = Callable[[ActionContext[RecordT, BodyT]], Awaitable[str | None] | str | None]
Effect = Callable[[ActionContext[RecordT, BodyT]], Awaitable[None] | None]
PeriodRule = Callable[[ActionContext[RecordT, BodyT]], Awaitable[Period] | Period]
SinceRule = Callable[[ActionContext[RecordT, BodyT]], datetime]
Available = Callable[[RecordT, datetime], str | None]
