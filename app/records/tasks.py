"""The caller's work queue (待办) across every registered workflow, soonest deadline first."""

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.models.base import utcnow
from app.pagination import decode_cursor
from app.workflow import engine
from app.workflow.clock import is_overdue_now
from app.workflow.definition import Workflow
from app.workflow.registry import RecordKind, Registry
from app.workflow.schemas import TaskItem

# Records with no deadline sort after every dated one.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


def _actionable_states(workflow: Workflow, actor: Actor) -> list[str]:
    return sorted(
        {
            state
            for action in workflow.actions.values()
            if action.roles & actor.roles
            for state in action.sources
        }
    )


def _encode(item: TaskItem) -> str:
    raw = json.dumps([(item.due_at or NO_DEADLINE).isoformat(), str(item.id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    return decode_cursor(cursor, beyond=NO_DEADLINE)


async def _tasks_of_kind(
    session: AsyncSession,
    kind: RecordKind,
    actor: Actor,
    *,
    overdue: bool | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    now: datetime,
) -> list[TaskItem]:
    workflow = kind.workflow
    model: Any = workflow.model
    states = _actionable_states(workflow, actor)
    if not states:
        return []
    sort_due = func.coalesce(model.due_at, NO_DEADLINE)
    query = select(model).where(model.status.in_(states), engine.visible_clause(workflow, actor))
    if overdue is not None:
        late = or_(
            model.is_overdue.is_(True),
            and_(model.clock_status == "running", model.due_at < now),
        )
        query = query.where(late if overdue else ~late)
    if after is not None:
        query = query.where(tuple_(sort_due, model.id) > tuple_(after[0], after[1]))
    items: list[TaskItem] = []
    # Guards can hide a candidate's actions, so read on until the page is full.
    batch = query.order_by(sort_due, model.id).limit(limit * 2 + 10)
    for record in (await session.scalars(batch)).all():
        actions = engine.allowed_actions(workflow, record, actor, now)
        if any(workflow.actions[name].queued for name in actions):
            items.append(
                TaskItem(
                    kind=workflow.name,
                    id=record.id,
                    number=record.number,
                    title=record.title,
                    status=record.status,
                    allowed_actions=actions,
                    due_at=record.due_at,
                    is_overdue=is_overdue_now(record, now),
                    url=f"/api/v1/{workflow.collection}/{record.id}",
                )
            )
    return items


async def my_tasks(
    session: AsyncSession,
    actor: Actor,
    registry: Registry,
    *,
    kind: str | None,
    overdue: bool | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[TaskItem], str | None]:
    now = utcnow()
    after = _decode(cursor) if cursor else None
    items: list[TaskItem] = []
    for record_kind in registry:
        if kind and record_kind.workflow.name != kind:
            continue
        items += await _tasks_of_kind(
            session, record_kind, actor, overdue=overdue, after=after, limit=limit, now=now
        )
    items.sort(key=lambda item: (item.due_at or NO_DEADLINE, item.id))
    page = items[:limit]
    return page, _encode(page[-1]) if len(items) > limit else None
