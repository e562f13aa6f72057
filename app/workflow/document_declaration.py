"""How a workflow declares its documents: as data, beside its actions.

An action names the kinds it issues (``action(..., issues=("prior_notice",))``); the
workflow's ``DocumentCatalogue`` says, per kind, what the document contains (from the
record as the action leaves it), who receives it, how it is numbered, whether and how it
is served and which record fields its service date sets, and whether it is disclosed.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.actor import Actor
from app.config import Settings
from app.core.calendar import WorkCalendar
from app.models.identity import Department
from app.workflow.body import ActionBody


@dataclass(frozen=True)
class Recipient:
    """The party the document is addressed to (当事人 / 申请人 / 来电人)."""

    type: str  # person / organisation
    name: str
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None

    @property
    def is_person(self) -> bool:
        return self.type != "organisation"


class RecordView:
    """A record's fields as the action will leave them (its changes over the row)."""

    def __init__(self, record: Any, changes: Mapping[str, Any] | None = None) -> None:
        self._record = record
        self._changes = dict(changes or {})

    def __getattr__(self, name: str) -> Any:
        if name in self._changes:
            return self._changes[name]
        return getattr(self._record, name)


@dataclass(frozen=True)
class DocumentSource:
    """What a kind's ``contents`` reads to fill the document."""

    record: Any  # a RecordView
    department: Department
    actor: Actor
    body: ActionBody | None
    now: datetime
    calendar: WorkCalendar
    settings: Settings
    evidence: tuple[str, ...] = ()  # the record's attachments, "kind: file name"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def day(self, moment: datetime | None) -> str:
        """A date as documents write it: 2026年12月2日, in the agency's zone."""
        if moment is None:
            return ""
        local = moment.astimezone(self.calendar.zone).date()
        return f"{local.year}年{local.month}月{local.day}日"


@dataclass(frozen=True)
class ServiceFacts:
    """A service being recorded: what a kind's ``on_service`` computes the clocks from."""

    record: Any
    method: str
    effective_at: datetime
    calendar: WorkCalendar
    correction: bool


@dataclass(frozen=True)
class ServiceRule:
    """How a served document moves its record.

    ``action``: the workflow action that records the service while the record is in one
    of its source states (the decision's ``serve``, the approval's ``deliver``), with the
    body ``body`` builds; otherwise (and on a correction) ``changes`` gives the record
    fields the service date sets, written with an audit event.
    """

    action: str | None = None
    body: Callable[[ServiceFacts], ActionBody] | None = None
    changes: Callable[[ServiceFacts], dict[str, Any]] | None = None
    # When ``action`` is applied on its own (not through the service endpoint): the
    # method and date its body records, so the document counts as served too.
    recorded_by_action: "Callable[[ActionBody, datetime], tuple[str, datetime]] | None" = None


@dataclass(frozen=True)
class DisclosureRule:
    """A decision published to the public (公示), and the actions that withdraw it."""

    category: str  # penalty_decision / permit: the public collection
    withdrawn_by: frozenset[str] = frozenset()
    # The keys of the document's data that are published (then redacted).
    published: tuple[str, ...] = ()


Contents = Callable[[DocumentSource], dict[str, Any]]


@dataclass(frozen=True)
class DocumentKind:
    name: str  # e.g. "penalty_decision"
    title: str  # e.g. "行政处罚决定书"
    code: str  # the kind's mark in the default number, e.g. "罚"
    contents: Contents
    recipient: Callable[[Any], Recipient]
    # A number the record already carries (the case's decision number), else the counter.
    number: Callable[[Any], str | None] | None = None
    service: ServiceRule | None = None  # None: an internal document, never served
    disclosure: DisclosureRule | None = None
    # Issued only when this holds of the action's body (a ticket's reply in writing).
    when: "Callable[[ActionBody], bool] | None" = None


@dataclass(frozen=True)
class DocumentCatalogue:
    """A workflow's documents: the ``documents=`` part of its declaration.

    ``issue`` is what issues an action's documents in its transaction (app/documents): the
    engine calls it after the state change, so the engine itself imports no document code.
    """

    kinds: Mapping[str, DocumentKind]
    issue: Callable[..., Awaitable[None]]

    def kind(self, name: str) -> DocumentKind:
        return self.kinds[name]

    def withdrawing(self, action: str) -> list[DisclosureRule]:
        """The disclosures an action (a revocation) withdraws."""
        return [
            kind.disclosure
            for kind in self.kinds.values()
            if kind.disclosure is not None and action in kind.disclosure.withdrawn_by
        ]
