import uuid

from fastapi import APIRouter, Response, status

from app.core.versioning import set_etag
from app.deps import AdminActor, IfMatch, SessionDep, SettingsDep
from app.errors import problem_responses
from app.integrations import api_clients
from app.integrations.schemas import (
    ApiClientCreate,
    ApiClientPublic,
    ApiClientUpdate,
    ApiClientWithKey,
)
from app.models.integration import ApiClient
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page, next_cursor_for

router = APIRouter(prefix="/api/v1/api-clients", tags=["integrations"])


def _public(client: ApiClient) -> ApiClientPublic:
    return ApiClientPublic.model_validate(client, from_attributes=True)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiClientWithKey,
    summary="Register an API client",
    description="Admin only. The answer carries the API key once; only its hash is stored. "
    "Scopes: `tickets:read|write`, `approvals:read|write`, `cases:read|write`, "
    "`webhooks:manage`.",
    responses=problem_responses(401, 403, 422),
    operation_id="api_clients_create",
)
async def create_client(
    data: ApiClientCreate, session: SessionDep, _: AdminActor, response: Response
) -> ApiClientWithKey:
    client, key = await api_clients.create_client(session, data)
    set_etag(response, client.version)
    return ApiClientWithKey(**_public(client).model_dump(), api_key=key)


@router.get(
    "",
    response_model=Page[ApiClientPublic],
    summary="List API clients",
    description="Admin only. Keys are never shown again.",
    responses=problem_responses(400, 401, 403, 422),
    operation_id="api_clients_list",
)
async def list_clients(
    session: SessionDep,
    _: AdminActor,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ApiClientPublic]:
    rows = await api_clients.list_clients(session, limit, cursor)
    return Page(items=[_public(c) for c in rows[:limit]], next_cursor=next_cursor_for(rows, limit))


@router.get(
    "/{client_id}",
    response_model=ApiClientPublic,
    summary="Read an API client",
    description="Admin only.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="api_clients_get",
)
async def read_client(
    client_id: uuid.UUID, session: SessionDep, _: AdminActor, response: Response
) -> ApiClientPublic:
    client = await api_clients.get_client(session, client_id)
    set_etag(response, client.version)
    return _public(client)


@router.patch(
    "/{client_id}",
    response_model=ApiClientPublic,
    summary="Change an API client",
    description="Admin only: name, department, scopes, activation.",
    responses=problem_responses(401, 403, 404, 412, 422),
    operation_id="api_clients_update",
)
async def update_client(
    client_id: uuid.UUID,
    data: ApiClientUpdate,
    session: SessionDep,
    _: AdminActor,
    response: Response,
    if_match: IfMatch = None,
) -> ApiClientPublic:
    client = await api_clients.get_client(session, client_id)
    await api_clients.update_client(session, client, data, if_match)
    set_etag(response, client.version)
    return _public(client)


@router.post(
    "/{client_id}/rotate-key",
    response_model=ApiClientWithKey,
    summary="Rotate an API client's key",
    description="Admin only. Issues a new key (shown once); the old one keeps working for "
    "`GOVFLOW_API_KEY_GRACE_SECONDS` (default 24 hours), then stops.",
    responses=problem_responses(401, 403, 404),
    operation_id="api_clients_rotate_key",
)
async def rotate_key(
    client_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    _: AdminActor,
    response: Response,
) -> ApiClientWithKey:
    client = await api_clients.get_client(session, client_id)
    client, key = await api_clients.rotate_key(session, client, settings)
    set_etag(response, client.version)
    return ApiClientWithKey(**_public(client).model_dump(), api_key=key)
