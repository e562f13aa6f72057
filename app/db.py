"""Database engine and per-request sessions.

One engine per process. A request gets one session and one transaction: the
dependency commits when the endpoint returns and rolls back when it raises, so
services only ``flush()`` and a request never leaves anything half-written.
"""

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import Insert, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings

SessionMaker = async_sessionmaker[AsyncSession]


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            connect_args={"timeout": 30},
            pool_pre_ping=True,
            hide_parameters=True,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout_seconds,
        # A ping per checkout is a round trip per request. Without it, the first statement
        # on a connection the server dropped fails (a 503) and takes the whole pool's
        # older connections with it; recycling replaces those an idle timeout would cut.
        pool_pre_ping=settings.db_pre_ping,
        pool_recycle=settings.db_pool_recycle_seconds,
        # Statement parameters hold personal data: never in exceptions or logs.
        hide_parameters=True,
        connect_args={"timeout": settings.db_pool_timeout_seconds, "command_timeout": 30},
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer writes; busy_timeout makes a second
    # writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def create_read_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    """Sessions for requests that only read: each statement on its own, no BEGIN/COMMIT.

    Two of a GET's five round trips were the transaction's; reads at READ COMMITTED see
    nothing less without it.
    """
    return create_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))


async def session_scope(sessionmaker: SessionMaker) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def upsert(
    session: AsyncSession, model: Any, values: dict[str, Any], keys: list[str], set_: dict[str, Any]
) -> Insert:
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET …`` in the session's dialect."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_update(index_elements=keys, set_=set_)
