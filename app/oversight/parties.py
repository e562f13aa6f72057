"""A party's whole history with the government (企业全生命周期一件事): every approval it
applied for, every case against it, every ticket escalated into one of those cases and every
rating it gave under its real name.

Served by indexes on the party's number in each table (approvals by applicant, cases by
party, tickets through their case's ``source_ticket_id``, ratings by rater), each read
newest first after the cursor and merged: no table is scanned. What a caller sees follows
the records' own visibility (a department its own, supervisors all); an entry carries no
personal datum beyond the number the caller already gave.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.cases.service import party_in_full_clause
from app.core.id_numbers import is_resident_id, is_unified_social_credit_code, normalise
from app.core.masking import refuse_personal_search
from app.errors import UnprocessableEntity
from app.models.approval import ApprovalApplication
from app.models.audit import Event
from app.models.case import EnforcementCase as Case
from app.models.rating import Rating
from app.models.ticket import Ticket
from app.oversight import ratings
from app.oversight.party_schemas import (
    OpenDeadline,
    PartySummary,
    StateCount,
    TimelineEntry,
    TimelinePage,
)
from app.pagination import decode_cursor, encode_cursor
from app.workflow import engine
from app.workflow.definition import Workflow
from app.workflow.registry import Registry

# A permit is held once granted (approved, then delivered) while its validity lasts.
PERMIT_STATES = ("approved", "completed")


def checked_party_number(value: str) -> str:
    number = normalise(value)
    if not (is_resident_id(number) or is_unified_social_credit_code(number)):
        raise UnprocessableEntity(
            "id_number: neither a resident ID (GB 11643) nor a unified social credit code "
            "(GB 32100) with a valid check character",
            code="invalid_id_number",
        )
    return number


@dataclass(frozen=True)
class Source:
    kind: str
    party_clause: Any


def sources(number: str, actor: Actor) -> list[Source]:
    """Each module's records of the party. A case counts only for those who see its party in
    full: finding it by the number would tell a masked viewer who the party is."""
    of_party = and_(col(Case.party_id_number) == number, party_in_full_clause(actor))
    cases_of_party = select(col(Case.source_ticket_id)).where(of_party)
    return [
        Source("approval", col(ApprovalApplication.applicant_id_number) == number),
        Source("case", of_party),
        Source("ticket", col(Ticket.id).in_(cases_of_party)),
    ]


def _refuse_clients(actor: Actor) -> None:
    refuse_personal_search(actor, entitled=True, what="an ID number")


def _workflow(registry: Registry, kind: str) -> Workflow:
    found = registry.get(kind)
    assert found is not None, f"record kind {kind} is not served"
    return found.workflow


def page_query(
    registry: Registry, source: Source, actor: Actor, limit: int, cursor: str | None
) -> Select[Any]:
    """One module's records of the party after ``cursor``, newest first (by its index)."""
    workflow = _workflow(registry, source.kind)
    model: Any = workflow.model
    query = (
        select(model)
        .where(engine.visible_clause(workflow, actor), source.party_clause)
        .order_by(model.created_at.desc(), model.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        created_at, record_id = decode_cursor(cursor)
        query = query.where(tuple_(model.created_at, model.id) < tuple_(created_at, record_id))
    return query


async def _last_steps(
    session: AsyncSession, records: list[tuple[str, Any]]
) -> dict[tuple[str, uuid.UUID], tuple[str, datetime]]:
    """Each record's newest event, found by its chain head (kind, id, seq): one statement."""
    heads = [(kind, r.id, r.last_event_seq) for kind, r in records if r.last_event_seq]
    if not heads:
        return {}
    rows = await session.execute(
        select(
            col(Event.kind), col(Event.record_id), col(Event.action), col(Event.occurred_at)
        ).where(tuple_(col(Event.kind), col(Event.record_id), col(Event.seq)).in_(heads))
    )
    return {(row.kind, row.record_id): (row.action, row.occurred_at) for row in rows}


def rating_page_query(
    registry: Registry, number: str, actor: Actor, limit: int, cursor: str | None
) -> Select[Any]:
    """The party's ratings after ``cursor``, newest first (by ``ix_ratings_rater_rated``),
    as far as the caller sees the records rated."""
    query = (
        select(Rating)
        .where(col(Rating.rater_id_number) == number, ratings.visible_clause(registry, actor))
        .order_by(col(Rating.rated_at).desc(), col(Rating.id).desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        rated_at, rating_id = decode_cursor(cursor)
        query = query.where(
            tuple_(col(Rating.rated_at), col(Rating.id)) < tuple_(rated_at, rating_id)
        )
    return query


def _rating_entry(rating: Rating) -> TimelineEntry:
    label = ratings.LEVEL_LABELS[rating.level]
    return TimelineEntry(
        module="rating",
        collection="ratings",
        id=rating.id,
        number=rating.record_number,
        title=f"服务评价：{label}",
        state=rating.level,
        step="rate",
        step_at=rating.rated_at,
        created_at=rating.rated_at,
        due_at=None,
    )


async def timeline(
    session: AsyncSession,
    registry: Registry,
    actor: Actor,
    id_number: str,
    limit: int,
    cursor: str | None,
) -> TimelinePage:
    _refuse_clients(actor)
    number = checked_party_number(id_number)
    # (when, id, module, row): a record by its creation, a rating by when it was given.
    merged: list[tuple[datetime, uuid.UUID, str, Any]] = []
    for source in sources(number, actor):
        rows = await session.scalars(page_query(registry, source, actor, limit, cursor))
        merged += [(r.created_at, r.id, source.kind, r) for r in rows.all()]
    given = await session.scalars(rating_page_query(registry, number, actor, limit, cursor))
    merged += [(r.rated_at, r.id, "rating", r) for r in given.all()]
    merged.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    page = merged[:limit]
    steps = await _last_steps(session, [(kind, row) for *_, kind, row in page if kind != "rating"])
    items = []
    for _, _, kind, record in page:
        if kind == "rating":
            items.append(_rating_entry(record))
            continue
        step, stepped_at = steps.get((kind, record.id), ("created", record.created_at))
        items.append(
            TimelineEntry(
                module=kind,
                collection=_workflow(registry, kind).collection,
                id=record.id,
                number=record.number,
                title=record.title,
                state=record.status,
                step=step,
                step_at=stepped_at,
                created_at=record.created_at,
                due_at=record.due_at,
            )
        )
    last = page[-1] if len(merged) > limit and page else None
    return TimelinePage(items=items, next_cursor=encode_cursor(last[0], last[1]) if last else None)


async def summary(
    session: AsyncSession, registry: Registry, actor: Actor, id_number: str, today: date
) -> PartySummary:
    _refuse_clients(actor)
    number = checked_party_number(id_number)
    counts: list[StateCount] = []
    deadlines: list[OpenDeadline] = []
    for source in sources(number, actor):
        workflow = _workflow(registry, source.kind)
        model: Any = workflow.model
        visible = (engine.visible_clause(workflow, actor), source.party_clause)
        rows = await session.execute(
            select(model.status, func.count()).where(*visible).group_by(model.status)
        )
        counts += [StateCount(module=source.kind, state=s, count=n) for s, n in rows]
        open_rows = await session.execute(
            select(model.id, model.number, model.due_at, model.is_overdue)
            .where(*visible, model.status.not_in(workflow.terminal), model.due_at.is_not(None))
            .order_by(model.due_at)
        )
        deadlines += [
            OpenDeadline(module=source.kind, id=r.id, number=r.number, due_at=r.due_at,
                         is_overdue=r.is_overdue)
            for r in open_rows
        ]  # fmt: skip
    case_visible = (
        engine.visible_clause(_workflow(registry, "case"), actor),
        col(Case.party_id_number) == number,
        party_in_full_clause(actor),
    )
    fines = (
        await session.execute(
            select(
                func.coalesce(func.sum(col(Case.penalty_fine_amount)), 0),
                func.coalesce(func.sum(col(Case.paid_amount)), 0),
            ).where(*case_visible, col(Case.decided_at).is_not(None))
        )
    ).one()
    permits = await session.scalar(
        select(func.count()).where(
            engine.visible_clause(_workflow(registry, "approval"), actor),
            col(ApprovalApplication.applicant_id_number) == number,
            col(ApprovalApplication.status).in_(PERMIT_STATES),
            col(ApprovalApplication.decision) == "approved",
            (col(ApprovalApplication.valid_until).is_(None))
            | (col(ApprovalApplication.valid_until) >= today),
        )
    )
    return PartySummary(
        id_number=number,
        counts=counts,
        open_deadlines=deadlines,
        penalties_decided=Decimal(str(fines[0])).quantize(Decimal("0.01")),
        penalties_paid=Decimal(str(fines[1])).quantize(Decimal("0.01")),
        permits_held=permits or 0,
    )
