"""Where webhooks may point: http(s) only and, in production, never inside our network.

Checked when a subscription is saved and again before each delivery against what the
name resolves to then (SSRF and DNS-rebinding guard).
"""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from app.errors import UnprocessableEntity


class BlockedAddress(Exception):
    pass


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def check_scheme(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnprocessableEntity(
            "A webhook URL must be http or https with a host", code="invalid_webhook_url"
        )
    return parts.hostname


async def resolve_public(url: str) -> None:
    """Raise BlockedAddress when the URL's host is, or resolves to, an internal address."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {ipaddress.ip_address(host).compressed}
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
        except socket.gaierror as exc:
            raise BlockedAddress(f"{host} does not resolve") from exc
        addresses = {str(info[4][0]) for info in infos}
    internal = sorted(a for a in addresses if _is_internal(a))
    if internal:
        raise BlockedAddress(f"{host} resolves to internal address {internal[0]}")


async def check_webhook_url(url: str, production: bool) -> None:
    check_scheme(url)
    if not production:
        return
    try:
        await resolve_public(url)
    except BlockedAddress as exc:
        raise UnprocessableEntity(
            f"Webhook URLs may not point inside the network: {exc}", code="invalid_webhook_url"
        ) from None
