"""A workflow declared as data: states, actions, roles, bodies, guards and clock effects."""

import enum
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, false, true
from sqlmodel import col

from app.actor import Actor
from app.core.calendar import Period
from app.models.workflow import WorkflowRecord
from app.workflow.body import ActionBody as ActionBody
from app.workflow.body import NoBody as NoBody
from app.workflow.context import (
    Available,
    BodyT,
    Effect,
    Guard,
    PeriodRule,
    RecordT,
    SinceRule,
)
from app.workflow.document_declaration import DocumentCatalogue

SYSTEM_ROLE = "system"

# Contravariant: an action (or clock rule) that takes any record and body serves a
# ticket's ExtendBody action too (PAUSE, STOP, a shared stamp effect).
RecordT_contra = TypeVar("RecordT_contra", bound=WorkflowRecord, contravariant=True)
BodyT_contra = TypeVar("BodyT_contra", bound=ActionBody, contravariant=True)


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
class ClockEffect(Generic[RecordT_contra, BodyT_contra]):
    op: ClockOp
    period: "PeriodRule[RecordT_contra, BodyT_contra] | None" = None
    # start only: when the period begins (default: now)
    since: "SinceRule[RecordT_contra, BodyT_contra] | None" = None
    describe: str = ""


def start(
    period: PeriodRule[RecordT, BodyT],
    since: SinceRule[RecordT, BodyT] | None = None,
    describe: str = "",
) -> ClockEffect[RecordT, BodyT]:
    return ClockEffect(ClockOp.start, period, since, describe)


def extend(period: PeriodRule[RecordT, BodyT], describe: str = "") -> ClockEffect[RecordT, BodyT]:
    return ClockEffect(ClockOp.extend, period, describe=describe)


def fixed(period: Period) -> PeriodRule[WorkflowRecord, ActionBody]:
    """A period the law fixes, whatever the record (e.g. 90 days to decide a case)."""
    return lambda ctx: period


# Any: these read nothing of the record or the body, and fit every action.
AnyClock = ClockEffect[Any, Any]
PAUSE: AnyClock = ClockEffect(ClockOp.pause)
RESUME: AnyClock = ClockEffect(ClockOp.resume)
STOP: AnyClock = ClockEffect(ClockOp.stop)


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
class Action(Generic[RecordT_contra, BodyT_contra]):
    name: str
    sources: frozenset[str]
    target: str | None  # None: the record stays in its state
    roles: frozenset[str]
    summary: str
    body: type[BodyT_contra]
    # A record-only condition shown in allowed_actions; returns the reason it fails.
    available: "Available[RecordT_contra] | None" = None
    guards: "tuple[Guard[RecordT_contra, BodyT_contra], ...]" = ()
    effect: "Effect[RecordT_contra, BodyT_contra] | None" = None
    clock: tuple[ClockEffect[RecordT_contra, BodyT_contra], ...] = ()
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
    # The records it was declared for (``ActionsOf``): the workflow checks it is its own.
    record_model: type[WorkflowRecord] = WorkflowRecord

    @property
    def audit_name(self) -> str:
        return self.event_name or self.name

    def roles_from(self, state: str) -> frozenset[str]:
        return self.roles_by_state.get(state, self.roles)


Roles = tuple[str, ...] | str


def _role_set(roles: Roles) -> frozenset[str]:
    return frozenset([roles] if isinstance(roles, str) else roles)


class ActionsOf(Generic[RecordT]):
    """How a workflow declares its actions: ``action = ActionsOf(Ticket)``, then
    ``action("dispatch", ..., body=DispatchBody, effect=dispatch)``. mypy checks that the
    guards, the effect and the clock rules of each take the action's body and the record.
    An action with neither body nor effect names ``body=NoBody``: nothing else fixes it."""

    def __init__(self, model: type[RecordT]) -> None:
        self.model = model

    def __call__(
        self,
        name: str,
        sources: str | tuple[str, ...] | frozenset[str],
        target: str | None,
        roles: Roles,
        summary: str,
        *,
        # mypy cannot see that the default is a BodyT: it is the one the engine parses.
        body: type[BodyT] = NoBody,  # type: ignore[assignment]
        available: Available[RecordT] | None = None,
        guards: tuple[Guard[RecordT, BodyT], ...] = (),
        effect: Effect[RecordT, BodyT] | None = None,
        clock: ClockEffect[RecordT, BodyT] | tuple[ClockEffect[RecordT, BodyT], ...] = (),
        event_name: str | None = None,
        roles_by_state: Mapping[str, Roles] | None = None,
        queued: bool = True,
        issues: str | tuple[str, ...] = (),
    ) -> Action[RecordT, BodyT]:
        return Action(
            name,
            frozenset([sources] if isinstance(sources, str) else sources),
            target,
            _role_set(roles),
            summary,
            body,
            available=available,
            guards=guards,
            effect=effect,
            clock=(clock,) if isinstance(clock, ClockEffect) else clock,
            event_name=event_name,
            roles_by_state={state: _role_set(r) for state, r in (roles_by_state or {}).items()},
            queued=queued,
            issues=(issues,) if isinstance(issues, str) else issues,
            record_model=self.model,
        )


@dataclass(frozen=True)
class Workflow:
    name: str  # the record kind, e.g. "ticket"
    collection: str  # the URL collection, e.g. "tickets"
    model: type[WorkflowRecord]
    initial: str
    states: tuple[str, ...]
    terminal: frozenset[str]
    # The engine sees one workflow's actions whatever their bodies; each was checked
    # against its body where ``action()`` declared it.
    actions: Mapping[str, Action[Any, Any]]
    role_scopes: Mapping[str, Scope]
    description: str = ""
    # state -> system action the deadline sweeper applies when a record there is overdue
    overdue_actions: Mapping[str, str] = field(default_factory=dict)
    # Clock effects of creation itself (e.g. an application's acceptance period).
    create_clock: tuple[ClockEffect[Any, Any], ...] = ()
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
            if not issubclass(self.model, declared.record_model):
                raise ValueError(f"{self.name}.{name}: declared for {declared.record_model}")
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

    def actions_from(self, state: str) -> list[Action[Any, Any]]:
        return [a for a in self.actions.values() if state in a.sources]
