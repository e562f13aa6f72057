"""RFC 9457 problem responses, one hierarchy, one set of handlers.

GovflowError (500, internal_error)
├── BadRequest (400, bad_request)
├── Unauthorized (401, not_authenticated)
├── Forbidden (403, forbidden)
├── NotFound (404, not_found)
├── Conflict (409, conflict)
│   ├── TransitionNotAllowed (409, transition_not_allowed)
│   └── IdempotencyKeyReused (409, idempotency_key_reused)
├── PreconditionFailed (412, version_mismatch)
├── PayloadTooLarge (413, payload_too_large)
├── UnsupportedMediaType (415, unsupported_media_type)
├── UnprocessableEntity (422, validation_error / guard_failed / ...)
├── TooManyRequests (429, rate_limited) — carries Retry-After
└── ServiceUnavailable (503, service_unavailable)

Any other error is answered by ``unexpected_error_response``: the database or the connection
to it gone (``is_database_unavailable``, wherever it surfaced) is a 503 with Retry-After,
anything else the 500 problem.
"""

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Relative (RFC 9457 §3.1.1): the app's own page for each code, app.routers.problems.
PROBLEM_TYPE_BASE = "/problems/"

log = structlog.get_logger(__name__)
# RFC 9110's names; Python 3.11's HTTPStatus still has RFC 7231's for these two.
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


def status_title(status: int) -> str:
    return _TITLES.get(status) or HTTPStatus(status).phrase


class GovflowError(Exception):
    status_code = 500
    code = "internal_error"
    title = "Internal Server Error"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.headers = headers or {}
        self.extra = extra


class BadRequest(GovflowError):
    status_code, code, title = 400, "bad_request", "Bad Request"


class Unauthorized(GovflowError):
    status_code, code, title = 401, "not_authenticated", "Unauthorized"

    def __init__(self, detail: str = "Not authenticated", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class Forbidden(GovflowError):
    status_code, code, title = 403, "forbidden", "Forbidden"


class NotFound(GovflowError):
    status_code, code, title = 404, "not_found", "Not Found"


class Conflict(GovflowError):
    status_code, code, title = 409, "conflict", "Conflict"


class TransitionNotAllowed(Conflict):
    code, title = "transition_not_allowed", "Transition Not Allowed"


class IdempotencyKeyReused(Conflict):
    code, title = "idempotency_key_reused", "Idempotency Key Reused"


class PreconditionFailed(GovflowError):
    status_code, code, title = 412, "version_mismatch", "Precondition Failed"


class PayloadTooLarge(GovflowError):
    status_code, code, title = 413, "payload_too_large", "Content Too Large"


class UnsupportedMediaType(GovflowError):
    status_code, code, title = 415, "unsupported_media_type", "Unsupported Media Type"


class UnprocessableEntity(GovflowError):
    status_code, code, title = 422, "validation_error", "Unprocessable Content"


class TooManyRequests(GovflowError):
    status_code, code, title = 429, "rate_limited", "Too Many Requests"

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))}, **kwargs)


class ServiceUnavailable(GovflowError):
    status_code, code, title = 503, "service_unavailable", "Service Unavailable"


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[ValidationIssue] | None = None


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title or status_title(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _methods_for(request: Request) -> list[str]:
    allowed = []
    for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.routes):
            allowed.append(method)
    return allowed


def _errors_from_validation(exc: RequestValidationError) -> list[dict[str, Any]]:
    issues = []
    for error in exc.errors():
        loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
        issues.append({"loc": loc, "msg": str(error.get("msg", "invalid"))})
    return issues


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GovflowError)
    async def _govflow(request: Request, exc: GovflowError) -> JSONResponse:
        return problem_response(
            exc.status_code,
            exc.code,
            exc.detail,
            title=exc.title,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        unreadable = [e for e in exc.errors() if e.get("type") == "json_invalid"]
        if unreadable:
            return _malformed_json(request, unreadable[0])
        return problem_response(
            422,
            "validation_error",
            "The request is not valid: see errors",
            instance=request.url.path,
            errors=_errors_from_validation(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first route matching the path; list them all.
            headers["Allow"] = ", ".join(_methods_for(request))
        return problem_response(
            exc.status_code, code, detail, instance=request.url.path, headers=headers
        )

    @app.exception_handler(PoolTimeoutError)
    @app.exception_handler(DBAPIError)
    @app.exception_handler(OSError)
    @app.exception_handler(asyncpg.PostgresError)
    @app.exception_handler(asyncpg.InterfaceError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        return unexpected_error_response(exc, request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return unexpected_error_response(exc, request.url.path)


# SQLSTATE classes meaning "the server is not there for you now": 08 connection exception,
# 53 insufficient resources (too many connections, disk full), 57P operator intervention
# (admin shutdown as a fast stop sends it, crash shutdown, cannot connect now).
UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
RETRY_AFTER_SECONDS = 5


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: the driver error under SQLAlchemy's (``orig``), explicit
    causes, the errors of a group, and for the database layer's own errors the one it was
    raised while handling (a rollback that fails after a commit did)."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            pending.append(orig)
        if current.__cause__ is not None:
            pending.append(current.__cause__)
        if current.__context__ is not None and isinstance(
            current, SQLAlchemyError | asyncpg.PostgresError | asyncpg.InterfaceError
        ):
            pending.append(current.__context__)


def _means_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError | PoolTimeoutError | OSError):
        return True
    if isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc):
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATES)


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` is the database (or the connection to it) going away, at any step of
    a request: checkout, begin, a statement, the commit. Those are a 503 to retry, not a
    500: nothing of the request was committed unless the commit's answer was lost, and an
    ``Idempotency-Key`` makes the retry safe in that case too."""
    return any(_means_unavailable(cause) for cause in _causes(exc))


def unexpected_error_response(
    exc: BaseException, instance: str | None, *, log_500: bool = True
) -> JSONResponse:
    """The answer for an error no handler expected: 503 with ``Retry-After`` when the
    database is unavailable, else the 500 problem (logged with its traceback unless the
    caller passes the error on to a handler that logs it).

    A 500 says ``Connection: close``: after a bug the server closes the connection (the
    error reaches it), and a client told so opens a new one instead of seeing its next
    request reset."""
    if is_database_unavailable(exc):
        log.warning("database_unavailable", error=type(exc).__name__)
        return problem_response(
            503,
            "service_unavailable",
            "The database is not reachable right now; retry shortly",
            instance=instance,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if log_500:
        log.error("unhandled_error", exc_info=exc)
    return problem_response(
        500,
        "internal_error",
        "An unexpected error occurred",
        instance=instance,
        headers={"Connection": "close"},
    )


def _malformed_json(request: Request, error: dict[str, Any]) -> JSONResponse:
    """A body that is not JSON at all is unreadable (400), not invalid content (422)."""
    loc = error.get("loc", ())
    position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    reason = str((error.get("ctx") or {}).get("error", "JSON decode error"))
    where = f" at character {position}" if position is not None else ""
    return problem_response(
        400,
        "malformed_json",
        f"The request body is not valid JSON ({reason}{where}): send a JSON document with "
        "Content-Type: application/json",
        instance=request.url.path,
        position=position,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring problem documents for these statuses."""
    return {
        status: {
            "model": Problem,
            "description": status_title(status),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }
