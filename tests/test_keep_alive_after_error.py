"""After a 500 or a 503 the keep-alive connection still serves the client's next request.

A real uvicorn server on loopback and one httpx connection: the error answer either leaves
the connection usable (the next request goes over the same socket) or says
``Connection: close``; it never resets the next request.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from app.config import Settings
from app.main import create_app
from tests.factories import ticket_body, user
from tests.receiver import free_port
from tests.test_database_faults import DRIVER_ERRORS, fault_once


@contextlib.asynccontextmanager
async def running_server(
    settings: Settings, outer_middleware: Any = None
) -> AsyncIterator[tuple[Any, str]]:
    application = create_app(settings)
    if outer_middleware is not None:
        application.add_middleware(outer_middleware)

    async def fail() -> None:
        raise RuntimeError("an unexpected failure")

    application.add_api_route(
        "/test-only/fail", fail, methods=["GET", "POST"], include_in_schema=False
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="critical")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield application, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def server(app: Any, settings: Settings) -> AsyncIterator[tuple[Any, str]]:
    # ``app`` has built the database; this server is a second app process-alike on it.
    async with running_server(settings) as running:
        yield running


def _local_address(response: httpx.Response) -> Any:
    """The client's end of the socket the response came on; None once it is closed."""
    try:
        return response.extensions["network_stream"].get_extra_info("client_addr")
    except OSError:
        return None


async def _assert_next_request_is_served(http: httpx.AsyncClient, failed: httpx.Response) -> None:
    used = _local_address(failed)
    following = await http.get("/healthz")
    assert following.status_code == 200
    if failed.headers.get("connection", "").lower() != "close":
        assert _local_address(following) == used, "the connection was dropped"


def _one_connection(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base, limits=httpx.Limits(max_connections=1), timeout=10, trust_env=False
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_the_connection_serves_the_next_request_after_an_unexpected_500(
    server: tuple[Any, str], method: str
) -> None:
    _, base = server
    async with _one_connection(base) as http:
        assert (await http.get("/healthz")).status_code == 200
        failed = await http.request(method, "/test-only/fail", json={"some": "body"})
        assert failed.status_code == 500
        assert failed.json()["code"] == "internal_error"
        await _assert_next_request_is_served(http, failed)


async def test_the_connection_serves_the_next_request_after_a_database_503(
    server: tuple[Any, str],
) -> None:
    application, base = server
    operator = await user(application, ("operator",), None)
    async with _one_connection(base) as http:
        with fault_once(application, "commit", DRIVER_ERRORS["admin shutdown"]):
            failed = await http.post(
                "/api/v1/tickets", json=ticket_body(), headers=operator.headers
            )
        assert failed.status_code == 503
        assert failed.headers["retry-after"]
        await _assert_next_request_is_served(http, failed)
        created = await http.post("/api/v1/tickets", json=ticket_body(), headers=operator.headers)
        assert created.status_code == 201


class _FailsOutsideTheApp:
    """Middleware outside everything of ours, failing on one path: Starlette's own last
    handler answers, and the server closes the connection after it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/test-only/outer-fail":
            raise RuntimeError("a failure outside the app")
        await self.app(scope, receive, send)


async def test_an_error_answered_by_the_outermost_handler_says_connection_close(
    app: Any, settings: Settings
) -> None:
    async with (
        running_server(settings, _FailsOutsideTheApp) as (_, base),
        _one_connection(base) as http,
    ):
        failed = await http.get("/test-only/outer-fail")
        assert failed.status_code == 500
        assert failed.headers["connection"] == "close"
        await _assert_next_request_is_served(http, failed)
