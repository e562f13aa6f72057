"""A database connection that dies in the middle of a request is a 503 to retry, never a 500.

Faults are injected through SQLAlchemy's event hooks at each step of a request's
transaction: the connection's checkout (the pre-ping finds it dead and the server refuses a
new one), BEGIN, a statement, and the COMMIT the session dependency makes after the
endpoint returned. The errors are the driver's own, as a PostgreSQL fast shutdown raises
them; one case has the server itself kill the connection in the middle of the statement.
Each runs with and without an ``Idempotency-Key``, whose middleware has transactions of
its own. After each fault nothing of the request is stored and the next request succeeds.
"""

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import DisconnectionError, InterfaceError
from sqlalchemy.util import await_only

from app.main import create_app
from app.models.ticket import Ticket
from tests.conftest import IS_POSTGRES, World
from tests.factories import Person, ticket_body

DRIVER_ERRORS: dict[str, Callable[[], BaseException]] = {
    "admin shutdown": lambda: asyncpg.AdminShutdownError(
        "terminating connection due to administrator command"
    ),
    "connection does not exist": lambda: asyncpg.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation"
    ),
    "cannot connect now": lambda: asyncpg.CannotConnectNowError(
        "the database system is shutting down"
    ),
    "interface error": lambda: asyncpg.InterfaceError("connection is closed"),
    "connection reset": lambda: ConnectionResetError(104, "Connection reset by peer"),
    "wrapped, not marked invalidated": lambda: InterfaceError(
        "COMMIT", None, asyncpg.AdminShutdownError("terminating connection"), False
    ),
}
POINTS = ("checkout", "begin", "statement", "commit")


@contextlib.contextmanager
def fault_once(app: Any, point: str, error: Callable[[], BaseException]) -> Iterator[list[str]]:
    """Raise ``error()`` the first time the request reaches ``point``, the connection gone
    with its transaction as when the server ends it."""
    engine = app.state.engine.sync_engine
    fired: list[str] = []

    def fire(connection: Any = None) -> None:
        if not fired:
            fired.append(point)
            if connection is not None:
                connection.invalidate()
            raise error()

    listeners: list[tuple[Any, str, Callable[..., Any]]] = []
    if point == "checkout":
        # The pre-ping finds the pooled connection dead; the server refuses a new one.
        def dead_on_checkout(*_: Any) -> None:
            if not fired:
                raise DisconnectionError("the pooled connection is gone")

        listeners += [
            (engine.pool, "checkout", dead_on_checkout),
            (engine, "do_connect", lambda *_: fire()),
        ]
    elif point == "begin":
        listeners.append((engine, "begin", fire))
    elif point == "commit":
        listeners.append((engine, "commit", fire))
    else:

        def on_statement(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO TICKETS"):
                fire(connection)

        listeners.append((engine, "before_cursor_execute", on_statement))
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield fired
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)


@contextlib.contextmanager
def server_kills_connection_during_insert(app: Any) -> Iterator[list[str]]:
    """The server ends the connection while the INSERT runs, as a fast shutdown does: on
    PostgreSQL the backend terminates itself in place of the statement (FATAL 57P01 to
    that very statement); SQLite has no server, so its connection is closed under it."""
    engine = app.state.engine.sync_engine
    fired: list[str] = []

    def on_statement(
        conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any
    ) -> tuple[str, Any]:
        if fired or not statement.lstrip().upper().startswith("INSERT INTO TICKETS"):
            return statement, parameters
        fired.append("statement")
        if IS_POSTGRES:
            return "SELECT pg_terminate_backend(pg_backend_pid())", ()
        conn.connection.dbapi_connection.close()
        return statement, parameters

    event.listen(engine, "before_cursor_execute", on_statement, retval=True)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)


@contextlib.contextmanager
def server_kills_connection_before_commit(app: Any) -> Iterator[list[str]]:
    engine = app.state.engine.sync_engine
    fired: list[str] = []

    def on_commit(conn: Any) -> None:
        if fired:
            return
        fired.append("commit")
        raw = conn.connection.dbapi_connection._connection
        with contextlib.suppress(Exception):
            await_only(raw.execute("SELECT pg_terminate_backend(pg_backend_pid())"))

    event.listen(engine, "commit", on_commit)
    try:
        yield fired
    finally:
        event.remove(engine, "commit", on_commit)


