"""Other agencies' systems: API keys and scopes, and signed webhooks to a real receiver."""

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from standardwebhooks.webhooks import Webhook

from app.integrations.webhook_delivery import deliver_due
from app.models.base import utcnow
from app.models.integration import ApiClient, WebhookDelivery
from tests.conftest import World
from tests.factories import Person, ticket_body
from tests.receiver import Receiver, running_receiver


async def _client(world: World, admin: Person, *scopes: str, **fields: Any) -> dict[str, Any]:
    response = await world.as_(admin).post(
        "/api/v1/api-clients", json={"name": "12345 平台", "scopes": list(scopes), **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _key(client: dict[str, Any]) -> dict[str, str]:
    return {"X-API-Key": client["api_key"]}


async def test_api_client_key_is_shown_once_and_authenticates(
    world: World, admin: Person, client: Any
) -> None:
    created = await _client(world, admin, "tickets:write")
    assert created["api_key"].startswith("gf_")
    listed = (await world.as_(admin).get("/api/v1/api-clients")).text
    assert created["api_key"] not in listed
    filed = await client.post(
        "/api/v1/tickets", json=ticket_body(channel="agency"), headers=_key(created)
    )
    assert filed.status_code == 201, filed.text
    events = (
        await client.get(f"/api/v1/tickets/{filed.json()['id']}/events", headers=_key(created))
    ).json()["items"]
    assert events[0]["actor"]["type"] == "api_client"
    assert events[0]["actor"]["id"] == created["id"]


async def test_scopes_limit_what_a_client_may_do(world: World, admin: Person, client: Any) -> None:
    reader = await _client(world, admin, "tickets:read")
    assert (await client.get("/api/v1/tickets", headers=_key(reader))).status_code == 200
    write = await client.post("/api/v1/tickets", json=ticket_body(), headers=_key(reader))
    assert write.status_code == 403 and write.json()["code"] == "insufficient_scope"
    users = await client.get("/api/v1/users", headers=_key(reader))
    assert users.status_code == 403
    webhooks = await client.get("/api/v1/webhooks", headers=_key(reader))
    assert webhooks.status_code == 403


async def test_bad_inactive_and_rotated_keys(
    world: World, admin: Person, client: Any, app: Any
) -> None:
    created = await _client(world, admin, "tickets:read")
    assert (
        await client.get("/api/v1/tickets", headers={"X-API-Key": "gf_nope_x"})
    ).status_code == 401
    rotated = (
        await world.as_(admin).post(f"/api/v1/api-clients/{created['id']}/rotate-key")
    ).json()
    assert rotated["api_key"] != created["api_key"]
    for key in (created, rotated):  # the old key works during the grace period
        assert (await client.get("/api/v1/tickets", headers=_key(key))).status_code == 200
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(ApiClient).values(previous_key_expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    assert (await client.get("/api/v1/tickets", headers=_key(created))).status_code == 401
    assert (await client.get("/api/v1/tickets", headers=_key(rotated))).status_code == 200
    await world.as_(admin).patch(f"/api/v1/api-clients/{created['id']}", json={"is_active": False})
    assert (await client.get("/api/v1/tickets", headers=_key(rotated))).status_code == 401


async def test_client_rate_limit_answers_429_with_retry_after(
    world: World, admin: Person, client: Any, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "api_client_rate_limit_per_minute", 3)
    created = await _client(world, admin, "tickets:read")
    statuses = [
        (await client.get("/api/v1/tickets", headers=_key(created))).status_code for _ in range(4)
    ]
    if utcnow().second == 0:  # the minute turned over mid-test
        return
    assert statuses == [200, 200, 200, 429]
    limited = await client.get("/api/v1/tickets", headers=_key(created))
    assert 1 <= int(limited.headers["Retry-After"]) <= 61


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


async def _subscribe(world: World, admin: Person, url: str, *patterns: str) -> dict[str, Any]:
    response = await world.as_(admin).post(
        "/api/v1/webhooks", json={"url": url, "event_types": list(patterns)}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _deliver_all(app: Any) -> None:
    for _ in range(20):
        if not await deliver_due(app.state.sessionmaker, app.state.settings, app.state.registry):
            return


async def _make_due(app: Any) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
        await session.commit()


async def test_events_are_delivered_signed_and_verifiable(
    world: World, admin: Person, app: Any, receiver: Receiver
) -> None:
    webhook = await _subscribe(world, admin, receiver.url, "ticket.*")
    assert webhook["secret"].startswith("whsec_")
    operator = await world.user("operator")
    ticket = (await world.as_(operator).post("/api/v1/tickets", json=ticket_body())).json()
    await _deliver_all(app)
    [request] = receiver.received
    verified = Webhook(webhook["secret"]).verify(request["body"], request["headers"])
    assert verified["type"] == "ticket.created"
    assert verified["data"]["id"] == ticket["id"] and verified["data"]["number"]
    assert "13812345678" not in request["body"].decode()  # no personal data leaves
    assert request["headers"]["webhook-id"] == verified["data"]["event"]["id"]
    tampered = dict(request["headers"], **{"webhook-signature": "v1,AAAA"})
    with pytest.raises(Exception):  # noqa: B017  the library raises its own verification error
        Webhook(webhook["secret"]).verify(request["body"], tampered)


async def test_failed_delivery_is_retried_with_the_same_id_and_logged(
    world: World, admin: Person, app: Any, receiver: Receiver
) -> None:
    webhook = await _subscribe(world, admin, receiver.url, "ticket.created")
    receiver.answers = [500]
    operator = await world.user("operator")
    await world.as_(operator).post("/api/v1/tickets", json=ticket_body())
    await _deliver_all(app)
    await _make_due(app)
    await _deliver_all(app)
    assert [r["answered"] for r in receiver.received] == [500, 204]
    ids = {r["headers"]["webhook-id"] for r in receiver.received}
    assert len(ids) == 1
    [delivery] = (await world.as_(admin).get(f"/api/v1/webhooks/{webhook['id']}/deliveries")).json()
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 2
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 204]
    assert all(a["latency_ms"] >= 0 for a in delivery["attempt_log"])
    replay = await world.as_(admin).post(
        f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}/redeliver"
    )
    assert replay.status_code == 202
    await _deliver_all(app)
    assert len(receiver.received) == 3
    assert receiver.received[-1]["headers"]["webhook-id"] in ids


async def test_events_of_one_record_arrive_in_order_after_a_receiver_outage(
    world: World, admin: Person, app: Any, receiver: Receiver
) -> None:
    await _subscribe(world, admin, receiver.url, "ticket.*")
    department = await world.department("ORD")
    operator = await world.user("operator")
    handler = await world.user("handler", department=department)
    await receiver.stop()
    ticket = (await world.as_(operator).post("/api/v1/tickets", json=ticket_body())).json()
    await world.as_(operator).post(
        f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
        json={"department_id": str(department["id"])},
    )
    await world.as_(handler).post(f"/api/v1/tickets/{ticket['id']}/actions/sign")
    await _deliver_all(app)  # receiver down: the first attempt fails, the rest wait
    await receiver.start()
    for _ in range(5):
        await _make_due(app)
        await _deliver_all(app)
    types = [json.loads(r["body"])["type"] for r in receiver.received]
    assert types == ["ticket.created", "ticket.dispatch", "ticket.sign"]


async def test_subscription_is_disabled_after_consecutive_failed_deliveries(
    world: World, admin: Person, app: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "webhook_failure_threshold", 2)
    monkeypatch.setattr(app.state.settings, "webhook_max_age_seconds", 60)
    webhook = await _subscribe(world, admin, receiver.url, "ticket.created")
    receiver.answers = [500] * 10
    operator = await world.user("operator")
    for _ in range(2):
        await world.as_(operator).post("/api/v1/tickets", json=ticket_body())
    await _deliver_all(app)
    async with app.state.sessionmaker() as session:  # both deliveries are now too old
        await session.execute(
            update(WebhookDelivery).values(
                created_at=utcnow() - timedelta(minutes=5), next_attempt_at=utcnow()
            )
        )
        await session.commit()
    await _deliver_all(app)
    view = (await world.as_(admin).get(f"/api/v1/webhooks/{webhook['id']}")).json()
    assert view["is_active"] is False and "2 consecutive" in view["disabled_reason"]
    deliveries = (await world.as_(admin).get(f"/api/v1/webhooks/{webhook['id']}/deliveries")).json()
    assert {d["status"] for d in deliveries} == {"failed"}


async def test_department_filter_and_event_patterns(
    world: World, admin: Person, app: Any, receiver: Receiver
) -> None:
    department = await world.department("FLT")
    await world.as_(admin).post(
        "/api/v1/webhooks",
        json={
            "url": receiver.url,
            "event_types": ["ticket.dispatch"],
            "department_id": str(department["id"]),
        },
    )
    operator = await world.user("operator")
    ticket = (await world.as_(operator).post("/api/v1/tickets", json=ticket_body())).json()
    await world.as_(operator).post(
        f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
        json={"department_id": str(department["id"])},
    )
    await _deliver_all(app)
    assert [json.loads(r["body"])["type"] for r in receiver.received] == ["ticket.dispatch"]


async def test_webhook_urls_are_validated(
    world: World, admin: Person, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = world.as_(admin)
    bad = await api.post(
        "/api/v1/webhooks", json={"url": "ftp://example.com/x", "event_types": ["ticket.*"]}
    )
    assert bad.status_code == 422
    monkeypatch.setattr(app.state.settings, "env", "production")
    for url in (
        "http://127.0.0.1:9/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "http://localhost/x",
    ):
        response = await api.post(
            "/api/v1/webhooks", json={"url": url, "event_types": ["ticket.*"]}
        )
        assert response.status_code == 422, url
        assert response.json()["code"] == "invalid_webhook_url"


async def test_api_client_manages_only_its_own_webhooks(
    world: World, admin: Person, client: Any, receiver: Receiver
) -> None:
    # A client hears only of what it reads (tests/test_webhook_scoping.py).
    manager = await _client(world, admin, "webhooks:manage", "tickets:read")
    other = await _subscribe(world, admin, receiver.url, "case.*")
    own = await client.post(
        "/api/v1/webhooks",
        headers=_key(manager),
        json={"url": receiver.url, "event_types": ["ticket.*"]},
    )
    assert own.status_code == 201
    listed = (await client.get("/api/v1/webhooks", headers=_key(manager))).json()["items"]
    assert [w["id"] for w in listed] == [own.json()["id"]]
    assert (
        await client.get(f"/api/v1/webhooks/{other['id']}", headers=_key(manager))
    ).status_code == 404
    operator = await world.user("operator")
    assert (await world.as_(operator).get("/api/v1/webhooks")).status_code == 403


async def test_a_delivery_claimed_by_a_worker_that_died_is_sent_once_its_lease_runs_out(
    world: World, admin: Person, app: Any, receiver: Receiver
) -> None:
    from app.integrations.webhook_delivery import claim_due, fan_out

    await _subscribe(world, admin, receiver.url, "ticket.created")
    operator = await world.user("operator")
    await world.as_(operator).post("/api/v1/tickets", json=ticket_body())
    async with app.state.sessionmaker() as session:  # a worker claims, then dies
        await fan_out(session, app.state.registry, utcnow())
        claimed = await claim_due(session, utcnow())
        await session.commit()
    assert len(claimed) == 1
    await _deliver_all(app)
    assert receiver.received == []  # still leased: nobody else sends it meanwhile
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(WebhookDelivery).values(leased_until=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    await _deliver_all(app)
    assert len(receiver.received) == 1
