"""What every command needs: the settings, a database session, and the workflows served."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.kinds import REGISTRY

# Which roles work within a department is read from the served workflows' scopes.
WORKFLOWS = REGISTRY.workflows


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
