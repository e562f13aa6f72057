"""Background work: the deadline sweeper (and, later, webhook delivery).

Runs inside each app process when ``GOVFLOW_RUN_SCHEDULER`` is true, or alone as
``python -m app.worker``. Several copies may run at once on PostgreSQL.
"""

import asyncio
import contextlib

import structlog

from app.config import Settings, get_settings
from app.db import SessionMaker, create_engine, create_sessionmaker
from app.log_config import configure_logging
from app.workflow.sweeper import sweep_overdue

log = structlog.get_logger(__name__)


async def run_forever(sessionmaker: SessionMaker, interval_seconds: float) -> None:
    while True:
        try:
            swept = await sweep_overdue(sessionmaker)
            if swept:
                log.info("overdue_swept", records=swept)
        except Exception:
            # A database outage must not kill the loop: the next pass retries.
            log.exception("sweep_failed")
        await asyncio.sleep(interval_seconds)


@contextlib.asynccontextmanager
async def background_worker(sessionmaker: SessionMaker, settings: Settings):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(run_forever(sessionmaker, settings.scheduler_interval_seconds))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_json)
    import app.main  # noqa: F401  (registers every workflow)

    engine = create_engine(settings)
    try:
        await run_forever(create_sessionmaker(engine), settings.scheduler_interval_seconds)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
