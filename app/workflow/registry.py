"""The record kinds the engine serves; each module registers its own at import."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.models.workflow import WorkflowRecord
from app.workflow.definition import Workflow

Renderer = Callable[[AsyncSession, Any, Actor], Awaitable[BaseModel]]
PayloadMask = Callable[[dict[str, Any], Any, Actor], dict[str, Any]]


def _unmasked(payload: dict[str, Any], record: WorkflowRecord, actor: Actor) -> dict[str, Any]:
    return payload


RecordRule = Callable[[Any], str | None]


def _always(record: Any) -> str | None:
    return None


@dataclass(frozen=True)
class AttachmentPolicy:
    """What files a module takes, and when they may be added or removed (a reason if not)."""

    kinds: frozenset[str] | None = None  # None: any kind check_kind accepts
    check_kind: Callable[[Any, str], str | None] | None = None
    uploadable: RecordRule = field(default=_always)
    deletable: RecordRule = field(default=_always)


@dataclass(frozen=True)
class RecordKind:
    workflow: Workflow
    public_model: type[BaseModel]
    render: Renderer
    # Hides personal data in event payloads from those who may not see it.
    mask_event_payload: PayloadMask = field(default=_unmasked)
    attachments: AttachmentPolicy | None = None
    # Who sees the party (applicant, party, reporter) in full: they alone may download
    # the documents addressed to the party.
    party_in_full: Callable[[Any, Actor], bool] = field(default=lambda record, actor: False)


_KINDS: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> RecordKind:
    _KINDS[kind.workflow.name] = kind
    return kind


def record_kinds() -> list[RecordKind]:
    return list(_KINDS.values())


def record_kind(name: str) -> RecordKind | None:
    return _KINDS.get(name)
