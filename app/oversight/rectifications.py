"""Rectification tasks (整改) as a record kind of the engine: read, list and render."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.core.masking import Disclosure
from app.models.base import utcnow
from app.models.rating import Rectification
from app.oversight.rating_schemas import RectificationPublic
from app.oversight.rectification_workflow import RECTIFICATION_WORKFLOW
from app.records.queries import common_filters, list_visible
from app.workflow import engine
from app.workflow.clock import is_overdue_now
from app.workflow.registry import RecordKind


async def render(session: AsyncSession, task: Rectification, actor: Actor) -> RectificationPublic:
    now = utcnow()
    return RectificationPublic.model_validate(
        {
            **task.model_dump(),
            "is_overdue": is_overdue_now(task, now),
            "allowed_actions": engine.allowed_actions(RECTIFICATION_WORKFLOW, task, actor, now),
        }
    )


def rater_disclosure(task: Rectification, actor: Actor) -> Disclosure:
    """Who rated is the supervising office's to know, not the department's that rectifies:
    the rater may be a confidential reporter (保护举报人), so staff see no citizen's name,
    id or address in the task's history."""
    return Disclosure.FULL if actor.has_any("supervisor") else Disclosure.HIDDEN


RECTIFICATIONS = RecordKind(
    RECTIFICATION_WORKFLOW, RectificationPublic, render, disclosure=rater_disclosure
)


async def get(session: AsyncSession, task_id: uuid.UUID, actor: Actor) -> Rectification:
    return await engine.load_visible(session, RECTIFICATION_WORKFLOW, Rectification, task_id, actor)


async def list_tasks(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str | None,
    is_overdue: bool | None,
    limit: int,
    cursor: str | None,
) -> list[Rectification]:
    clauses = common_filters(
        Rectification, utcnow(), equal={Rectification.status: status}, is_overdue=is_overdue
    )
    return await list_visible(session, RECTIFICATION_WORKFLOW, actor, clauses, limit, cursor)
