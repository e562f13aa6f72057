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
async def running_server(settings: Settings) -> AsyncIterator[tuple[Any, str]]:
    application = create_app(settings)

    async def fail() -> None:
        raise RuntimeError("an unexpected failure")

    application.add_api_route("/test-only/fail", fail, methods=["GET", "POST"])
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
