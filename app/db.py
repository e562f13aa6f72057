"""Database engine and per-request sessions.

One engine per process. A request gets one session and one transaction: the
dependency commits when the endpoint returns and rolls back when it raises, so
services only ``flush()`` and a request never leaves anything half-written.
"""

import contextlib
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, Insert, Result, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings

SessionMaker = async_sessionmaker[AsyncSession]


def create_engine(
    settings: Settings, url: str | None = None, pool_size: int | None = None
) -> AsyncEngine:
    """The engine for ``url``, by default the primary (``GOVFLOW_DATABASE_URL``)."""
    url = url or settings.database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30},
            pool_pre_ping=True,
            hide_parameters=True,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout_seconds,
        # A ping per checkout is a round trip per request. Without it, the first statement
        # on a connection the server dropped fails (a 503) and takes the whole pool's
        # older connections with it; recycling replaces those an idle timeout would cut.
        pool_pre_ping=settings.db_pre_ping,
        pool_recycle=settings.db_pool_recycle_seconds,
        # Statement parameters hold personal data: never in exceptions or logs.
        hide_parameters=True,
        connect_args=postgres_connect_args(settings),
    )


def postgres_connect_args(settings: Settings) -> dict[str, Any]:
    connect_args: dict[str, Any] = {
        "timeout": settings.db_pool_timeout_seconds,
        "command_timeout": 30,
    }
    if settings.db_pgbouncer:
        connect_args |= PGBOUNCER_CONNECT_ARGS
    return connect_args


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


# PgBouncer in transaction mode hands each transaction whichever server connection is
# free, so a statement prepared in one transaction is not there in the next: no cache of
# prepared statements (SQLAlchemy's or asyncpg's), and names no other client's connection
# on that server can already hold (asyncpg numbers them from 1 per connection).
PGBOUNCER_CONNECT_ARGS: dict[str, Any] = {
    "prepared_statement_cache_size": 0,
    "statement_cache_size": 0,
    "prepared_statement_name_func": _unique_statement_name,
}


def create_replica_engine(settings: Settings) -> AsyncEngine | None:
    """The read replica's engine, or None without ``GOVFLOW_READ_DATABASE_URL``."""
    if settings.read_database_url is None:
        return None
    return create_engine(settings, settings.read_database_url)


# Where a session finds the engine that takes record numbers (``app.core.numbering``).
NUMBERS_ENGINE = "numbers_engine"
# Each number is one short statement, so a few connections serve every request of a process.
NUMBERS_POOL_SIZE = 4


def create_numbers_engine(settings: Settings) -> AsyncEngine | None:
    """The engine record numbers are taken on, each in a transaction of its own that ends
    with its statement, so the counter's row is never held for a request; None on SQLite,
    whose one writer holds the database for the whole request anyway (and whose second
    connection would wait for the request's own). A pool of its own: a request already
    holds one of the primary's connections, and waiting for a second there can starve."""
    if settings.database_url.startswith("sqlite"):
        return None
    engine = create_engine(settings, pool_size=min(NUMBERS_POOL_SIZE, settings.db_pool_size))
    # Behind PgBouncer in a transaction, for the reason create_read_sessionmaker gives.
    return (
        engine if settings.db_pgbouncer else engine.execution_options(isolation_level="AUTOCOMMIT")
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer writes; busy_timeout makes a second
    # writer wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_sessionmaker(
    engine: AsyncEngine, numbers_engine: AsyncEngine | None = None
) -> SessionMaker:
    info = {NUMBERS_ENGINE: numbers_engine} if numbers_engine is not None else None
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, info=info)


def create_read_sessionmaker(engine: AsyncEngine, settings: Settings) -> SessionMaker:
    """Sessions for requests that only read: each statement on its own, no BEGIN/COMMIT.

    Two of a GET's five round trips were the transaction's; reads at READ COMMITTED see
    nothing less without it. Behind PgBouncer they keep the transaction: asyncpg prepares
    a statement and executes it in two exchanges, and outside a transaction PgBouncer may
    send the second to another server connection, which never saw the statement.
    """
    if settings.db_pgbouncer:
        return create_sessionmaker(engine)
    return create_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))


@dataclass
class Sessionmakers:
    """Which engine serves which session. Every read a client must see its own write in
    (one record, lists, tasks, anything in a request that writes) is the primary's; the
    replica serves only what routes ask for by name (``ReplicaSessionDep``)."""

    primary: SessionMaker
    primary_read: SessionMaker
    # Without a replica: None, and those routes share the request's primary session.
    replica_read: SessionMaker | None
    # Sessions in a transaction on the replica (or the primary): streaming exports need one.
    replica_stream: SessionMaker
    replica_engine: AsyncEngine | None
    # Record numbers' own engine (``create_numbers_engine``); None on SQLite.
    numbers_engine: AsyncEngine | None = None

    async def dispose_secondary_engines(self) -> None:
        """The replica's and the record numbers' engines (the primary is the caller's)."""
        for engine in (self.replica_engine, self.numbers_engine):
            if engine is not None:
                await engine.dispose()


def create_sessionmakers(engine: AsyncEngine, settings: Settings) -> Sessionmakers:
    replica = create_replica_engine(settings)
    numbers = create_numbers_engine(settings)
    return Sessionmakers(
        primary=create_sessionmaker(engine, numbers),
        primary_read=create_read_sessionmaker(engine, settings),
        replica_read=None if replica is None else create_read_sessionmaker(replica, settings),
        replica_stream=create_sessionmaker(replica or engine),
        replica_engine=replica,
        numbers_engine=numbers,
    )


async def session_scope(sessionmaker: SessionMaker) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            # A connection the database dropped has no transaction left to undo; the error
            # that ended the request (a 503 by then) is what it answers, not the rollback's.
            with contextlib.suppress(DBAPIError):
                await session.rollback()
            raise


async def core_rows(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any] | None = None
) -> Result[*tuple[Any, ...]]:
    """Run a Core statement on the session's connection, in its transaction: rows without the
    ORM's execution path (its compile state and result loading cost more than the read)."""
    connection = await session.connection()
    return await connection.execute(statement, params)


def upsert(
    session: AsyncSession, model: Any, values: dict[str, Any], keys: list[str], set_: dict[str, Any]
) -> Insert:
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET …`` in the session's dialect."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_update(index_elements=keys, set_=set_)
