"""FastAPI dependencies shared by every router."""

import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.config import Settings
from app.db import session_scope
from app.errors import Forbidden, Unauthorized
from app.models.identity import User
from app.security import decode_access_token

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="A bearer token from `POST /api/v1/auth/token`.",
)


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(request.app.state.sessionmaker):
        yield session


# scope="function": the commit happens before the response is sent, so a
# client never gets a 2xx for a transaction that then failed to commit.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_current_actor(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Actor:
    if not token:
        raise Unauthorized("Not authenticated: send a bearer token")
    claims = decode_access_token(settings, token)
    if claims is None:
        raise Unauthorized("The token is invalid or has expired", code="invalid_token")
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError:
        raise Unauthorized("The token is invalid or has expired", code="invalid_token") from None
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized("This account is not active", code="inactive_account")
    return Actor(
        id=user.id,
        kind="user",
        name=user.username,
        roles=frozenset(user.roles),
        department_id=user.department_id,
        ip=request.client.host if request.client else None,
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


IfMatch = Annotated[
    str | None,
    Header(description='The ETag last read (`"3"`); a stale one answers 412.'),
]
