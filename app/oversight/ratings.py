"""Service ratings (好差评): one model for every way a rating arrives.

A delivered approval or a closed ticket is rated once, in five levels (国办发〔2019〕51号):
online by the applicant or reporter, by staff recording a phone callback, or pushed by the
provincial 好差评 system's API client; a ticket's callback satisfaction is such a rating.
A rating of 不满意 or worse under the rater's real name opens a rectification (整改).
"""

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.core.numbering import RecordNumber
from app.errors import Conflict, Forbidden, NotFound, UnprocessableEntity
from app.models.rating import Rating, Rectification
from app.models.workflow import WorkflowRecord
from app.oversight.rating_schemas import RatingCreate, RatingGroup, RatingPublic, RatingStats
from app.oversight.rectification_workflow import RECTIFICATION_WORKFLOW
from app.pagination import keyset_after
from app.workflow import engine
from app.workflow.registry import Registry

LEVEL_LABELS = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "very_unsatisfied": "非常不满意",
}
BAD_LEVELS = frozenset({"unsatisfied", "very_unsatisfied"})
# A record is rated once it is done: an approval delivered, a ticket closed.
RATEABLE_STATE = {"approval": "completed", "ticket": "closed"}
# Who records a phone callback's rating, per module.
CALLBACK_ROLES = {"approval": ("clerk",), "ticket": ("operator",)}


def _service_of(kind: str, record: Any) -> str:
    return str(record.service_code if kind == "approval" else record.category_code)


def _rater_number(kind: str, record: Any) -> str | None:
    """An approval is rated by its applicant (online, by callback or through the province);
    a ticket's reporter has no number on record."""
    return str(record.applicant_id_number) if kind == "approval" else None


async def _rectification_for(
    session: AsyncSession, rating: Rating, actor: Actor, settings: Settings
) -> None:
    year = rating.rated_at.year
    task = Rectification(
        status=RECTIFICATION_WORKFLOW.initial,
        title=f"差评整改：{rating.record_number}",
        department_id=rating.department_id,
        rating_id=rating.id,
        source_kind=rating.kind,
        source_record_id=rating.record_id,
        source_number=rating.record_number,
        level=rating.level,
        complaint=rating.comment,
    )
    await engine.create(
        session,
        RECTIFICATION_WORKFLOW,
        task,
        actor,
        payload={"rating_id": str(rating.id), "level": rating.level, "source": rating.kind},
        number=RecordNumber(f"rectification-{year}", f"ZG{year}-{{:06d}}"),
        settings=settings,
    )
    rating.rectification_id = task.id


async def record_rating(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    record: WorkflowRecord,
    *,
    level: str,
    comment: str,
    real_name: bool,
    source: str,
    settings: Settings,
) -> Rating:
    """Store the rating; a bad real-name one opens its rectification in the same transaction."""
    rating = Rating(
        kind=kind,
        record_id=record.id,
        record_number=record.number,
        department_id=record.department_id,
        service=_service_of(kind, record),
        level=level,
        comment=comment,
        real_name=real_name,
        source=source,
        rated_by_id=actor.id if actor.kind in ("user", "api_client") else None,
        rater_id_number=_rater_number(kind, record) if real_name else None,
    )
    try:
        async with session.begin_nested():
            session.add(rating)
            await session.flush()
    except IntegrityError:
        raise Conflict(f"This {kind} has been rated already", code="already_rated") from None
    if level in BAD_LEVELS and real_name and record.department_id is not None:
        await _rectification_for(session, rating, actor, settings)
        await session.flush()
    return rating


def _source_for(actor: Actor, kind: str, record: WorkflowRecord) -> str:
    if actor.kind == "api_client":
        if actor.department_id is not None and actor.department_id != record.department_id:
            raise NotFound(f"No such {kind}")
        return "provincial"
    if actor.has_any("citizen"):
        if record.created_by_id != actor.id:
            raise NotFound(f"No such {kind}")
        return "citizen"
    if actor.has_any(*CALLBACK_ROLES[kind]):
        return "callback"
    raise Forbidden(
        f"A {kind} is rated by its applicant or reporter, by staff recording a callback "
        f"({', '.join(CALLBACK_ROLES[kind])}), or by the provincial system"
    )


