"""Per-process copies of small tables that change rarely (the calendar's entered days, the
category catalogue), kept true however many processes serve.

Every change of such a table writes a new token for it (``cache_versions``) in the same
transaction. A request reads all the tokens in one statement, the first time it needs a
copy (or with its actor's row, ``app.deps``); a copy whose token still matches is used, any
other is read again. A rolled-back change leaves the old token, so no process keeps a copy
of rows that never were.
"""

import uuid
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.db import upsert
from app.models.calendar import CacheVersion

T = TypeVar("T")

_TOKENS = "cache_tokens"  # the request's tokens, in its session's ``info``
_ALL_TOKENS = select(col(CacheVersion.name), col(CacheVersion.token))


def keep_tokens(session: AsyncSession, tokens: dict[str, uuid.UUID]) -> None:
    """The tokens, read by another statement of the request (the actor's, for one round
    trip fewer): the request's copies are checked against these."""
    session.info[_TOKENS] = tokens


async def _tokens(session: AsyncSession) -> dict[str, uuid.UUID]:
    tokens: dict[str, uuid.UUID] | None = session.info.get(_TOKENS)
    if tokens is None:
        rows = await session.execute(_ALL_TOKENS)
        tokens = session.info[_TOKENS] = {name: token for name, token in rows.all()}
    return tokens


@dataclass
class ProcessCache(Generic[T]):
    name: str
    load: Callable[[AsyncSession, Any], Awaitable[T]]  # (session, key)
    _token: uuid.UUID | None = field(default=None, init=False)
    _key: Hashable = field(default=None, init=False)
    _value: T | None = field(default=None, init=False)

    async def get(self, session: AsyncSession, key: Hashable = None) -> T:
        """The copy, read again if the table changed (or ``key``, e.g. a zone, differs)."""
        token = (await _tokens(session)).get(self.name)
        if self._value is not None and self._token == token and self._key == key:
            return self._value
        value = await self.load(session, key)
        self._token, self._key, self._value = token, key, value
        return value

    async def changed(self, session: AsyncSession) -> None:
        """Call in the transaction that changes the table."""
        token = uuid.uuid4()
        values = {"name": self.name, "token": token}
        await session.execute(upsert(session, CacheVersion, values, ["name"], {"token": token}))
        session.info.pop(_TOKENS, None)
