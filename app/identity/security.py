"""Password hashing (argon2 through pwdlib) and access tokens (JWT through PyJWT)."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

from app.config import Settings
from app.models.base import utcnow

ALGORITHM = "HS256"
TOKEN_VERSION_CLAIM = "tv"
_password_hash = PasswordHash.recommended()
# Verifying against this keeps an unknown username as slow as a wrong password.
_DUMMY_HASH = _password_hash.hash("govflow-timing-equaliser")


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _password_hash.verify(password, _DUMMY_HASH)
        return False
    return _password_hash.verify(password, password_hash)


# Requests hash and verify off the event loop: argon2 takes tens of milliseconds of CPU
# (releasing the GIL), and on the loop a burst of sign-ins stalls every other request of
# the worker.
async def hash_off_loop(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_off_loop(password: str, password_hash: str | None) -> bool:
    return await asyncio.to_thread(verify_password, password, password_hash)


def create_access_token(
    settings: Settings, user_id: uuid.UUID, token_version: int = 0
) -> tuple[str, int]:
    """A bearer token for the user, valid until it expires or the user's token version moves
    on (a password change, a deactivation, "sign out everywhere")."""
    now = utcnow()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": str(user_id),
        TOKEN_VERSION_CLAIM: token_version,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), int(
        lifetime.total_seconds()
    )


def decode_access_token(settings: Settings, token: str) -> dict[str, Any] | None:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "iat"]},
        )
    except jwt.PyJWTError:
        return None
    return claims


def token_version_of(claims: dict[str, Any]) -> int | None:
    """The token version a token was issued under; tokens from before versions existed are
    version 0. None for a claim that is not a plain integer."""
    version = claims.get(TOKEN_VERSION_CLAIM, 0)
    if isinstance(version, bool) or not isinstance(version, int):
        return None
    return version
