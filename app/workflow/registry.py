"""What the engine needs to know of a kind of record, and the registry of the kinds served.

Each domain declares its ``RecordKind``; ``app.kinds`` lists them in one ``Registry``."""

import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.models.workflow import WorkflowRecord
from app.workflow.context import Handovers, Receiver
from app.workflow.definition import Workflow

Renderer = Callable[[AsyncSession, Any, Actor], Awaitable[BaseModel]]
PayloadMask = Callable[[dict[str, Any], Any, Actor], dict[str, Any]]
TextMask = Callable[[str | None, Any, Actor], str | None]
# How much of the record's person (reporter, applicant, party) the caller sees:
# "full", "masked" or "hidden" (app.core.masking.Disclosure).
DisclosureRule = Callable[[Any, Actor], str]


def _unmasked(payload: dict[str, Any], record: WorkflowRecord, actor: Actor) -> dict[str, Any]:
    return payload


def _text_unmasked(text: str | None, record: Any, actor: Actor) -> str | None:
    return text


def _in_full(record: Any, actor: Actor) -> str:
    return "full"


RecordRule = Callable[[Any], str | None]
AssignedRule = Callable[[AsyncSession, Any], Awaitable[frozenset[uuid.UUID] | None]]


def _always(record: Any) -> str | None:
    return None


@dataclass(frozen=True)
class AttachmentPolicy:
    """What files a module takes, who adds and removes them, and when (a reason if not).

    ``added_by`` and ``removed_by`` are roles, each counted only on the records its scope in
    the workflow gives it (``role_scopes``: a handler on its department's, a citizen on their
    own), and narrowed to the people ``assigned`` once there are any. Whoever added a file
    may also remove it; ``removed_by`` may remove anyone's. Both default to nobody: seeing a
    record never, by itself, lets one change its files.
    """

    kinds: frozenset[str] | None = None  # None: any kind check_kind accepts
    check_kind: Callable[[Any, str], str | None] | None = None
    uploadable: RecordRule = field(default=_always)
    deletable: RecordRule = field(default=_always)
    added_by: frozenset[str] = frozenset()
    removed_by: frozenset[str] = frozenset()
    # The people assigned to the record (a case's officers), who alone among the holders
    # of those roles then add and remove its files; None while nobody is assigned.
    assigned: AssignedRule | None = None
    assigned_means: str = ""  # how the API describes them, e.g. "the case's officers"


@dataclass(frozen=True)
class RecordKind:
    workflow: Workflow
    public_model: type[BaseModel]
    render: Renderer
    # Hides personal data in event payloads from those who may not see it.
    mask_event_payload: PayloadMask = field(default=_unmasked)
    # Hides personal data in an event's comment, the actor's own words.
    mask_event_text: TextMask = field(default=_text_unmasked)
    disclosure: DisclosureRule = field(default=_in_full)
    attachments: AttachmentPolicy | None = None
    # Records of other kinds this one takes over (giving kind -> receiver), through the
    # engine's hook (``ActionContext.hand_over``): a ticket escalated into a case.
    receives: Mapping[str, Receiver] = field(default_factory=dict)

    def party_in_full(self, record: Any, actor: Actor) -> bool:
        """Who sees the party (applicant, party, reporter) in full: they alone may download
        the documents addressed to the party."""
        return self.disclosure(record, actor) == "full"


class Registry:
    """The record kinds one application serves, in their declared order.

    Declared once (``app.kinds``) and handed to whatever needs to look a kind up: the app,
    the worker, the command line, the diagrams. The engine never imports the declaration;
    it is given this.
    """

    def __init__(self, kinds: Iterable[RecordKind]) -> None:
        self.kinds = tuple(kinds)
        self._by_name = {kind.workflow.name: kind for kind in self.kinds}
        if len(self._by_name) != len(self.kinds):
            raise ValueError("two record kinds share a workflow name")

    def __iter__(self) -> Iterator[RecordKind]:
        return iter(self.kinds)

    def __len__(self) -> int:
        return len(self.kinds)

    def get(self, name: str) -> RecordKind | None:
        return self._by_name.get(name)

    @property
    def workflows(self) -> list[Workflow]:
        return [kind.workflow for kind in self.kinds]

    @property
    def handovers(self) -> Handovers:
        """What the kinds take over from each other, for the engine's ``apply_action``."""
        return Handovers({kind.workflow.name: kind.receives for kind in self.kinds})
