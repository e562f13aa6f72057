"""Record numbers under concurrent creates in two app processes (two apps, each with its own
engines, on one database), and which counters may skip a number."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from app.config import Settings
from app.core.numbering import next_number, next_number_on_its_own
from app.main import create_app
from app.models.workflow import NumberSequence
from tests.conftest import IS_POSTGRES, World
from tests.factories import ticket_body

# Fewer than a process's pool of connections: waiting for one (or a storm of new ones on
# a loaded machine) is not what is tested.
CREATES_PER_PROCESS = 4


@pytest.fixture
async def second_process(app: Any, settings: Settings) -> AsyncIterator[AsyncClient]:
    """Another app on the same database, as a second uvicorn worker would be."""
    other = create_app(settings)
    other.state.clock = app.state.clock
    async with other.router.lifespan_context(other):
        transport = ASGITransport(app=other, client=("203.0.113.8", 50000))
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


async def test_concurrent_creates_in_two_processes_never_share_a_number(
    world: World, second_process: AsyncClient
) -> None:
    operator = await world.user("operator")

    async def create(client: AsyncClient) -> str:
        response = await client.post(
            "/api/v1/tickets", json=ticket_body(), headers=operator.headers
        )
        assert response.status_code == 201, response.text
        number: str = response.json()["number"]
        return number

    # One create each first: the processes' caches and first connections, one at a time.
    warm = [await create(world.client), await create(second_process)]
    numbers = warm + await asyncio.gather(
        *(create(world.client) for _ in range(CREATES_PER_PROCESS)),
        *(create(second_process) for _ in range(CREATES_PER_PROCESS)),
    )
    assert len(set(numbers)) == len(numbers)
    # Nothing rolled back, so nothing was skipped either.
    sequence = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    assert sequence == list(range(1, 2 * CREATES_PER_PROCESS + 3))


async def test_a_record_number_is_not_given_back_by_a_rollback_but_a_document_number_is(
    world: World,
) -> None:
    """A record's number is committed on its own on PostgreSQL (a rollback leaves a gap,
    and no create waits for another's commit); a document's is the transaction's."""
    sessionmaker = world.app.state.sessionmaker
    async with sessionmaker() as session:
        assert await next_number_on_its_own(session, "ticket-test") == 1
        assert await next_number(session, "doc-test") == 1
        await session.rollback()
    async with sessionmaker() as session:
        values = dict(
            (await session.execute(select(NumberSequence.name, NumberSequence.value))).all()
        )  # type: ignore[call-overload]
    assert values.get("doc-test") is None
    assert values.get("ticket-test") == (1 if IS_POSTGRES else None)
