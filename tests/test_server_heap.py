"""A serving app keeps what start-up left alive out of the garbage collector's passes
(app/core/heap.py): the bench's p99 of every read was the collector walking that heap."""

import gc
from typing import Any

from app.config import Settings
from app.core.heap import OLDER_GENERATION_THRESHOLDS, YOUNG_GENERATION_THRESHOLD
from app.main import create_app


async def test_the_startup_heap_is_frozen_while_the_app_serves_and_given_back_after(
    app: Any, settings: Settings
) -> None:
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    tuned = create_app(settings)
    async with tuned.router.lifespan_context(tuned):
        assert gc.get_freeze_count() > frozen
        assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, *OLDER_GENERATION_THRESHOLDS)
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0


async def test_without_gc_tuning_the_collector_keeps_its_settings(
    app: Any, settings: Settings
) -> None:
    gc.set_threshold(700, 10, 10)
    frozen = gc.get_freeze_count()
    untuned = create_app(settings.model_copy(update={"gc_tuning": False}))
    async with untuned.router.lifespan_context(untuned):
        assert gc.get_threshold() == (700, 10, 10)
        assert gc.get_freeze_count() == frozen
