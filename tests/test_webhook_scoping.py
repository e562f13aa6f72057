"""An API client's webhooks carry only what the client could read: its own department, and
the kinds of record its scopes read — checked when it subscribes and again at fan-out."""

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from app.integrations.webhook_delivery import deliver_due
from tests.approval_hall import application_body, make_hall
from tests.case_bureau import Bureau
from tests.conftest import World
from tests.factories import Person
from tests.receiver import Receiver, running_receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


async def _api_client(world: World, admin: Person, *scopes: str, **fields: Any) -> dict[str, Any]:
    response = await world.as_(admin).post(
        "/api/v1/api-clients", json={"name": "区级平台", "scopes": list(scopes), **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _key(client: dict[str, Any]) -> dict[str, str]:
    return {"X-API-Key": client["api_key"]}


async def _subscribe(world: World, client: dict[str, Any], url: str, **body: Any) -> Any:
    return await world.client.post(
        "/api/v1/webhooks", headers=_key(client), json={"url": url, **body}
    )


async def _delivered_types(app: Any, receiver: Receiver) -> list[tuple[str, str]]:
    while await deliver_due(app.state.sessionmaker, app.state.settings, app.state.registry):
        pass
    bodies = [orjson.loads(request["body"]) for request in receiver.received]
    return [(body["type"], body["data"]["department_id"]) for body in bodies]


async def test_a_client_with_only_webhooks_manage_subscribes_to_nothing_it_cannot_read(
    world: World, admin: Person, receiver: Receiver
) -> None:
    manager = await _api_client(world, admin, "webhooks:manage")
    for patterns in (["*"], ["case.*"], ["approval.created"], ["ticket.*"]):
        refused = await _subscribe(world, manager, receiver.url, event_types=patterns)
        assert refused.status_code == 403, patterns
        assert refused.json()["code"] == "insufficient_scope"
    unknown = await _subscribe(world, manager, receiver.url, event_types=["parcel.*"])
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_event_type"


async def test_a_client_subscribes_only_to_its_own_department(
    world: World, admin: Person, bureau: Bureau, receiver: Receiver
) -> None:
    other = await world.department("XC-ZF", name="西城执法队")
    client = await _api_client(
        world, admin, "webhooks:manage", "cases:read", department_id=str(bureau.brigade["id"])
    )
    named = await _subscribe(
        world, client, receiver.url, event_types=["case.*"], department_id=str(other["id"])
    )
    assert named.status_code == 403 and named.json()["code"] == "other_department"
    everything = await _subscribe(world, client, receiver.url, event_types=["*"])
    assert everything.status_code == 403  # it reads no tickets or approvals
    own = await _subscribe(world, client, receiver.url, event_types=["case.*"])
    assert own.status_code == 201, own.text
    assert own.json()["department_id"] == str(bureau.brigade["id"])  # defaulted, not "all"
    moved = await world.client.patch(
        f"/api/v1/webhooks/{own.json()['id']}",
        headers=_key(client),
        json={"department_id": str(other["id"])},
    )
    assert moved.status_code == 403 and moved.json()["code"] == "other_department"
    widened = await world.client.patch(
        f"/api/v1/webhooks/{own.json()['id']}", headers=_key(client), json={"event_types": ["*"]}
    )
    assert widened.status_code == 403


async def test_a_client_hears_only_its_own_departments_cases_and_approvals(
    world: World, admin: Person, bureau: Bureau, app: Any, receiver: Receiver
) -> None:
    hall = await make_hall(world, admin)
    client = await _api_client(
        world,
        admin,
        "webhooks:manage",
        "cases:read",
        "approvals:read",
        department_id=str(bureau.brigade["id"]),
    )
    subscribed = await _subscribe(world, client, receiver.url, event_types=["case.*", "approval.*"])
    assert subscribed.status_code == 201, subscribed.text
    await bureau.create(bureau.outsider)  # another brigade's case
    applied = await world.as_(hall["citizen"]).post("/api/v1/approvals", json=application_body())
    assert applied.status_code == 201, applied.text  # the approval hall's, not the brigade's
    ours = await bureau.create()
    assert await _delivered_types(app, receiver) == [("case.created", ours["department_id"])]


async def test_a_client_that_lost_its_scope_hears_nothing_more(
    world: World, admin: Person, bureau: Bureau, app: Any, receiver: Receiver
) -> None:
    client = await _api_client(
        world, admin, "webhooks:manage", "cases:read", department_id=str(bureau.brigade["id"])
    )
    subscribed = await _subscribe(world, client, receiver.url, event_types=["case.*"])
    assert subscribed.status_code == 201, subscribed.text
    await bureau.create()
    assert len(await _delivered_types(app, receiver)) == 1
    narrowed = await world.as_(admin).patch(
        f"/api/v1/api-clients/{client['id']}", json={"scopes": ["webhooks:manage"]}
    )
    assert narrowed.status_code == 200, narrowed.text
    await bureau.create()
    moved = await world.as_(admin).patch(
        f"/api/v1/api-clients/{client['id']}",
        json={"scopes": ["webhooks:manage", "cases:read"], "department_id": None},
    )
    assert moved.status_code == 200, moved.text
    await bureau.create()
    assert len(await _delivered_types(app, receiver)) == 1  # checked again at fan-out
    webhook = f"/api/v1/webhooks/{subscribed.json()['id']}"
    [delivery] = (await world.client.get(f"{webhook}/deliveries", headers=_key(client))).json()
    replay = await world.client.post(
        f"{webhook}/deliveries/{delivery['id']}/redeliver", headers=_key(client)
    )
    assert replay.status_code == 403 and replay.json()["code"] == "insufficient_scope"
