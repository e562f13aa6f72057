"""Webhooks never reach inside the network: no internal address in any IPv6 disguise, and
the connection goes to the address that was checked, not to what the name says later.

DNS is outside the machine, so the resolver is a stub; the connections are real, to a
receiver on loopback that stands in for the subscriber's public address.
"""

import json
import socket
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx
import pytest

from app.integrations import webhook_delivery
from app.integrations.url_guard import BlockedAddress, GuardedTransport
from tests.conftest import World
from tests.factories import Person, ticket_body
from tests.receiver import running_receiver

PUBLIC = "93.184.215.14"
HOOKS = "hooks.example.org"

INTERNAL_IN_DISGUISE = {
    "NAT64 of loopback": "64:ff9b::7f00:1",
    "NAT64 of 10.0.0.1": "64:ff9b::a00:1",
    "NAT64 of the metadata service": "64:ff9b::a9fe:a9fe",
    "local-use NAT64, even of a public address": "64:ff9b:1::808:808",
    "6to4 of loopback": "2002:7f00:1::1",
    "6to4 of 192.168.1.1": "2002:c0a8:101::1",
    "IPv4-mapped loopback": "::ffff:127.0.0.1",
    "IPv4-mapped 10.1.2.3": "::ffff:a01:203",
    "IPv4-compatible loopback": "::127.0.0.1",
    "IPv4-compatible public address": "::808:808",
    "Teredo": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "unique local": "fd00::1",
}
PUBLIC_IPV6 = {
    "NAT64 of a public address": "64:ff9b::808:808",
    "6to4 of a public address": "2002:808:808::1",
    "native public": "2001:4860:4860::8888",
}


class StubResolver:
    """``socket.getaddrinfo`` for made-up names: each lookup of a name takes the next answer
    (the last one repeats); every other name resolves as usual."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []
        self._real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return self._real(host, port, *args, **kwargs)
        self.lookups.append(name)
        queue = self.answers[name]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port or 0))]


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Records where each connection is asked to go and the TLS name it presents, then
    connects to ``deliver_to`` (the receiver on loopback standing in for that address)."""

    def __init__(self, deliver_to: str | None = None, answer: list[bytes] | None = None) -> None:
        self.connected_to: list[tuple[str, int]] = []
        self.server_names: list[str | None] = []
        self.written = bytearray()
        self._deliver_to = deliver_to
        self._mock = httpcore.AsyncMockBackend(answer or [])

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected_to.append((host, port))
        if self._deliver_to is not None:
            return await httpcore.AnyIOBackend().connect_tcp(self._deliver_to, port, timeout)
        return _RecordingStream(self, await self._mock.connect_tcp(host, port))


class _RecordingStream(httpcore.AsyncNetworkStream):
    def __init__(self, backend: RecordingBackend, inner: httpcore.AsyncNetworkStream) -> None:
        self._backend, self._inner = backend, inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        self._backend.written.extend(buffer)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        self._backend.server_names.append(server_hostname)
        return self


def _production(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.state.settings, "env", "production")


async def _subscribe(world: World, admin: Person, url: str) -> httpx.Response:
    return await world.as_(admin).post(
        "/api/v1/webhooks", json={"url": url, "event_types": ["ticket.*"]}
    )


