"""Where webhooks may point: http(s) only and, in production, never inside our network.

Checked when a subscription is saved and again at each delivery, by the transport that
sends it: the transport resolves the name once, checks every address, and connects to the
checked address itself (the Host header and TLS SNI keep the name), so a name that
re-resolves between the check and the connection (DNS rebinding) cannot move it inside.

An address is internal when Python's ``ipaddress`` does not call it global, and also when
it is an IPv6 address that carries an internal IPv4 address for a gateway to reach:
IPv4-mapped (``::ffff:10.0.0.1``), 6to4 (``2002::/16``), Teredo (``2001::/32``) and NAT64
(``64:ff9b::/96``). The local-use NAT64 prefix (``64:ff9b:1::/48``, RFC 8215) and the
deprecated IPv4-compatible form (``::/96``, RFC 4291 §2.5.5.1) are refused whole.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from contextvars import ContextVar
from urllib.parse import urlsplit

import httpcore
import httpx

from app.errors import UnprocessableEntity

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
REFUSED_NETWORKS = (
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # local-use NAT64: inside someone's network
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible: deprecated, no legitimate use
)


class BlockedAddress(Exception):
    pass


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a gateway would reach for this IPv6 address."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in NAT64_WELL_KNOWN:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF))
    return found


def _not_global(ip: IPAddress) -> bool:
    return not ip.is_global or ip.is_multicast


def is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in REFUSED_NETWORKS):
            return True
        if any(_not_global(v4) for v4 in embedded_ipv4(ip)):
            return True
    return _not_global(ip)


def check_scheme(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnprocessableEntity(
            "A webhook URL must be http or https with a host", code="invalid_webhook_url"
        )
    return parts.hostname


async def resolve(host: str) -> list[str]:
    """The addresses ``host`` names: itself when it is an address literal, else DNS's answer
    in the resolver's order."""
    try:
        return [ipaddress.ip_address(host).compressed]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BlockedAddress(f"{host} does not resolve") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise BlockedAddress(f"{host} does not resolve")
    return addresses


def refuse_internal(host: str, addresses: Iterable[str]) -> None:
    internal = sorted(a for a in addresses if is_internal(a))
    if internal:
        raise BlockedAddress(f"{host} resolves to internal address {internal[0]}")


async def resolve_checked(host: str, production: bool) -> str:
    """The address to connect to for ``host``; in production, only when every address the
    name has is public (one internal answer is enough to refuse: a rebinding name)."""
    addresses = await resolve(host)
    if production:
        refuse_internal(host, addresses)
    return addresses[0]


async def check_webhook_url(url: str, production: bool) -> None:
    host = check_scheme(url)
    if not production:
        return
    try:
        await resolve_checked(host, production=True)
    except BlockedAddress as exc:
        raise UnprocessableEntity(
            f"Webhook URLs may not point inside the network: {exc}", code="invalid_webhook_url"
        ) from None


# (host, checked address) for the request being sent: httpcore opens its connection in the
# task that sends, so the address travels with that request and no other.
_checked: ContextVar[tuple[str, str] | None] = ContextVar("checked_address", default=None)


class _CheckedAddressBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections to the checked address instead of resolving the name again."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        checked = _checked.get()
        if checked is None or checked[0] != host:
            raise httpcore.ConnectError(f"{host} was not checked before connecting")
        return await self._inner.connect_tcp(
            checked[1], port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("Unix sockets are not an outbound destination")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport for URLs that others chose: each request's host is resolved once
    and checked, and the connection goes to that address. No proxy from the environment:
    a proxy would resolve the name itself."""

    def __init__(
        self,
        *,
        production: bool,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        super().__init__(trust_env=False)
        self._production = production
        # httpx takes no network backend; its pool is the documented httpcore one.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=_CheckedAddressBackend(network_backend or httpcore.AnyIOBackend()),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.raw_host.decode("ascii")  # as httpcore will name it
        address = await resolve_checked(host, self._production)
        token = _checked.set((host, address))
        try:
            return await super().handle_async_request(request)
        finally:
            _checked.reset(token)
