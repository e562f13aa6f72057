import uuid

from fastapi import APIRouter, Response, status

from app.core.versioning import set_etag
from app.deps import AdminActor, IfMatch, RegistryDep, SessionDep
from app.errors import problem_responses
from app.identity import service as identity
from app.identity.schemas import UserCreate, UserPublic, UserUpdate
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, next_cursor_for

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    summary="Create a user",
    description="Admin only. The password is stored as an argon2 hash and never returned.",
    responses=problem_responses(401, 403, 409, 422),
    operation_id="users_create",
)
async def create_user(
    data: UserCreate,
    session: SessionDep,
    _: AdminActor,
    response: Response,
    registry: RegistryDep,
) -> UserPublic:
    user = await identity.create_user(session, data, registry.workflows)
    set_etag(response, user.version)
    return UserPublic.model_validate(user, from_attributes=True)


@router.get(
    "",
    response_model=Page[UserPublic],
    summary="List users",
    description="Admin only. Newest first, keyset-paginated.",
    responses=problem_responses(400, 401, 403, 422),
    operation_id="users_list",
)
async def list_users(
    session: SessionDep,
    _: AdminActor,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[UserPublic]:
    rows = await identity.list_users(session, limit, cursor)
    return Page(
        items=[UserPublic.model_validate(u, from_attributes=True) for u in rows[:limit]],
        next_cursor=next_cursor_for(rows, limit),
    )


@router.get(
    "/{user_id}",
    response_model=UserPublic,
    summary="Read a user",
    description="Admin only.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="users_get",
)
async def read_user(
    user_id: uuid.UUID, session: SessionDep, _: AdminActor, response: Response
) -> UserPublic:
    user = await identity.get_user(session, user_id)
    set_etag(response, user.version)
    return UserPublic.model_validate(user, from_attributes=True)


@router.patch(
    "/{user_id}",
    response_model=UserPublic,
    summary="Change a user",
    description="Admin only: roles, department, activation, password. "
    "Send `If-Match` to refuse a stale write (412).",
    responses=problem_responses(401, 403, 404, 412, 422),
    operation_id="users_update",
)
async def update_user(
    user_id: uuid.UUID,
    data: UserUpdate,
    session: SessionDep,
    _: AdminActor,
    response: Response,
    registry: RegistryDep,
    if_match: IfMatch = None,
) -> UserPublic:
    user = await identity.get_user(session, user_id)
    await identity.update_user(session, user, data, if_match, registry.workflows)
    set_etag(response, user.version)
    return UserPublic.model_validate(user, from_attributes=True)
