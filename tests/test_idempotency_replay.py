"""An idempotent replay goes only to the caller who made the first request and is still
signed in; shown-once secrets are never stored or replayed; records expire and are purged."""

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord
from app.worker import purge_expired_state
from tests.conftest import World
from tests.factories import Person, ticket_body

CLIENT = {"name": "provincial hotline", "scopes": ["tickets:read"]}


async def _stored_bodies(app: Any) -> list[bytes]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(select(IdempotencyRecord))
        return [row.response_body or b"" for row in rows]


async def test_a_deactivated_admin_replaying_an_api_client_create_gets_no_key(
    world: World, admin: Person
) -> None:
    leaver = await world.user("admin", username="leaving-admin")
    headers = {"Idempotency-Key": "client-once"}
    first = await world.as_(leaver).post("/api/v1/api-clients", json=CLIENT, headers=headers)
    assert first.status_code == 201 and first.json()["api_key"]
    deactivated = await world.as_(admin).patch(
        f"/api/v1/users/{leaver.id}", json={"is_active": False}
    )
    assert deactivated.status_code == 200
    replay = await world.as_(leaver).post("/api/v1/api-clients", json=CLIENT, headers=headers)
    assert replay.status_code == 401
    assert replay.json()["code"] == "inactive_account"
    assert first.json()["api_key"] not in replay.text
    assert "Idempotent-Replayed" not in replay.headers


async def test_a_replay_after_signing_out_everywhere_is_refused(
    world: World, admin: Person
) -> None:
    headers = {"Idempotency-Key": "dept-then-sign-out"}
    api = world.as_(admin)
    body = {"code": "SO", "name": "Signed out"}
    assert (await api.post("/api/v1/departments", json=body, headers=headers)).status_code == 201
    assert (await api.post("/api/v1/me/sessions/revoke")).status_code == 204
    replay = await api.post("/api/v1/departments", json=body, headers=headers)
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_revoked"


async def test_a_replay_of_an_api_client_create_answers_the_record_without_its_key(
    world: World, admin: Person, app: Any
) -> None:
    api = world.as_(admin)
    headers = {"Idempotency-Key": "client-twice"}
    first = await api.post("/api/v1/api-clients", json=CLIENT, headers=headers)
    assert first.status_code == 201
    key = first.json()["api_key"]
    replay = await api.post("/api/v1/api-clients", json=CLIENT, headers=headers)
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.headers["Idempotent-Omitted-Fields"] == "api_key"
    assert replay.headers["ETag"] == first.headers["ETag"]
    replayed = replay.json()
    assert "api_key" not in replayed and key not in replay.text
    assert "shown once" in replayed["replay_note"]
    assert replayed["id"] == first.json()["id"]
    assert replayed["key_prefix"] == first.json()["key_prefix"]
    assert all(key.encode() not in body for body in await _stored_bodies(app))
    listed = (await api.get("/api/v1/api-clients")).json()["items"]
    assert [c["id"] for c in listed] == [replayed["id"]]


