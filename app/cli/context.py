"""What every command needs: the settings, a database session, and the workflows known."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

import app.approvals.service
import app.cases.service
import app.tickets.service  # noqa: F401  (each registers its workflow: role checks need them)
from app.config import Settings
from app.db import create_engine, create_sessionmaker


class CommandFailed(Exception):
    """A command that cannot do what it was asked: its message is the one line printed."""


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One session, committed when the command succeeds."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session
            await session.commit()
    finally:
        await engine.dispose()
