"""Failed sign-ins are throttled per (username, client address) and per client address: a
guesser elsewhere cannot lock the owner out, one address cannot spray many usernames, and
the right password works again once the lock has passed."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, update

from app.models.base import utcnow
from app.models.identity import LoginThrottle
from app.worker import purge_expired_state
from tests.conftest import World
from tests.factories import PASSWORD

ATTACKER = "198.51.100.66"
TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
async def attacker(app: Any) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, client=(ATTACKER, 40000))
    async with AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def _fail(http: AsyncClient, username: str, times: int) -> list[int]:
    statuses = []
    for _ in range(times):
        response = await http.post(TOKEN_URL, data={"username": username, "password": "guess-1"})
        statuses.append(response.status_code)
    return statuses


async def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(
    world: World, client: AsyncClient, attacker: AsyncClient, app: Any
) -> None:
    await world.user("admin", username="chief")
    limit = app.state.settings.login_max_failures
    assert await _fail(attacker, "chief", limit) == [401] * limit
    locked = await attacker.post(TOKEN_URL, data={"username": "chief", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["lockout"] == "username_and_address"
    assert int(locked.headers["Retry-After"]) > 0
    owner = await client.post(TOKEN_URL, data={"username": "chief", "password": PASSWORD})
    assert owner.status_code == 200, owner.text


async def _let_locks_pass(app: Any) -> None:
    """Move every throttle's window and lock into the past, as the clock would."""
    past = utcnow() - timedelta(seconds=app.state.settings.login_lock_seconds + 1)
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(LoginThrottle).values(window_started_at=past, locked_until=past)
        )
        await session.commit()


async def test_the_owner_passes_a_lock_once_its_window_has_passed(
    world: World, client: AsyncClient, app: Any
) -> None:
    await world.user("operator", username="owner")
    limit = app.state.settings.login_max_failures
    await _fail(client, "owner", limit)
    locked = await client.post(TOKEN_URL, data={"username": "owner", "password": PASSWORD})
    assert locked.status_code == 429
    retry_after = int(locked.headers["Retry-After"])
    assert 0 < retry_after <= app.state.settings.login_lock_seconds + 1
    await _let_locks_pass(app)
    signed_in = await client.post(TOKEN_URL, data={"username": "owner", "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    # The success cleared the pair's count: the owner has every attempt again.
    assert await _fail(client, "owner", limit - 1) == [401] * (limit - 1)
    assert (
        await client.post(TOKEN_URL, data={"username": "owner", "password": PASSWORD})
    ).status_code == 200


async def test_one_address_spraying_many_usernames_is_locked_out(
    world: World,
    client: AsyncClient,
    attacker: AsyncClient,
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app.state.settings, "login_address_max_failures", 6)
    await world.user("operator", username="staff-1")
    for index in range(6):
        assert await _fail(attacker, f"sprayed-{index}", 1) == [401]
    refused = await attacker.post(TOKEN_URL, data={"username": "staff-1", "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert refused.json()["lockout"] == "address"
    assert int(refused.headers["Retry-After"]) > 0
    elsewhere = await client.post(TOKEN_URL, data={"username": "staff-1", "password": PASSWORD})
    assert elsewhere.status_code == 200


async def test_a_successful_sign_in_does_not_reset_its_addresss_count(
    world: World, attacker: AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "login_address_max_failures", 4)
    await world.user("operator", username="insider")
    await _fail(attacker, "victim-a", 2)
    ok = await attacker.post(TOKEN_URL, data={"username": "insider", "password": PASSWORD})
    assert ok.status_code == 200
    assert await _fail(attacker, "victim-b", 3) == [401, 401, 429]


async def test_concurrent_failed_sign_ins_all_count(
    world: World, attacker: AsyncClient, app: Any
) -> None:
    await world.user("operator", username="busy")
    limit = app.state.settings.login_max_failures
    statuses = await asyncio.gather(
        *[
            attacker.post(TOKEN_URL, data={"username": "busy", "password": f"guess-{n}"})
            for n in range(limit)
        ]
    )
    assert sorted(r.status_code for r in statuses) == [401] * limit
    locked = await attacker.post(TOKEN_URL, data={"username": "busy", "password": PASSWORD})
    assert locked.status_code == 429


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("ad\x00min", PASSWORD, "username"),
        ("admin\x1b", PASSWORD, "username"),
        ("root-admin", "pass\x00word", "password"),
    ],
)
async def test_control_characters_in_the_sign_in_form_are_a_422_naming_the_field(
    world: World, client: AsyncClient, username: str, password: str, field: str
) -> None:
    await world.user("admin", username="root-admin")
    response = await client.post(TOKEN_URL, data={"username": username, "password": password})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]


async def test_an_overlong_username_is_a_plain_401(client: AsyncClient) -> None:
    response = await client.post(TOKEN_URL, data={"username": "u" * 500, "password": "x"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


async def test_addresses_of_one_ipv6_subnet_count_as_one_address(
    world: World, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "login_address_max_failures", 3)
    await world.user("operator", username="v6-user")

    def client_at(address: str) -> AsyncClient:
        transport = ASGITransport(app=app, client=(address, 40000))
        return AsyncClient(transport=transport, base_url="http://test")

    for host in range(1, 4):
        async with client_at(f"2001:db8:1:2::{host}") as http:
            assert await _fail(http, f"v6-guess-{host}", 1) == [401]
    form = {"username": "v6-user", "password": PASSWORD}
    async with client_at("2001:db8:1:2:ffff::9") as http:
        assert (await http.post(TOKEN_URL, data=form)).status_code == 429
    async with client_at("2001:db8:1:3::1") as http:
        assert (await http.post(TOKEN_URL, data=form)).status_code == 200


async def test_the_worker_purges_throttles_whose_window_and_lock_have_passed(
    world: World, attacker: AsyncClient, client: AsyncClient, app: Any
) -> None:
    await _fail(attacker, "gone-by", 1)
    await _let_locks_pass(app)
    await _fail(client, "still-counting", 1)
    assert await purge_expired_state(app.state.sessionmaker, app.state.settings) == 2
    async with app.state.sessionmaker() as session:
        left = (await session.scalars(select(LoginThrottle))).all()
    assert len(left) == 2 and all(row.failures == 1 for row in left)