async def rate(
    session: AsyncSession, registry: Registry, actor: Actor, data: RatingCreate, settings: Settings
) -> Rating:
    if data.kind == "ticket":
        raise UnprocessableEntity(
            "A ticket is rated by its callback: POST /api/v1/tickets/{id}/actions/close "
            "with `satisfaction`",
            code="rated_by_callback",
        )
    found = registry.get(data.kind)
    assert found is not None
    workflow = found.workflow
    record: WorkflowRecord | None = await session.get(workflow.model, data.record_id)
    if record is None:
        raise NotFound(f"No such {data.kind}")
    source = _source_for(actor, data.kind, record)
    if actor.kind == "user" and not engine.may_see(workflow, record, actor):
        raise NotFound(f"No such {data.kind}")
    if record.status != RATEABLE_STATE[data.kind]:
        raise UnprocessableEntity(
            f"A {data.kind} is rated once it is {RATEABLE_STATE[data.kind]}",
            code="not_rateable",
        )
    return await record_rating(
        session, actor, data.kind, record, level=data.level, comment=data.comment,
        real_name=data.real_name, source=source, settings=settings,
    )  # fmt: skip


# The hotline's three callback answers are three of the five levels.
TICKET_SATISFACTION_LEVELS = {
    "satisfied": "satisfied",
    "basically_satisfied": "basically_satisfied",
    "unsatisfied": "unsatisfied",
}


async def rate_ticket_callback(
    session: AsyncSession,
    actor: Actor,
    ticket: Any,
    satisfaction: str,
    comment: str | None,
    settings: Settings,
) -> Rating:
    """A ticket's callback: the reporter closing it online, or the operator's phone call.
    An anonymous reporter's rating is not under a real name."""
    return await record_rating(
        session,
        actor,
        "ticket",
        ticket,
        level=TICKET_SATISFACTION_LEVELS[satisfaction],
        comment=comment or "",
        real_name=not ticket.reporter_anonymous,
        source="citizen" if actor.has_any("citizen") else "callback",
        settings=settings,
    )


def visible_clause(registry: Registry, actor: Actor) -> Any:
    """A rating is seen by whoever may see the record rated (the records' own scopes)."""
    clauses = []
    for kind in RATEABLE_STATE:
        found = registry.get(kind)
        assert found is not None
        model: Any = found.workflow.model
        visible = select(model.id).where(engine.visible_clause(found.workflow, actor))
        clauses.append(and_(col(Rating.kind) == kind, col(Rating.record_id).in_(visible)))
    return or_(*clauses)


def rating_public(rating: Rating) -> RatingPublic:
    return RatingPublic.model_validate(
        {**rating.model_dump(), "level_label": LEVEL_LABELS[rating.level]}
    )


async def list_ratings(
    session: AsyncSession,
    registry: Registry,
    actor: Actor,
    *,
    kind: str | None,
    limit: int,
    cursor: str | None,
) -> list[Rating]:
    query = select(Rating).where(visible_clause(registry, actor))
    if kind is not None:
        query = query.where(col(Rating.kind) == kind)
    after = keyset_after(col(Rating.rated_at), col(Rating.id), cursor)
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(Rating.rated_at).desc(), col(Rating.id).desc()).limit(limit + 1)
    return list((await session.scalars(query)).all())


async def rating_stats(
    session: AsyncSession,
    registry: Registry,
    actor: Actor,
    group_by: str,
    rated_from: Any = None,
    rated_to: Any = None,
) -> RatingStats:
    """Ratings per department or service, and the share of bad real-name ones rectified
    on time (closed by review before the 15 working days ran out)."""
    group: Any = col(Rating.department_id) if group_by == "department" else col(Rating.service)
    query: Any = (
        select(
            group.label("group"),
            col(Rating.level),
            col(Rating.real_name),
            col(Rectification.status).label("task_status"),
            col(Rectification.is_overdue).label("task_overdue"),
        )
        .outerjoin(Rectification, col(Rectification.id) == col(Rating.rectification_id))
        .where(visible_clause(registry, actor))
    )
    if rated_from is not None:
        query = query.where(col(Rating.rated_at) >= rated_from)
    if rated_to is not None:
        query = query.where(col(Rating.rated_at) < rated_to)
    groups: dict[str, RatingGroup] = {}
    for row in await session.execute(query):
        name = str(row.group) if row.group is not None else ""
        entry = groups.setdefault(
            name,
            RatingGroup(group=name, ratings=0, by_level=dict.fromkeys(LEVEL_LABELS, 0), bad=0,
                        bad_rectified_on_time=0, bad_rectified_on_time_rate=None),
        )  # fmt: skip
        entry.ratings += 1
        entry.by_level[row.level] += 1
        if row.level in BAD_LEVELS:
            entry.bad += 1
            if row.task_status == "closed" and not row.task_overdue:
                entry.bad_rectified_on_time += 1
    for entry in groups.values():
        if entry.bad:
            entry.bad_rectified_on_time_rate = round(entry.bad_rectified_on_time / entry.bad, 4)
    return RatingStats(group_by=group_by, groups=sorted(groups.values(), key=lambda g: g.group))
