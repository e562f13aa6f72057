"""Background work: the deadline sweeper, webhook delivery and the purge of expired state.

Started by each app process when ``GOVFLOW_RUN_SCHEDULER`` is true, or alone as
``python -m app.worker``. Several copies may run at once on PostgreSQL. It is handed the
settings and the record kinds; it never builds the app.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog

from app import idempotency
from app.config import Settings
from app.core.rate_limit import WINDOW, forget_old_windows
from app.db import SessionMaker, create_engine, create_sessionmaker
from app.documents.jobs import sweep_documents
from app.identity import login_throttle
from app.integrations.webhook_delivery import deliver_due
from app.kinds import REGISTRY
from app.log_config import configure_logging
from app.models.base import utcnow
from app.records.rollups import refresh
from app.startup import settings_or_exit
from app.tickets.stats import TICKET_ROLLUP
from app.workflow.registry import Registry
from app.workflow.sweeper import sweep_overdue

log = structlog.get_logger(__name__)


async def _repeat(name: str, job: Callable[[], Awaitable[int]], interval: float) -> None:
    while True:
        try:
            done = await job()
            if done:
                log.info(name, count=done)
        except Exception:
            # A database outage must not kill the loop: the next pass retries.
            log.exception(f"{name}_failed")
        await asyncio.sleep(interval)


async def purge_expired_state(sessionmaker: SessionMaker, settings: Settings) -> int:
    """Delete idempotency records past their time to live, login throttles whose window and
    lock have passed, and request-count windows that no longer count."""
    now = utcnow()
    async with sessionmaker() as session:
        purged = await idempotency.purge_expired(session, settings)
        purged += await login_throttle.forget_expired(session, settings, now)
        await forget_old_windows(session, now - 2 * WINDOW)
        await session.commit()
    return purged


async def refresh_rollups(sessionmaker: SessionMaker, settings: Settings) -> int:
    """Recount the statistics' days that changed since the last pass (any process may)."""
    async with sessionmaker() as session:
        days = await refresh(session, TICKET_ROLLUP, settings.timezone)
        await session.commit()
    return days


async def run_forever(sessionmaker: SessionMaker, settings: Settings, registry: Registry) -> None:
    rollups = (
        [
            _repeat(
                "stats_rollups_refreshed",
                lambda: refresh_rollups(sessionmaker, settings),
                settings.scheduler_interval_seconds,
            )
        ]
        if settings.stats_rollups
        else []
    )
    await asyncio.gather(
        *rollups,
        _repeat(
            "expired_state_purged",
            lambda: purge_expired_state(sessionmaker, settings),
            settings.scheduler_interval_seconds,
        ),
        _repeat(
            "overdue_swept",
            lambda: sweep_overdue(sessionmaker, registry, settings),
            settings.scheduler_interval_seconds,
        ),
        _repeat(
            "documents_swept",
            lambda: sweep_documents(sessionmaker, registry, settings),
            settings.scheduler_interval_seconds,
        ),
        _repeat(
            "webhooks_delivered",
            lambda: deliver_due(sessionmaker, settings, registry),
            settings.webhook_poll_seconds,
        ),
    )


@contextlib.asynccontextmanager
async def background_worker(
    sessionmaker: SessionMaker, settings: Settings, registry: Registry
) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(run_forever(sessionmaker, settings, registry))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def main(settings: Settings, registry: Registry) -> None:
    configure_logging(settings.log_json)
    engine = create_engine(settings)
    try:
        await run_forever(create_sessionmaker(engine), settings, registry)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(settings_or_exit(), REGISTRY))