async def test_a_replay_of_a_key_rotation_and_a_webhook_create_carries_no_secret(
    world: World, admin: Person, app: Any
) -> None:
    api = world.as_(admin)
    client = (await api.post("/api/v1/api-clients", json=CLIENT)).json()
    rotate = f"/api/v1/api-clients/{client['id']}/rotate-key"
    headers = {"Idempotency-Key": "rotate-once"}
    rotated = await api.post(rotate, headers=headers)
    assert rotated.status_code == 200, rotated.text
    replay = await api.post(rotate, headers=headers)
    assert replay.status_code == 200
    assert rotated.json()["api_key"] not in replay.text
    webhook = {"url": "https://hooks.example.org/govflow", "event_types": ["ticket.*"]}
    headers = {"Idempotency-Key": "hook-once"}
    created = await api.post("/api/v1/webhooks", json=webhook, headers=headers)
    assert created.status_code == 201, created.text
    again = await api.post("/api/v1/webhooks", json=webhook, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Omitted-Fields"] == "secret"
    assert "secret" not in again.json() and created.json()["secret"] not in again.text
    secrets = (rotated.json()["api_key"].encode(), created.json()["secret"].encode())
    assert all(s not in body for body in await _stored_bodies(app) for s in secrets)


async def test_an_api_client_replays_its_own_request_while_its_key_is_valid(
    world: World, admin: Person
) -> None:
    created = await world.as_(admin).post(
        "/api/v1/api-clients", json={"name": "intake", "scopes": ["tickets:write"]}
    )
    key = created.json()["api_key"]
    ticket = ticket_body()
    headers = {"X-API-Key": key, "Idempotency-Key": "ticket-from-client"}
    first = await world.client.post("/api/v1/tickets", json=ticket, headers=headers)
    assert first.status_code == 201, first.text
    again = await world.client.post("/api/v1/tickets", json=ticket, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    client_url = f"/api/v1/api-clients/{created.json()['id']}"
    assert (await world.as_(admin).patch(client_url, json={"is_active": False})).status_code == 200
    refused = await world.client.post("/api/v1/tickets", json=ticket, headers=headers)
    assert refused.status_code == 401
    assert first.json()["id"] not in refused.text


async def test_an_expired_idempotency_key_runs_again_and_is_purged(
    world: World, admin: Person, app: Any
) -> None:
    api = world.as_(admin)
    headers = {"Idempotency-Key": "yesterday"}
    first = await api.post("/api/v1/departments", json={"code": "E1", "name": "a"}, headers=headers)
    assert first.status_code == 201
    ttl = timedelta(hours=app.state.settings.idempotency_ttl_hours)
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.key) == "yesterday")
            .values(created_at=utcnow() - ttl - timedelta(minutes=1))
        )
        await session.commit()
    # Past its time to live the key is free: a new body runs instead of a 409.
    other = await api.post("/api/v1/departments", json={"code": "E2", "name": "b"}, headers=headers)
    assert other.status_code == 201, other.text
    assert "Idempotent-Replayed" not in other.headers
    await api.post(
        "/api/v1/departments",
        json={"code": "E3", "name": "c"},
        headers={"Idempotency-Key": "fresh"},
    )
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.key) == "yesterday")
            .values(created_at=utcnow() - ttl - timedelta(minutes=1))
        )
        await session.commit()
    assert await purge_expired_state(app.state.sessionmaker, app.state.settings) >= 1
    async with app.state.sessionmaker() as session:
        keys = {row.key for row in await session.scalars(select(IdempotencyRecord))}
    assert keys == {"fresh"}


async def test_a_reservation_left_in_progress_by_a_dead_request_frees_its_key(
    world: World, admin: Person, app: Any
) -> None:
    api = world.as_(admin)
    headers = {"Idempotency-Key": "died-with-its-connection"}
    body = {"code": "DEAD", "name": "Dead request"}
    assert (await api.post("/api/v1/departments", json=body, headers=headers)).status_code == 201
    # As a request whose database went away would leave it: reserved, never settled.
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(IdempotencyRecord).values(
                status_code=None, response_body=None, created_at=utcnow() - timedelta(minutes=11)
            )
        )
        await session.commit()
    body = {"code": "DEAD2", "name": "Dead request, retried"}
    retried = await api.post("/api/v1/departments", json=body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers


async def test_a_reservation_in_progress_for_minutes_still_holds_its_key(
    world: World, admin: Person, app: Any
) -> None:
    api = world.as_(admin)
    headers = {"Idempotency-Key": "slow-but-alive"}
    body = {"code": "SLOW", "name": "Slow request"}
    assert (await api.post("/api/v1/departments", json=body, headers=headers)).status_code == 201
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(IdempotencyRecord).values(
                status_code=None, response_body=None, created_at=utcnow() - timedelta(minutes=3)
            )
        )
        await session.commit()
    again = await api.post("/api/v1/departments", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "idempotency_request_in_progress"
