"""Service ratings (好差评) and rectifications (整改): thin routes over ``app/oversight``."""

import uuid
from typing import Literal

from fastapi import APIRouter, Query, Response, status

from app.deps import CurrentActor, RegistryDep, SessionDep, SettingsDep
from app.errors import problem_responses
from app.oversight import ratings, rectifications
from app.oversight.rating_schemas import (
    RatingCreate,
    RatingPublic,
    RatingStats,
    RectificationPublic,
)
from app.oversight.rectifications import RECTIFICATIONS
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, encode_cursor
from app.report_period import FromQuery, ToQuery
from app.routers.record_routes import render_record, workflow_router

router = APIRouter(prefix="/api/v1", tags=["oversight"])


@router.post(
    "/ratings",
    status_code=status.HTTP_201_CREATED,
    response_model=RatingPublic,
    summary="Rate a delivered approval (好差评)",
    description="Once per record, after delivery: by the applicant online, by a clerk "
    "recording a phone callback, or by the provincial 好差评 system (API client with "
    "`ratings:write`). A ticket is rated by its callback (the `close` action's "
    "`satisfaction`). 不满意 or worse under the rater's real name opens a rectification "
    "(整改) due within 15 working days.",
    responses=problem_responses(401, 403, 404, 409, 422),
    operation_id="ratings_create",
)
async def create_rating(
    data: RatingCreate,
    session: SessionDep,
    actor: CurrentActor,
    registry: RegistryDep,
    settings: SettingsDep,
) -> RatingPublic:
    return ratings.rating_public(await ratings.rate(session, registry, actor, data, settings))


@router.get(
    "/ratings",
    response_model=Page[RatingPublic],
    summary="List ratings",
    description="Newest first: supervisors all, a department its own, a citizen those given.",
    responses=problem_responses(400, 401, 422),
    operation_id="ratings_list",
)
async def list_ratings(
    session: SessionDep,
    actor: CurrentActor,
    registry: RegistryDep,
    kind: Literal["approval", "ticket"] | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[RatingPublic]:
    rows = await ratings.list_ratings(
        session, registry, actor, kind=kind, limit=limit, cursor=cursor
    )
    more = len(rows) > limit
    return Page(
        items=[ratings.rating_public(r) for r in rows[:limit]],
        next_cursor=encode_cursor(rows[limit - 1].rated_at, rows[limit - 1].id) if more else None,
    )


@router.get(
    "/stats/ratings",
    response_model=RatingStats,
    summary="Rating statistics",
    description="Per department or service: ratings by level, bad ratings, and the share of "
    "bad real-name ones rectified on time.",
    responses=problem_responses(401, 422),
    operation_id="stats_ratings",
)
async def stats(
    session: SessionDep,
    actor: CurrentActor,
    registry: RegistryDep,
    group_by: Literal["department", "service"] = "department",
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> RatingStats:
    return await ratings.rating_stats(session, registry, actor, group_by, date_from, date_to)


@router.get(
    "/rectifications",
    response_model=Page[RectificationPublic],
    summary="List rectifications (整改)",
    description="Newest first: supervisors all, a department its own.",
    responses=problem_responses(400, 401, 422),
    operation_id="rectifications_list",
)
async def list_rectifications(
    session: SessionDep,
    actor: CurrentActor,
    status_: str | None = Query(default=None, alias="status", max_length=32),
    is_overdue: bool | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[RectificationPublic]:
    rows = await rectifications.list_tasks(
        session, actor, status=status_, is_overdue=is_overdue, limit=limit, cursor=cursor
    )
    return Page(
        items=[await rectifications.render(session, r, actor) for r in rows[:limit]],
        next_cursor=encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id)
        if len(rows) > limit
        else None,
    )


@router.get(
    "/rectifications/{record_id}",
    response_model=RectificationPublic,
    summary="Read a rectification",
    description="With its deadline (15 working days from the rating) and allowed actions.",
    responses=problem_responses(401, 404, 422),
    operation_id="rectifications_get",
)
async def read_rectification(
    record_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> Response:
    task = await rectifications.get(session, record_id, actor)
    return await render_record(RECTIFICATIONS, session, task, actor)


routers: list[APIRouter] = [router, workflow_router(RECTIFICATIONS)]
