"""Failed sign-ins, throttled per (username, client address) and per client address.

A lock on the pair stops guessing one account's password from one place without letting
anyone elsewhere lock the owner out; the per-address limit stops one place spraying many
usernames. Both lock for ``login_lock_seconds`` and then let the right password in again.
The counts live in the database, shared by every app process; rows are keyed by an HMAC of
the username and address, so the table holds neither.
"""

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.config import Settings
from app.db import upsert
from app.errors import TooManyRequests
from app.models.identity import LoginThrottle


@dataclass(frozen=True)
class LoginKeys:
    pair: str
    address: str


def client_network(address: str | None) -> str:
    """The address as throttled: an IPv4 address, or an IPv6 address's /64, which one
    subscriber line usually holds whole."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed.ipv4_mapped if isinstance(parsed, ipaddress.IPv6Address) else parsed)


def keys_for(settings: Settings, username: str, address: str | None) -> LoginKeys:
    secret = settings.secret_key.encode()

    def key(*parts: str) -> str:
        message = "\x00".join(parts).encode("utf-8", "backslashreplace")
        return hmac.new(secret, message, hashlib.sha256).hexdigest()

    network = client_network(address)
    return LoginKeys(pair=key("pair", username, network), address=key("address", network))


async def refuse_if_locked(
    session: AsyncSession, keys: LoginKeys, now: datetime
) -> LoginThrottle | None:
    """429 while the pair or the address is locked; the pair's row, if any, otherwise."""
    rows = {
        row.key: row
        for row in await session.scalars(
            select(LoginThrottle).where(col(LoginThrottle.key).in_([keys.pair, keys.address]))
        )
    }
    for key, lockout, detail in (
        (keys.address, "address", "Too many failed sign-ins from this address"),
        (keys.pair, "username_and_address", "Too many failed sign-ins for this username"),
    ):
        row = rows.get(key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            retry_after = int((row.locked_until - now).total_seconds()) + 1
            raise TooManyRequests(
                f"{detail}: wait {retry_after} seconds, then sign in again",
                retry_after=retry_after,
                lockout=lockout,
            )
    return rows.get(keys.pair)


async def count_failure(
    session: AsyncSession, settings: Settings, keys: LoginKeys, now: datetime
) -> bool:
    """Count one failed sign-in against the pair and the address; True when that locked one."""
    window = timedelta(seconds=settings.login_lock_seconds)
    locked = False
    for key, limit in (
        (keys.pair, settings.login_max_failures),
        (keys.address, settings.login_address_max_failures),
    ):
        # Insert or keep, and lock the row for this transaction (PostgreSQL), so concurrent
        # failures in several processes all count.
        statement = upsert(
            session,
            LoginThrottle,
            {"key": key, "failures": 0, "window_started_at": now},
            ["key"],
            {"failures": col(LoginThrottle.failures)},
        ).returning(col(LoginThrottle.failures), col(LoginThrottle.window_started_at))
        failures, window_started_at = (await session.execute(statement)).one()
        if now - window_started_at >= window:
            failures, window_started_at = 0, now
        failures += 1
        locked_until = now + window if failures >= limit else None
        locked = locked or locked_until is not None
        await session.execute(
            update(LoginThrottle)
            .where(col(LoginThrottle.key) == key)
            .values(failures=failures, window_started_at=window_started_at)
            .values(**({"locked_until": locked_until} if locked_until else {}))
        )
    return locked


async def forget_pair(session: AsyncSession, keys: LoginKeys) -> None:
    """A successful sign-in clears its pair's count; the address keeps its count, or one
    valid account would let its holder reset the address's limit at will."""
    await session.execute(delete(LoginThrottle).where(col(LoginThrottle.key) == keys.pair))


async def forget_expired(session: AsyncSession, settings: Settings, now: datetime) -> int:
    window_start = now - timedelta(seconds=settings.login_lock_seconds)
    result = await session.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.window_started_at) < window_start,
            or_(
                col(LoginThrottle.locked_until).is_(None),
                col(LoginThrottle.locked_until) < now,
            ),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
