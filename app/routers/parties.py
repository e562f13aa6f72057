"""A party's whole history with the government (一件事): thin routes over
``app/oversight/parties.py``."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.deps import CurrentActor, NowDep, RegistryDep, ReplicaSessionDep, SessionDep, SettingsDep
from app.errors import problem_responses
from app.oversight import parties
from app.oversight.party_schemas import PartySummary, TimelinePage
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery

router = APIRouter(prefix="/api/v1/parties", tags=["oversight"])

IdNumberPath = Annotated[
    str,
    Path(
        min_length=18,
        max_length=18,
        description="A resident ID number or a unified social credit code (check character "
        "verified).",
        examples=["91110105MA01ABCD2X"],
    ),
]


@router.get(
    "/{id_number}/timeline",
    response_model=TimelinePage,
    summary="A party's whole history",
    description="Every approval the person or organisation applied for, every enforcement "
    "case against it and every hotline ticket escalated into one of those cases, newest "
    "first, keyset-paginated: module, number, state, latest step and its date. Only records "
    "the caller may see (a department its own, supervisors all).",
    responses=problem_responses(400, 401, 422),
    operation_id="parties_timeline",
)
async def party_timeline(
    id_number: IdNumberPath,
    session: ReplicaSessionDep,
    actor: CurrentActor,
    registry: RegistryDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> TimelinePage:
    return await parties.timeline(session, registry, actor, id_number, limit, cursor)


@router.get(
    "/{id_number}",
    response_model=PartySummary,
    summary="A party's summary",
    description="Counts by module and state, open deadlines, fines decided and paid, and "
    "permits held, over the records the caller may see.",
    responses=problem_responses(401, 422),
    operation_id="parties_summary",
)
async def party_summary(
    id_number: IdNumberPath,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentActor,
    now: NowDep,
    registry: RegistryDep,
) -> PartySummary:
    today = now.astimezone(settings.zone).date()
    return await parties.summary(session, registry, actor, id_number, today)
