"""API clients (service accounts) of other agencies' systems, and their keys."""

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actor import Actor
from app.config import Settings
from app.core.catalogue_checks import check_department
from app.core.versioning import check_if_match, save_versioned
from app.errors import Forbidden, NotFound, Unauthorized
from app.integrations.schemas import ApiClientCreate, ApiClientUpdate
from app.models.base import utcnow
from app.models.integration import ApiClient
from app.pagination import newest_first_page

KEY_PREFIX = "gf_"
# The roles a scope lends a client; a request also needs the scope of what it touches.
SCOPE_ROLES: dict[str, frozenset[str]] = {
    "tickets:read": frozenset({"operator"}),
    "tickets:write": frozenset({"operator"}),
    "approvals:read": frozenset({"clerk"}),
    "approvals:write": frozenset({"clerk"}),
    "cases:read": frozenset({"inspector"}),
    "cases:write": frozenset({"inspector"}),
    "webhooks:manage": frozenset(),
    # The provincial 好差评 system pushes ratings; it lends no role.
    "ratings:write": frozenset(),
}
# Which scope each API area needs; anything not listed is closed to API clients.
AREA_SCOPES = {
    "/api/v1/tickets": "tickets",
    "/api/v1/ticket-categories": "tickets",
    "/api/v1/approvals": "approvals",
    "/api/v1/approval-services": "approvals",
    "/api/v1/cases": "cases",
    "/api/v1/webhooks": "webhooks",
    "/api/v1/ratings": "ratings",
    "/open311/": "tickets",
}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A department's own system works the tickets dispatched to it, as its handlers do; only a
# city-wide client (the 12345 platform, an Open311 intake) stands in for the hotline.
DEPARTMENT_SCOPE_ROLES: dict[str, frozenset[str]] = {
    **SCOPE_ROLES,
    "tickets:read": frozenset({"handler"}),
    "tickets:write": frozenset({"handler"}),
}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str, str]:
    """A fresh key: (the key shown once, its lookup prefix, its hash)."""
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, _hash(key)


def _prefix_of(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX):
        return None
    prefix, _, rest = key[len(KEY_PREFIX) :].partition("_")
    return prefix if prefix and rest else None


async def create_client(session: AsyncSession, data: ApiClientCreate) -> tuple[ApiClient, str]:
    await check_department(session, data.department_id)
    key, prefix, key_hash = new_key()
    client = ApiClient(
        name=data.name,
        department_id=data.department_id,
        scopes=sorted(set(data.scopes)),
        is_active=data.is_active,
        key_prefix=prefix,
        key_hash=key_hash,
    )
    session.add(client)
    await session.flush()
    return client, key


async def get_client(session: AsyncSession, client_id: uuid.UUID) -> ApiClient:
    client = await session.get(ApiClient, client_id)
    if client is None:
        raise NotFound("No such API client")
    return client


async def list_clients(session: AsyncSession, limit: int, cursor: str | None) -> list[ApiClient]:
    return await newest_first_page(session, ApiClient, limit, cursor)


async def update_client(
    session: AsyncSession, client: ApiClient, data: ApiClientUpdate, if_match: str | None
) -> ApiClient:
    check_if_match(if_match, client.version)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("scopes") is not None:
        changes["scopes"] = sorted(set(changes["scopes"]))
    await check_department(session, changes.get("department_id"))
    await save_versioned(session, client, client.version, changes)
    return client


async def rotate_key(
    session: AsyncSession, client: ApiClient, settings: Settings
) -> tuple[ApiClient, str]:
    """A new key; the old one keeps working for the grace period, then stops."""
    key, prefix, key_hash = new_key()
    await save_versioned(
        session,
        client,
        client.version,
        {
            "key_prefix": prefix,
            "key_hash": key_hash,
            "previous_key_prefix": client.key_prefix,
            "previous_key_hash": client.key_hash,
            "previous_key_expires_at": utcnow() + timedelta(seconds=settings.api_key_grace_seconds),
        },
    )
    return client, key


async def authenticate_key(session: AsyncSession, key: str) -> ApiClient:
    prefix = _prefix_of(key)
    invalid = Unauthorized("The API key is not valid", code="invalid_api_key")
    if prefix is None:
        raise invalid
    query = select(ApiClient).where(
        or_(col(ApiClient.key_prefix) == prefix, col(ApiClient.previous_key_prefix) == prefix)
    )
    client = (await session.scalars(query)).first()
    if client is None:
        raise invalid
    digest = _hash(key)
    current = client.key_prefix == prefix and hmac.compare_digest(digest, client.key_hash)
    previous = (
        client.previous_key_prefix == prefix
        and client.previous_key_hash is not None
        and hmac.compare_digest(digest, client.previous_key_hash)
        and client.previous_key_expires_at is not None
        and client.previous_key_expires_at > utcnow()
    )
    if not (current or previous):
        raise invalid
    if not client.is_active:
        raise Unauthorized("This API client is not active", code="inactive_account")
    return client


def required_scope(method: str, path: str) -> str | None:
    """The scope a request needs, or None when API clients may not call it at all."""
    for prefix, area in AREA_SCOPES.items():
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            if area == "webhooks":
                return "webhooks:manage"
            return f"{area}:{'read' if method in READ_METHODS else 'write'}"
    return None


def client_actor(client: ApiClient, method: str, path: str, ip: str | None) -> Actor:
    needed = required_scope(method, path)
    scopes = set(client.scopes)
    # A write scope lets a client read what it writes.
    if needed and needed.endswith(":read"):
        scopes |= {s.replace(":write", ":read") for s in scopes}
    if needed is None or needed not in scopes:
        raise Forbidden(
            f"This API client lacks the scope {needed}"
            if needed
            else "API clients may not call this endpoint",
            code="insufficient_scope",
        )
    return actor_of(client, ip)


def actor_of(client: ApiClient, ip: str | None = None) -> Actor:
    """The client as the engine sees it: the least-privileged staff roles its scopes need."""
    lent = SCOPE_ROLES if client.department_id is None else DEPARTMENT_SCOPE_ROLES
    roles = frozenset().union(*(lent.get(scope, frozenset()) for scope in client.scopes))
    return Actor(client.id, "api_client", client.name, roles, client.department_id, ip)
