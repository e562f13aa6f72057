"""FastAPI dependencies shared by every router."""

import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import bindparam, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.config import Settings
from app.core.process_cache import keep_tokens
from app.core.rate_limit import count_request
from app.db import SessionMaker, core_rows, session_scope
from app.errors import Forbidden, Unauthorized
from app.identity.security import decode_access_token, token_version_of
from app.integrations import api_clients
from app.models.calendar import CacheVersion
from app.models.identity import User
from app.workflow.registry import Registry

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="A bearer token from `POST /api/v1/auth/token`.",
)


api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="An API client's key (other agencies' systems), from `POST /api/v1/api-clients`.",
)


# Dependencies are ``async def`` even when they await nothing: FastAPI runs a plain
# ``def`` one in a worker thread, a hop per request.
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_registry(request: Request) -> Registry:
    """The record kinds the app serves (``create_app`` is given them)."""
    registry: Registry = request.app.state.registry
    return registry


RegistryDep = Annotated[Registry, Depends(get_registry)]


# GET and HEAD change nothing (every route keeps to that), so they need no transaction.
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    state = request.app.state
    read_only = request.method in READ_ONLY_METHODS
    async for session in session_scope(
        state.read_sessionmaker if read_only else state.sessionmaker
    ):
        yield session


async def get_transaction_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session in a transaction whatever the method: streaming rows through a
    server-side cursor (millions of audit events) needs one."""
    async for session in session_scope(request.app.state.sessionmaker):
        yield session


# scope="function": the commit happens before the response is sent, so a
# client never gets a 2xx for a transaction that then failed to commit.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
TransactionSessionDep = Annotated[AsyncSession, Depends(get_transaction_session, scope="function")]


async def get_replica_session(request: Request, session: SessionDep) -> AsyncIterator[AsyncSession]:
    """A session on the read replica, for GET routes whose answer may be a moment stale:
    statistics, exports, the party timeline. Nothing a client must read after its own write
    (one record, a list, its tasks) uses it. Without a replica (or for a method that may
    write) it is the request's own primary session, not a second connection."""
    replica = request.app.state.sessionmakers.replica_read
    if replica is None or request.method not in READ_ONLY_METHODS:
        yield session
        return
    # The primary's connection goes back to the pool for the replica's (longer) read; the
    # session takes another if the request reads the primary again.
    await session.close()
    async for replica_session in session_scope(replica):
        yield replica_session


ReplicaSessionDep = Annotated[AsyncSession, Depends(get_replica_session, scope="function")]


async def get_replica_stream_sessionmaker(request: Request) -> SessionMaker:
    """Sessions in a transaction on the replica (the primary without one), for an export
    that streams rows through a server-side cursor in a session of its own
    (``app.records.exports.record_rows``)."""
    sessionmaker: SessionMaker = request.app.state.sessionmakers.replica_stream
    return sessionmaker


ReplicaStreamSessionmakerDep = Annotated[SessionMaker, Depends(get_replica_stream_sessionmaker)]


async def actor_for_api_key(request: Request, session: AsyncSession, api_key: str) -> Actor:
    """Authenticate an API client, count the request against its limit, check its scope."""
    settings: Settings = request.app.state.settings
    client = await api_clients.authenticate_key(session, api_key)
    # Counted in a transaction of its own: the request's may roll back, and the counter row
    # must not stay locked for a whole request.
    async with request.app.state.sessionmaker() as counter_session:
        await count_request(
            counter_session, f"client:{client.id}", settings.api_client_rate_limit_per_minute
        )
        await counter_session.commit()
    ip = request.client.host if request.client else None
    return api_clients.client_actor(client, request.method, request.url.path, ip)


# Every request runs it: the columns an actor needs, not a User object, in a statement
# built once (a new one costs its construction and cache key each time). The token version
# rides in the same read, so checking a token for revocation costs no round trip; so do the
# process caches' tokens (a row per cached table, a handful), which a write needs for the
# calendar and would otherwise read in a statement of their own.
_users = User.__table__  # type: ignore[attr-defined]
_cache_versions = CacheVersion.__table__  # type: ignore[attr-defined]
ACTOR_COLUMNS = (
    select(
        _users.c.username,
        _users.c.roles,
        _users.c.department_id,
        _users.c.is_active,
        _users.c.token_version,
        _cache_versions.c.name.label("cache_name"),
        _cache_versions.c.token.label("cache_token"),
    )
    .select_from(_users.outerjoin(_cache_versions, true()))
    .where(_users.c.id == bindparam("user_id"))
)


async def actor_for_token(
    session: AsyncSession, settings: Settings, token: str, ip: str | None
) -> Actor:
    """The signed-in user behind a bearer token that is genuine, unexpired, not revoked and
    whose account is active; 401 otherwise."""
    claims = decode_access_token(settings, token)
    version = token_version_of(claims) if claims is not None else None
    if claims is None or version is None:
        raise Unauthorized("The token is invalid or has expired", code="invalid_token")
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise Unauthorized("The token is invalid or has expired", code="invalid_token") from None
    rows = (await core_rows(session, ACTOR_COLUMNS, {"user_id": user_id})).all()
    user = rows[0] if rows else None
    if user is None or not user.is_active:
        raise Unauthorized("This account is not active", code="inactive_account")
    if version != user.token_version:
        raise Unauthorized(
            "This token was revoked (password change, deactivation or sign-out "
            "everywhere): sign in again",
            code="token_revoked",
        )
    keep_tokens(session, {row.cache_name: row.cache_token for row in rows if row.cache_name})
    return Actor(
        id=user_id,
        kind="user",
        name=user.username,
        roles=frozenset(user.roles),
        department_id=user.department_id,
        ip=ip,
    )


async def get_current_actor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Actor:
    if api_key and not token:
        return await actor_for_api_key(request, session, api_key)
    if not token:
        raise Unauthorized("Not authenticated: send a bearer token or an X-API-Key")
    return await actor_for_token(
        session, settings, token, request.client.host if request.client else None
    )


CurrentActor = Annotated[Actor, Depends(get_current_actor)]


def require_roles(*roles: str) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    """A dependency that lets through only actors holding one of ``roles``."""

    async def _check(actor: CurrentActor) -> Actor:
        if not actor.has_any(*roles):
            raise Forbidden(f"This needs one of the roles: {', '.join(roles)}")
        return actor

    return _check


AdminActor = Annotated[Actor, Depends(require_roles("admin"))]


async def get_now(request: Request) -> datetime:
    """The request's time, from the app's clock (tests replace ``app.state.clock``)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


NowDep = Annotated[datetime, Depends(get_now)]


IfMatch = Annotated[
    str | None,
    Header(description='The ETag last read (`"3"`); a stale one answers 412.'),
]