async def _stored_tickets(app: Any) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)


def _assert_retry_later(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
    assert int(response.headers["retry-after"]) > 0


async def _file_ticket(world: World, operator: Person, key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return await world.as_(operator).post("/api/v1/tickets", json=ticket_body(), headers=headers)


@pytest.fixture
async def operator(world: World) -> Person:
    return await world.user("operator")


# Every error at every step; with an Idempotency-Key (the middleware's own transactions
# come first) the two errors a fast shutdown gives most.
CASES = [
    *[(point, name, False) for point in POINTS for name in DRIVER_ERRORS],
    *[(point, name, True) for point in POINTS for name in ("admin shutdown", "cannot connect now")],
]


@pytest.mark.parametrize(
    ("point", "error_name", "idempotent"),
    CASES,
    ids=[f"{p}-{n}-{'idempotency-key' if i else 'plain'}" for p, n, i in CASES],
)
async def test_a_connection_dying_at_any_step_of_the_transaction_is_a_503_to_retry(
    world: World,
    operator: Person,
    app: Any,
    point: str,
    error_name: str,
    idempotent: bool,
) -> None:
    key = f"fault-{point}" if idempotent else None
    with fault_once(app, point, DRIVER_ERRORS[error_name]) as fired:
        response = await _file_ticket(world, operator, key)
    assert fired == [point]
    _assert_retry_later(response)
    assert await _stored_tickets(app) == 0
    retried = await _file_ticket(world, operator, key)
    assert retried.status_code == 201, retried.text
    assert await _stored_tickets(app) == 1


# SQLite has no server to end a connection before the commit: a commit on a connection
# closed under it does not even fail, so that case is PostgreSQL's alone.
KILLS = {"during the insert": server_kills_connection_during_insert}
if IS_POSTGRES:
    KILLS["before the commit"] = server_kills_connection_before_commit


@pytest.mark.parametrize("kill", KILLS.values(), ids=KILLS.keys())
@pytest.mark.parametrize("idempotent", [False, True], ids=["plain", "idempotency-key"])
async def test_a_connection_the_server_ends_mid_request_is_a_503_and_the_pool_recovers(
    world: World, operator: Person, app: Any, kill: Any, idempotent: bool
) -> None:
    key = "fault-kill" if idempotent else None
    with kill(app) as fired:
        response = await _file_ticket(world, operator, key)
    assert fired
    _assert_retry_later(response)
    assert await _stored_tickets(app) == 0
    assert (await _file_ticket(world, operator, key)).status_code == 201
    assert (await world.as_(operator).get("/api/v1/tickets")).status_code == 200


def _raising(error: Callable[[], BaseException]) -> Callable[[], Any]:
    async def endpoint() -> None:
        raise error()

    return endpoint


def _wrapped(outer: type[Exception]) -> Callable[[], BaseException]:
    def make() -> BaseException:
        try:
            raise asyncpg.AdminShutdownError("terminating connection due to administrator command")
        except asyncpg.AdminShutdownError as driver_error:
            wrapped = outer("the driver's error, re-raised by an adapter")
            wrapped.__cause__ = driver_error
            return wrapped

    return make


WRAPPED = {
    "raised from the driver's error": _wrapped(RuntimeError),
    "in an exception group": lambda: ExceptionGroup(
        "task group", [asyncpg.ConnectionDoesNotExistError("connection was closed")]
    ),
}


@pytest.mark.parametrize("error", WRAPPED.values(), ids=WRAPPED.keys())
async def test_a_database_error_wrapped_by_another_layer_is_still_a_503(
    settings: Any, error: Callable[[], BaseException]
) -> None:
    application = create_app(settings)
    application.add_api_route("/test-only/wrapped", _raising(error), methods=["GET"])
    transport = ASGITransport(app=application, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        _assert_retry_later(await http.get("/test-only/wrapped"))


async def test_an_error_that_is_not_the_database_stays_a_500(settings: Any) -> None:
    application = create_app(settings)
    application.add_api_route(
        "/test-only/bug", _raising(lambda: ValueError("a bug")), methods=["GET"]
    )
    transport = ASGITransport(app=application, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/test-only/bug")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "retry-after" not in response.headers
