"""Fixed-window request counting in the database, shared by every app process."""

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db import upsert
from app.errors import TooManyRequests
from app.models.base import utcnow
from app.models.integration import RateLimitWindow

WINDOW = timedelta(minutes=1)


async def count_request(session: AsyncSession, key: str, limit: int) -> None:
    """Count one request for ``key`` in the current minute; 429 past ``limit``."""
    now = utcnow()
    window_start = now.replace(second=0, microsecond=0)
    statement = upsert(
        session,
        RateLimitWindow,
        {"key": key, "window_start": window_start, "count": 1},
        ["key", "window_start"],
        {"count": col(RateLimitWindow.count) + 1},
    ).returning(col(RateLimitWindow.count))
    count = (await session.execute(statement)).scalar_one()
    if count > limit:
        retry_after = int((window_start + WINDOW - now).total_seconds()) + 1
        raise TooManyRequests(
            f"More than {limit} requests a minute from this client", retry_after=retry_after
        )


async def forget_old_windows(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(RateLimitWindow).where(col(RateLimitWindow.window_start) < before))
