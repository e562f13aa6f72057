"""Open311 GeoReport v2 over the ticket module: JSON or XML by the path's suffix.

Failures answer in the standard's format, ``[{"code", "description"}]`` (``<errors>`` in
XML), not as problem documents: the routes' own class catches them, FastAPI's validation
errors included, which the standard reports as 400.
"""

from collections.abc import Callable, Coroutine, Sequence
from http import HTTPStatus
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.actor import Actor
from app.config import Settings
from app.core.rate_limit import count_request
from app.deps import SessionDep, SettingsDep, actor_for_api_key, api_key_scheme
from app.errors import BadRequest, Forbidden, GovflowError, Unauthorized
from app.identity.login_throttle import client_network
from app.models.base import utcnow
from app.open311 import service as open311
from app.open311 import updates as open311_updates
from app.open311.schemas import (
    Discovery,
    Open311Error,
    RequestCreated,
    RequestForm,
    RequestUpdate,
    Service,
    ServiceDefinition,
    ServiceRequest,
)
from app.open311.service import MEDIA_TYPES
from app.open311.xml_format import to_xml
from app.schemas.common import IsoDateTime

Format = Literal["json", "xml"]
FormatPath = Annotated[Format, Path(description="`json` or `xml`.")]
HeaderKey = Annotated[str | None, Depends(api_key_scheme)]
JurisdictionQuery = Annotated[
    str | None, Query(max_length=100, description="Accepted; this server is one jurisdiction.")
]


def _answer(
    fmt: Format, root: str, payload: BaseModel | Sequence[BaseModel], status_code: int = 200
) -> Response:
    if isinstance(payload, Sequence):
        data: Any = [item.model_dump(mode="json") for item in payload]
    else:
        data = payload.model_dump(mode="json")
    if fmt == "xml":
        return Response(to_xml(root, data), status_code, media_type=MEDIA_TYPES["xml"])
    return JSONResponse(data, status_code)


def _error(request: Request, status: int, description: str, **headers: str) -> Response:
    fmt: Format = "xml" if request.url.path.endswith(".xml") else "json"
    response = _answer(fmt, "errors", [Open311Error(code=status, description=description)], status)
    response.headers.update(headers)
    return response


def _validation_description(exc: RequestValidationError) -> str:
    return "; ".join(
        f"{error['loc'][-1] if error.get('loc') else 'request'}: {error.get('msg', 'not valid')}"
        for error in exc.errors()
    )


class Open311Route(APIRoute):
    """A route whose failures answer in the standard's error format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return _error(request, 400, _validation_description(exc))
            except GovflowError as exc:
                # Bearer is not how GeoReport clients authenticate: only Retry-After carries over.
                retry = {k: v for k, v in exc.headers.items() if k == "Retry-After"}
                return _error(request, exc.status_code, exc.detail, **retry)
            except StarletteHTTPException as exc:
                detail = exc.detail if isinstance(exc.detail, str) else ""
                return _error(
                    request, exc.status_code, detail or HTTPStatus(exc.status_code).phrase
                )

        return answer


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)


def _responses(model: Any, *errors: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: the JSON shape, the XML alternative, and the standard's error documents."""
    answers: dict[int | str, dict[str, Any]] = {
        200: {"model": model, "content": {MEDIA_TYPES["xml"]: {}}}
    }
    for status in errors:
        answers[status] = {
            "model": list[Open311Error],
            "description": HTTPStatus(status).phrase,
            "content": {MEDIA_TYPES["xml"]: {}},
        }
    return answers


async def _client(request: Request, session: SessionDep, key: str) -> Actor:
    """The API client behind a key; the standard answers an invalid key with 403."""
    try:
        return await actor_for_api_key(request, session, key)
    except Unauthorized as exc:
        raise Forbidden(exc.detail, code=exc.code) from None


async def _count_public_read(request: Request) -> None:
    settings: Settings = request.app.state.settings
    network = client_network(request.client.host if request.client else None)
    # A transaction of its own, as for API clients: the counter row is not held meanwhile.
    async with request.app.state.sessionmaker() as counter_session:
        await count_request(
            counter_session, f"open311:{network}", settings.open311_public_rate_limit_per_minute
        )
        await counter_session.commit()


async def reading_client(
    request: Request,
    session: SessionDep,
    header_key: HeaderKey,
    api_key: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Optional: an API client's key with `tickets:read` (or send it as "
            "`X-API-Key`) for the partner's view; without one, the public view.",
        ),
    ] = None,
) -> Actor | None:
    """A partner's client with a key; None, the public, without one (counted per address)."""
    key = api_key or header_key
    if key:
        return await _client(request, session, key)
    await _count_public_read(request)
    return None


ReadingClient = Annotated[Actor | None, Depends(reading_client)]
ExtensionsQuery = Annotated[
    bool,
    Query(description="mySociety's extension: add `extended_attributes` to each request."),
]
VIEWS = (
    "No key is needed: without one, the public view (no reports or confidential tickets, "
    "the title as description, district and street without the house number, coordinates "
    "to three decimals, no media link), at most "
    "`GOVFLOW_OPEN311_PUBLIC_RATE_LIMIT_PER_MINUTE` requests a minute per address. With "
    "an API key holding `tickets:read`, what that client may read, in full. An invalid key "
    "is 403. Reporters' names, phones and emails are never shown."
)


@router.get(
    "/discovery.{format}",
    response_model=Discovery,
    summary="Service discovery",
    description="Where this GeoReport v2 endpoint is, what it speaks and how to get a key.",
    responses=_responses(Discovery, 400),
    operation_id="open311_discovery",
)
async def read_discovery(format: FormatPath, request: Request, settings: SettingsDep) -> Response:
    endpoint_url = str(request.base_url).rstrip("/") + router.prefix
    return _answer(
        format, "discovery", open311.discovery(endpoint_url, settings.env == "production")
    )