@pytest.mark.parametrize("address", INTERNAL_IN_DISGUISE.values(), ids=INTERNAL_IN_DISGUISE.keys())
async def test_a_webhook_to_an_internal_address_in_an_ipv6_disguise_is_refused(
    world: World, admin: Person, app: Any, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    _production(app, monkeypatch)
    response = await _subscribe(world, admin, f"http://[{address}]:8080/hook")
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_webhook_url"


@pytest.mark.parametrize("address", INTERNAL_IN_DISGUISE.values(), ids=INTERNAL_IN_DISGUISE.keys())
async def test_a_name_resolving_to_an_internal_address_in_an_ipv6_disguise_is_refused(
    world: World, admin: Person, app: Any, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    _production(app, monkeypatch)
    StubResolver(monkeypatch, {HOOKS: [address]})
    response = await _subscribe(world, admin, f"https://{HOOKS}/hook")
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("address", PUBLIC_IPV6.values(), ids=PUBLIC_IPV6.keys())
async def test_a_webhook_to_a_public_ipv6_address_is_accepted(
    world: World, admin: Person, app: Any, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    _production(app, monkeypatch)
    response = await _subscribe(world, admin, f"https://[{address}]/hook")
    assert response.status_code == 201, response.text


def _recording_client(backend: RecordingBackend) -> Callable[..., httpx.AsyncClient]:
    def client(settings: Any) -> httpx.AsyncClient:
        transport = GuardedTransport(
            production=settings.env == "production", network_backend=backend
        )
        return httpx.AsyncClient(transport=transport, timeout=5)

    return client


async def _create_ticket(world: World) -> None:
    operator = await world.user("operator")
    created = await world.as_(operator).post("/api/v1/tickets", json=ticket_body())
    assert created.status_code == 201, created.text


async def test_a_delivery_connects_to_the_address_checked_even_when_the_name_rebinds(
    world: World, admin: Person, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _production(app, monkeypatch)
    # Public for the check at subscription and at delivery; loopback for any later lookup.
    resolver = StubResolver(monkeypatch, {HOOKS: [PUBLIC, PUBLIC, "127.0.0.1"]})
    async with running_receiver() as receiver:
        backend = RecordingBackend(deliver_to="127.0.0.1")
        monkeypatch.setattr(webhook_delivery, "webhook_client", _recording_client(backend))
        url = f"http://{HOOKS}:{receiver.port}/hook"
        assert (await _subscribe(world, admin, url)).status_code == 201
        await _create_ticket(world)
        await webhook_delivery.deliver_due(
            app.state.sessionmaker, app.state.settings, app.state.registry
        )
    assert backend.connected_to == [(PUBLIC, receiver.port)]
    assert resolver.lookups == [HOOKS, HOOKS]  # one at subscription, one at delivery
    [request] = receiver.received
    assert request["headers"]["host"] == f"{HOOKS}:{receiver.port}"
    assert json.loads(request["body"])["type"] == "ticket.created"


async def test_a_delivery_to_a_name_that_now_resolves_inside_is_blocked_before_connecting(
    world: World, admin: Person, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _production(app, monkeypatch)
    StubResolver(monkeypatch, {HOOKS: [PUBLIC, "64:ff9b::7f00:1"]})
    backend = RecordingBackend()
    monkeypatch.setattr(webhook_delivery, "webhook_client", _recording_client(backend))
    assert (await _subscribe(world, admin, f"https://{HOOKS}/hook")).status_code == 201
    await _create_ticket(world)
    await webhook_delivery.deliver_due(
        app.state.sessionmaker, app.state.settings, app.state.registry
    )
    assert backend.connected_to == []
    listed = await world.as_(admin).get("/api/v1/webhooks")
    webhook_id = listed.json()["items"][0]["id"]
    deliveries = await world.as_(admin).get(f"/api/v1/webhooks/{webhook_id}/deliveries")
    assert deliveries.status_code == 200, deliveries.text
    [delivery] = deliveries.json()
    assert "blocked" in delivery["last_error"] and "64:ff9b::7f00:1" in delivery["last_error"]


async def test_https_to_the_checked_address_keeps_the_name_for_sni_and_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    StubResolver(monkeypatch, {HOOKS: [PUBLIC, "127.0.0.1"]})
    backend = RecordingBackend(answer=[b"HTTP/1.1 204 No Content\r\n\r\n"])
    transport = GuardedTransport(production=True, network_backend=backend)
    async with httpx.AsyncClient(transport=transport) as http:
        response = await http.post(f"https://{HOOKS}/hook", content=b"{}")
    assert response.status_code == 204
    assert backend.connected_to == [(PUBLIC, 443)]
    assert backend.server_names == [HOOKS]
    assert f"Host: {HOOKS}\r\n".encode() in bytes(backend.written)


async def test_the_guarded_transport_refuses_a_name_with_any_internal_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    StubResolver(monkeypatch, {HOOKS: ["2002:a00:1::1"]})
    backend = RecordingBackend()
    async with httpx.AsyncClient(
        transport=GuardedTransport(production=True, network_backend=backend)
    ) as http:
        with pytest.raises(BlockedAddress):
            await http.get(f"https://{HOOKS}/")
    assert backend.connected_to == []
