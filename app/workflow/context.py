"""What an action's guards and effects see, and what they may change."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.core.calendar import WorkCalendar
from app.models.workflow import WorkflowRecord

if TYPE_CHECKING:
    from app.workflow.definition import Action, ActionBody, Workflow


@dataclass
class ActionContext:
    session: AsyncSession
    workflow: "Workflow"
    action: "Action | None"  # None while the record is being created
    record: WorkflowRecord
    actor: Actor
    body: "ActionBody"
    now: datetime
    calendar: WorkCalendar
    # Field -> new value; the engine writes them with the state change, in one UPDATE.
    changes: dict[str, Any] = field(default_factory=dict)
    # Extra facts for the audit event (e.g. a created case's id).
    event_payload: dict[str, Any] = field(default_factory=dict)

    def set(self, **values: Any) -> None:
        self.changes.update(values)

    def current(self, name: str) -> Any:
        """A field's value as the action will leave it."""
        return self.changes.get(name, getattr(self.record, name))