@router.get(
    "/services.{format}",
    response_model=list[Service],
    summary="List services",
    description="The active ticket categories, grouped under their parent category. "
    "No key is needed.",
    responses=_responses(list[Service], 400),
    operation_id="open311_services_list",
)
async def list_services(format: FormatPath, session: SessionDep) -> Response:
    return _answer(format, "services", await open311.list_services(session))


@router.get(
    "/services/{service_code}.{format}",
    response_model=ServiceDefinition,
    summary="Read a service definition",
    description="Categories ask for no extra attributes, so `attributes` is empty. "
    "An unknown or inactive `service_code` is 404.",
    responses=_responses(ServiceDefinition, 400, 404),
    operation_id="open311_service_definition",
)
async def read_service(
    format: FormatPath,
    session: SessionDep,
    service_code: Annotated[str, Path(max_length=64)],
) -> Response:
    return _answer(
        format, "service_definition", await open311.service_definition(session, service_code)
    )


@router.post(
    "/requests.{format}",
    response_model=list[RequestCreated],
    summary="File a service request",
    description="Form-encoded, as the standard defines. Needs `api_key` with `tickets:write` "
    "(missing: 400; invalid or without the scope: 403), "
    "a `service_code` and a location (`lat` and `long`, or `address_string`). The request "
    "becomes a `new` ticket (channel `agency`, type `complaint`), filed with the API client "
    "as the actor exactly like `POST /api/v1/tickets`; its `service_request_id` is the "
    "ticket number. `media_url` is kept as the ticket's link. `email`, `device_id` and "
    "`address_id` are accepted but not kept. "
    "Answers 200: the standard names no status, and some GeoReport clients accept only 200.",
    responses=_responses(list[RequestCreated], 400, 403, 422, 429),
    operation_id="open311_requests_create",
)
async def create_request(
    format: FormatPath,
    form: Annotated[RequestForm, Form()],
    request: Request,
    session: SessionDep,
    header_key: HeaderKey,
) -> Response:
    key = form.api_key or header_key
    if not key:
        raise BadRequest("api_key is required: an API client's key with tickets:write")
    actor = await _client(request, session, key)
    # Errors are answered inside the request's transaction, which then commits: the
    # savepoint makes sure a refused request leaves nothing behind.
    async with session.begin_nested():
        created = await open311.file_request(session, form, actor, request.app.state.settings)
    return _answer(format, "service_requests", [created])


@router.get(
    "/requests.{format}",
    response_model=list[ServiceRequest],
    summary="Search service requests",
    description="Newest first, at most 1,000. `service_request_id` (comma-separated ticket "
    "numbers) overrides every other filter. Without dates, the last 90 days; a date range "
    "spans at most 90 days; dates without an offset are the agency's local time. " + VIEWS,
    responses=_responses(list[ServiceRequest], 400, 403, 429),
    operation_id="open311_requests_list",
)
async def list_requests(
    format: FormatPath,
    session: SessionDep,
    actor: ReadingClient,
    settings: SettingsDep,
    service_request_id: Annotated[str | None, Query(max_length=20_000)] = None,
    service_code: Annotated[str | None, Query(max_length=2_000)] = None,
    start_date: IsoDateTime | None = None,
    end_date: IsoDateTime | None = None,
    status: Annotated[
        str | None, Query(max_length=20, description="`open`, `closed` or `open,closed`.")
    ] = None,
    jurisdiction_id: JurisdictionQuery = None,
    extensions: ExtensionsQuery = False,
) -> Response:
    search = open311.request_search(
        service_request_id, service_code, start_date, end_date, status, utcnow(), settings.zone
    )
    found = await open311.find_requests(session, actor, search, extensions)
    return _answer(format, "service_requests", found)


@router.get(
    "/requests/{service_request_id}.{format}",
    response_model=list[ServiceRequest],
    summary="Read a service request",
    description="One request, as a one-element list as the standard defines, by its "
    "`service_request_id` (the ticket number). " + VIEWS,
    responses=_responses(list[ServiceRequest], 400, 403, 404, 429),
    operation_id="open311_requests_get",
)
async def read_request(
    format: FormatPath,
    session: SessionDep,
    actor: ReadingClient,
    service_request_id: Annotated[str, Path(max_length=32)],
    settings: SettingsDep,
    jurisdiction_id: JurisdictionQuery = None,
    extensions: ExtensionsQuery = False,
) -> Response:
    found = await open311.get_request(session, actor, service_request_id, settings.zone, extensions)
    return _answer(format, "service_requests", [found])


@router.get(
    "/servicerequestupdates.{format}",
    response_model=list[RequestUpdate],
    summary="Status updates of service requests (mySociety extension)",
    description="Every status change of the requests in the window, oldest first, at most "
    "1,000: `start_date` and `end_date` as for the search (the last 90 days without "
    "them, at most 90 days), from the tickets' audit trail; `update_id` is stable. The "
    "same views as the search: " + VIEWS,
    responses=_responses(list[RequestUpdate], 400, 403, 429),
    operation_id="open311_request_updates",
)
async def list_request_updates(
    format: FormatPath,
    session: SessionDep,
    actor: ReadingClient,
    settings: SettingsDep,
    start_date: IsoDateTime | None = None,
    end_date: IsoDateTime | None = None,
    jurisdiction_id: JurisdictionQuery = None,
) -> Response:
    search = open311.request_search(None, None, start_date, end_date, None, utcnow(), settings.zone)
    updates = await open311_updates.find_updates(session, actor, search)
    return _answer(format, "service_requests_updates", updates)
