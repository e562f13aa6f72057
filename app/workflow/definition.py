"""A workflow declared as data: states, actions, roles, bodies, guards and clock effects."""

import enum
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, false, true
from sqlmodel import col

from app.actor import Actor
from app.core.calendar import Period
from app.documents.declaration import DocumentCatalogue
from app.models.workflow import WorkflowRecord

if TYPE_CHECKING:
    from app.workflow.context import ActionContext

SYSTEM_ROLE = "system"


class ActionBody(BaseModel):
    """Base of every action's request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    comment: str | None = None


class NoBody(ActionBody):
    pass


Guard = Callable[["ActionContext"], Awaitable[str | None] | str | None]
Effect = Callable[["ActionContext"], Awaitable[None] | None]
PeriodRule = Callable[["ActionContext"], Awaitable[Period] | Period]
SinceRule = Callable[["ActionContext"], datetime]


async def call_maybe_async(function: Callable[..., Any], *args: Any) -> Any:
    result = function(*args)
    return await result if inspect.isawaitable(result) else result


class ClockOp(enum.StrEnum):
    start = "start"
    pause = "pause"
    resume = "resume"
    extend = "extend"
    stop = "stop"


@dataclass(frozen=True)
class ClockEffect:
    op: ClockOp
    period: PeriodRule | None = None
    since: SinceRule | None = None  # start only: when the period begins (default: now)
    describe: str = ""


def start(period: PeriodRule, since: SinceRule | None = None, describe: str = "") -> ClockEffect:
    return ClockEffect(ClockOp.start, period, since, describe)


def extend(period: PeriodRule, describe: str = "") -> ClockEffect:
    return ClockEffect(ClockOp.extend, period, describe=describe)


PAUSE = ClockEffect(ClockOp.pause)
RESUME = ClockEffect(ClockOp.resume)
STOP = ClockEffect(ClockOp.stop)


@dataclass(frozen=True)
class Scope:
    """Which records a role relates to: as SQL for lists, as Python for one record."""

    name: str
    sql: Callable[[type[WorkflowRecord], Actor], ColumnElement[bool]]
    check: Callable[[WorkflowRecord, Actor], bool]


ALL = Scope("all", lambda model, actor: true(), lambda record, actor: True)
DEPARTMENT = Scope(
    "department",
    lambda model, actor: (
        col(model.department_id) == actor.department_id if actor.department_id else false()
    ),
    lambda record, actor: (
        actor.department_id is not None and record.department_id == actor.department_id
    ),
)
OWN = Scope(
    "own",
    lambda model, actor: col(model.created_by_id) == actor.id,
    lambda record, actor: record.created_by_id == actor.id,
)


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the record stays in its state
    roles: frozenset[str]
    summary: str
    body: type[ActionBody] = NoBody
    # A record-only condition shown in allowed_actions; returns the reason it fails.
    available: Callable[[WorkflowRecord, datetime], str | None] | None = None
    guards: tuple[Guard, ...] = ()
    effect: Effect | None = None
    clock: tuple[ClockEffect, ...] = ()
    event_name: str | None = None  # the audit/outbox name when it differs from the action
    # When who may act depends on the state (e.g. a clerk decides on the spot, the leader
    # after review): state -> roles, overriding ``roles`` there.
    roles_by_state: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # False for actions one may take but that are nobody's pending work (urge, extend,
    # revoke, withdraw): they do not put a record in GET /tasks/mine.
    queued: bool = True
    # The documents (文书) the law ties to this action, issued with it: kinds of the
    # workflow's DocumentCatalogue.
    issues: tuple[str, ...] = ()

    @property
    def audit_name(self) -> str:
        return self.event_name or self.name

    def roles_from(self, state: str) -> frozenset[str]:
        return self.roles_by_state.get(state, self.roles)


def action(
    name: str,
    sources: str | tuple[str, ...] | frozenset[str],
    target: str | None,
    roles: tuple[str, ...] | str,
    summary: str,
    **options: Any,
) -> Action:
    """Shorthand used by the workflow declarations."""
    source_set = frozenset([sources] if isinstance(sources, str) else sources)
    role_set = frozenset([roles] if isinstance(roles, str) else roles)
    clock = options.pop("clock", ())
    if isinstance(clock, ClockEffect):
        clock = (clock,)
    if isinstance(options.get("issues"), str):
        options["issues"] = (options["issues"],)
    if "roles_by_state" in options:
        options["roles_by_state"] = {
            state: frozenset([r] if isinstance(r, str) else r)
            for state, r in options["roles_by_state"].items()
        }
    return Action(name, source_set, target, role_set, summary, clock=tuple(clock), **options)


@dataclass(frozen=True)
class Workflow:
    name: str  # the record kind, e.g. "ticket"
    collection: str  # the URL collection, e.g. "tickets"
    model: type[WorkflowRecord]
    initial: str
    states: tuple[str, ...]
    terminal: frozenset[str]
    actions: Mapping[str, Action]
    role_scopes: Mapping[str, Scope]
    description: str = ""
    # state -> system action the deadline sweeper applies when a record there is overdue
    overdue_actions: Mapping[str, str] = field(default_factory=dict)
    # Clock effects of creation itself (e.g. an application's acceptance period).
    create_clock: tuple[ClockEffect, ...] = ()
    # Loader options for reads that render records (one, or a page): what the rendering
    # needs beside the columns, in the same statement.
    load_options: tuple[Any, ...] = ()
    # The official documents its actions issue (app/documents).
    documents: DocumentCatalogue | None = None

    def __post_init__(self) -> None:
        states = set(self.states)
        if self.initial not in states or not self.terminal <= states:
            raise ValueError(f"{self.name}: initial and terminal states must be declared")
        for name, declared in self.actions.items():
            if name != declared.name:
                raise ValueError(f"{self.name}: action key {name} != {declared.name}")
            targets = {declared.target} if declared.target else set()
            unknown = (declared.sources | targets) - states
            if unknown:
                raise ValueError(f"{self.name}.{name}: unknown states {sorted(unknown)}")
            if declared.sources & self.terminal:
                raise ValueError(f"{self.name}.{name}: terminal states accept no action")
            if not set(declared.roles_by_state) <= declared.sources:
                raise ValueError(f"{self.name}.{name}: roles_by_state names other states")
        for declared in self.actions.values():
            kinds = self.documents.kinds if self.documents else {}
            if unknown_kinds := set(declared.issues) - set(kinds):
                raise ValueError(
                    f"{self.name}.{declared.name}: undeclared documents {unknown_kinds}"
                )
        for state, action_name in self.overdue_actions.items():
            if action_name not in self.actions or state not in self.actions[action_name].sources:
                raise ValueError(f"{self.name}: overdue action {action_name} not from {state}")

    @property
    def open_states(self) -> tuple[str, ...]:
        return tuple(state for state in self.states if state not in self.terminal)

    def actions_from(self, state: str) -> list[Action]:
        return [a for a in self.actions.values() if state in a.sources]
