"""Structured JSON logs carrying the request id."""

import logging
import sys

import structlog
from asgi_correlation_id import correlation_id
from structlog.types import EventDict, WrappedLogger


def _add_request_id(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    request_id = correlation_id.get()
    if request_id:
        event.setdefault("request_id", request_id)
    return event


def configure_logging(json_logs: bool = True, level: int = logging.INFO) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_request_id,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # sys.stdout looked up per logger, so a redirected stdout (tests, reloads) is used.
        logger_factory=lambda *_: structlog.PrintLogger(sys.stdout),
        cache_logger_on_first_use=False,
    )
    # uvicorn's access log writes the full query string (Open311 ``api_key``,
    # ``reporter_phone``) and the client's address. The JSON request line of
    # app.middleware.ObservabilityMiddleware is the access log instead, whatever the
    # command line (``--no-access-log`` in ``make run`` and the image says the same).
    logging.getLogger("uvicorn.access").disabled = True
    # asgi-correlation-id writes a plain-text warning of its own for every request whose
    # X-Request-ID it replaces: with its default (UUID-only) check, every request from a
    # gateway was logged twice. The request line carries the id that was used.
    logging.getLogger("asgi_correlation_id").setLevel(logging.ERROR)
