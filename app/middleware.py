"""Cross-cutting ASGI middleware: body limit, security headers, access log and metrics."""

import re
import time
from collections.abc import Awaitable, Callable

import structlog
from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import is_database_unavailable, problem_response, unexpected_error_response

log = structlog.get_logger("govflow.access")
error_log = structlog.get_logger(__name__)

REQUESTS = Counter("govflow_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "govflow_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
    b"cache-control": b"no-store",
    # Ignored by browsers over plain HTTP; behind TLS it keeps them from downgrading.
    b"strict-transport-security": b"max-age=31536000",
}
# The Swagger UI loads its script and styles from a CDN; the API itself needs none.
API_CSP = b"default-src 'none'; frame-ancestors 'none'"


# A caller's request id is kept when it is printable ASCII of reasonable length (UUIDs,
# 32 hex characters, gateways' own trace formats); anything else could forge log lines or
# break headers, and is replaced by a fresh UUID.
SAFE_REQUEST_ID = re.compile(r"[!-~](?:[ -~]{0,126}[!-~])?")


def is_safe_request_id(value: str) -> bool:
    return SAFE_REQUEST_ID.fullmatch(value) is not None


class _BodyTooLarge(Exception):
    pass


async def _answer_unless_started(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    errors: type[Exception],
    answer: Callable[[Exception], Awaitable[bool]],
) -> None:
    """Run ``app``; when it raises one of ``errors`` before its response started, send
    ``answer(error)`` in its place; the error stops here when ``answer`` says it is handled.

    An error passed on to the server makes it close the connection, so the client's next
    request on it would be reset unless the answer said ``Connection: close``. An error
    after the app finished its response stops here (the client has its answer, and the
    connection stays usable); one in the middle of a response goes on, so that the server
    cuts the connection instead of leaving a truncated body looking complete.
    """
    started = finished = False

    async def tracking_send(message: Message) -> None:
        nonlocal started, finished
        if message["type"] == "http.response.start":
            started = True
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            finished = True
        await send(message)

    try:
        await app(scope, receive, tracking_send)
    except errors as exc:
        if not started:
            if await answer(exc):
                return
            raise
        if not finished:
            raise
        if is_database_unavailable(exc):
            # Cleanup after the answer (the idempotency record's release) needs the database
            # that just went away.
            error_log.warning("database_unavailable_after_response", error=type(exc).__name__)
        else:
            error_log.error("error_after_response", exc_info=exc)


class BodyLimitMiddleware:
    """413 for request bodies over the configured size, declared or streamed.

    File uploads (``POST …/attachments``) get their own, larger limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        is_upload = scope["method"] == "POST" and scope["path"].endswith("/attachments")
        # Multipart framing adds a little to the file's own size.
        limit = self.upload_max_bytes + 64 * 1024 if is_upload else self.max_bytes

        async def too_large(_: Exception | None = None) -> bool:
            answer = problem_response(
                413, "payload_too_large", f"The request body is over {limit} bytes"
            )
            await answer(scope, receive, send)
            return True

        if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
            await too_large()
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise _BodyTooLarge
            return message

        await _answer_unless_started(
            self.app, scope, limited_receive, send, _BodyTooLarge, too_large
        )


class ObservabilityMiddleware:
    """Security headers, one structured access-log line and Prometheus metrics per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name.decode(), value.decode())
                if not scope["path"].startswith(("/docs", "/redoc")):
                    headers.setdefault("content-security-policy", API_CSP.decode())
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            route_path = getattr(route, "path", "unmatched")
            REQUESTS.labels(scope["method"], route_path, str(status)).inc()
            LATENCY.labels(scope["method"], route_path).observe(elapsed)
            # The route's template, never the URL: query strings carry API keys and phones.
            log.info(
                "request",
                method=scope["method"],
                path=route_path,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
            )


class UnexpectedErrorMiddleware:
    """The answer for an error nothing else handled (the 500 problem, or the 503 when the
    database went away, as in the idempotency middleware's own transactions), answered
    inside the CORS and security-header middleware so that it carries their headers.

    Starlette would answer in its outermost middleware, past both.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def unexpected(exc: Exception) -> bool:
            response = unexpected_error_response(exc, scope["path"], log_500=False)
            await response(scope, receive, send)
            # The database gone is expected, answered and done. A 500 is a bug: it goes on
            # to Starlette's last handler, which logs it, and to the server (and a test
            # client), which closes the connection as the answer said.
            return response.status_code != 500

        await _answer_unless_started(self.app, scope, receive, send, Exception, unexpected)
