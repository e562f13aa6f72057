"""GOVFLOW_READ_DATABASE_URL: statistics and the party timeline read the replica; a client's
read of its own write never does. The "replica" here is a second database with the schema and
none of the primary's rows, so which one answered shows in the answer itself."""

import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import Settings
from app.db import create_engine, create_read_sessionmaker, create_sessionmaker
from tests.case_bureau import COMPANY
from tests.conftest import DATABASE_URL, IS_POSTGRES, World, reset_database, run_alembic
from tests.conftest import temporary_folder as folder
from tests.factories import ticket_body

STATS = "/api/v1/stats/tickets"


def _replica_url() -> str:
    if not IS_POSTGRES:
        return f"sqlite+aiosqlite:///{folder('govflow-replica-')}/test_replica.db"
    url = make_url(DATABASE_URL)
    return url.set(database=f"{url.database}_replica").render_as_string(hide_password=False)


async def _create_postgres_database(url: str, drop: bool = False) -> None:
    name = make_url(url).database
    server = create_async_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    async with server.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await server.dispose()


def _count_statements(engine: Any, counts: Counter[str], name: str) -> Any:
    def count(*_: Any) -> None:
        counts[name] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    return count


@pytest.fixture(scope="module")
async def replica_url() -> AsyncIterator[str]:
    url = _replica_url()
    if IS_POSTGRES:
        await _create_postgres_database(url)
    await reset_database(url)
    await run_alembic(url, "upgrade", "head")
    yield url
    if IS_POSTGRES:
        await _create_postgres_database(url, drop=True)


@pytest.fixture
async def statements(app: Any, replica_url: str) -> AsyncIterator[Counter[str]]:
    """The app with the second database as its replica; statements counted per engine."""
    settings = app.state.settings.model_copy(update={"read_database_url": replica_url})
    replica = create_engine(settings, replica_url)
    counts: Counter[str] = Counter()
    _count_statements(replica, counts, "replica")
    on_primary = _count_statements(app.state.engine, counts, "primary")
    original = app.state.sessionmakers
    app.state.sessionmakers = dataclasses.replace(
        original,
        replica_read=create_read_sessionmaker(replica, settings),
        replica_stream=create_sessionmaker(replica),
        replica_engine=replica,
    )
    yield counts
    app.state.sessionmakers = original
    event.remove(app.state.engine.sync_engine, "before_cursor_execute", on_primary)
    await replica.dispose()


def _received(stats: dict[str, Any]) -> int:
    return sum(row["received"] for row in stats["rows"])


async def test_statistics_and_the_timeline_read_the_replica(
    world: World, statements: Counter[str]
) -> None:
    operator = await world.user("operator")
    created = await world.as_(operator).post("/api/v1/tickets", json=ticket_body())
    assert created.status_code == 201, created.text
    supervisor = await world.user("supervisor")

    statements.clear()
    stats = await world.as_(supervisor).get(STATS)
    assert stats.status_code == 200, stats.text
    # The replica has none of the primary's tickets: the figures are the replica's.
    assert _received(stats.json()) == 0
    assert statements["replica"] > 0
    exported = await world.as_(supervisor).get(f"{STATS}/export", params={"format": "csv"})
    assert exported.status_code == 200, exported.text

    before = statements["replica"]
    timeline = await world.as_(supervisor).get(f"/api/v1/parties/{COMPANY['id_number']}/timeline")
    assert timeline.status_code == 200, timeline.text
    assert statements["replica"] > before


async def test_a_client_reading_its_own_writes_never_reaches_the_replica(
    world: World, statements: Counter[str]
) -> None:
    admin = await world.user("admin")
    department = await world.department("CGJ")
    operator = await world.user("operator")
    handler = await world.user("handler", department=department)
    as_operator, as_handler = world.as_(operator), world.as_(handler)
    statements.clear()

    ticket = (await as_operator.post("/api/v1/tickets", json=ticket_body())).json()
    url = f"/api/v1/tickets/{ticket['id']}"
    read = await as_operator.get(url)
    assert read.status_code == 200 and read.json()["id"] == ticket["id"]
    listed = await as_operator.get("/api/v1/tickets")
    assert ticket["id"] in [item["id"] for item in listed.json()["items"]]
    dispatched = await as_operator.post(
        f"{url}/actions/dispatch", json={"department_id": str(department["id"])}
    )
    assert dispatched.status_code == 200, dispatched.text
    tasks = await as_handler.get("/api/v1/tasks/mine")
    assert tasks.status_code == 200, tasks.text
    assert ticket["id"] in [task["id"] for task in tasks.json()["items"]]
    summary = await world.as_(admin).get(f"/api/v1/parties/{COMPANY['id_number']}")
    assert summary.status_code == 200, summary.text

    assert statements["primary"] > 0
    assert statements["replica"] == 0


async def test_without_a_replica_statistics_share_the_requests_primary_connection(
    app: Any, world: World
) -> None:
    assert app.state.settings.read_database_url is None
    assert app.state.sessionmakers.replica_read is None
    operator = await world.user("operator")
    await world.as_(operator).post("/api/v1/tickets", json=ticket_body())
    supervisor = await world.user("supervisor")
    checkouts: list[int] = []

    def checked_out(*_: Any) -> None:
        checkouts.append(1)

    event.listen(app.state.engine.sync_engine, "checkout", checked_out)
    try:
        stats = await world.as_(supervisor).get(STATS)
    finally:
        event.remove(app.state.engine.sync_engine, "checkout", checked_out)
    assert stats.status_code == 200, stats.text
    assert _received(stats.json()) == 1
    # The actor's read and the statistics' in one session: one connection, not two.
    assert len(checkouts) == 1


def test_production_refuses_a_replica_with_a_default_password() -> None:
    with pytest.raises(ValueError, match="READ_DATABASE_URL uses a default"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            env="production",
            secret_key="x" * 40,
            database_url="postgresql+asyncpg://app@db/g",
            read_database_url="postgresql+asyncpg://app:postgres@replica/g",
        )
