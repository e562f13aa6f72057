"""The ASGI application: ``uvicorn app.main:app``."""

import contextlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Receive, Scope, Send

from app import __version__
from app.config import Settings
from app.control_characters import refuse_control_characters
from app.core.heap import frozen_startup_heap
from app.db import create_engine, create_sessionmakers
from app.errors import install_error_handlers, problem_response
from app.files.storage import storage_from_settings
from app.idempotency import IdempotencyMiddleware
from app.identity.service import bootstrap_admin
from app.kinds import REGISTRY
from app.log_config import configure_logging
from app.middleware import (
    BodyLimitMiddleware,
    ObservabilityMiddleware,
    UnexpectedErrorMiddleware,
    is_safe_request_id,
)
from app.models.base import utcnow
from app.openapi import install_docs, install_openapi
from app.routers import (
    api_clients,
    approvals,
    auth,
    calendar,
    cases,
    departments,
    document_admin,
    health,
    open311,
    oversight,
    parties,
    problems,
    public,
    ratings,
    stats,
    ticket_catalogue,
    tickets,
    users,
    webhooks,
    workflows,
)
from app.routers import documents as documents_routes
from app.routers.attachment_routes import attachment_router
from app.seeds import seed_reference_data
from app.startup import OneLineStartupFailure, StartupRefused, first_line, settings_or_exit
from app.worker import background_worker
from app.workflow.registry import Registry

DESCRIPTION = """
govflow serves a city's approval hall, complaint hotline and enforcement teams:
approval applications (行政审批), hotline tickets (12345 工单) and enforcement cases
(行政处罚案件), each a record moving through states by named actions.

Sign in with **Authorize** (OAuth2 password flow). Errors are RFC 9457
`application/problem+json` documents with a machine-readable `code`.
"""

TAGS = [
    {"name": "auth", "description": "Sign-in and the caller."},
    {"name": "departments", "description": "Departments and the districts they serve."},
    {"name": "users", "description": "Staff and citizen accounts and their roles."},
    {"name": "workflows", "description": "Workflow definitions, my work queue (待办)."},
    {"name": "audit", "description": "The full-process record and its hash-chain check."},
    {"name": "tickets", "description": "Hotline tickets (12345 / 城管热线 工单)."},
    {"name": "ticket catalogue", "description": "Ticket categories and routing rules."},
    {"name": "approvals", "description": "Approval applications (行政审批 / 行政许可)."},
    {"name": "approval services", "description": "The service catalogue (事项清单)."},
    {"name": "cases", "description": "Enforcement cases (行政处罚案件)."},
    {"name": "open311", "description": "Open311 GeoReport v2 (JSON and XML) over tickets."},
    {"name": "integrations", "description": "API clients of other agencies, webhooks."},
    {"name": "statistics", "description": "Figures for reports, computed in the database."},
    {"name": "calendar", "description": "The statutory working-day calendar and deadlines."},
    {"name": "documents", "description": "Official documents (文书): templates and numbering."},
    {"name": "public", "description": "Public disclosure (公示): no sign-in, redacted."},
    {"name": "operations", "description": "Health, readiness and metrics."},
]


def _path_pattern(template: str) -> re.Pattern[str]:
    """What a path template matches: each ``{parameter}`` one segment, as Starlette routes."""
    parts = re.split(r"(\{[^}]*\})", template)
    return re.compile("".join("[^/]+" if part[:1] == "{" else re.escape(part) for part in parts))


class ShadowedPathMethodsMiddleware:
    """405 with ``Allow`` for a method a fixed path does not serve (RFC 9110 §15.5.6).

    ``/tickets/export`` is a resource of its own, not a ticket whose id is "export"; without
    this, ``PATCH /tickets/export`` reaches ``PATCH /tickets/{record_id}`` and answers 422
    about the id. Only fixed paths that a parameterised path would swallow are answered
    here; the routing of every other request, and the OpenAPI document, stay as they are.
    """

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self._allowed: dict[str, frozenset[str]] | None = None

    def allowed_methods(self) -> dict[str, frozenset[str]]:
        if self._allowed is None:
            # From the routes, as the OpenAPI document reads them (included routers and
            # all), not from the document: building it costs each worker's first request
            # seconds.
            paths: dict[str, set[str]] = {}
            for route in iter_route_contexts(self.fastapi_app.routes):
                if isinstance(route.original_route, APIRoute) and route.include_in_schema:
                    paths.setdefault(route.path_format or "", set()).update(route.methods or ())
            templates = [_path_pattern(path) for path in paths if "{" in path]
            self._allowed = {
                path: frozenset(method.upper() for method in methods)
                for path, methods in paths.items()
                if "{" not in path and any(template.fullmatch(path) for template in templates)
            }
        return self._allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            allowed = self.allowed_methods().get(scope["path"])
            if allowed is not None and scope["method"] not in allowed:
                answer = problem_response(
                    405,
                    "method_not_allowed",
                    "Method Not Allowed",
                    instance=scope["path"],
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: Settings, registry: Registry = REGISTRY) -> FastAPI:
    """The app serving ``registry``'s kinds of record, configured by ``settings``: the one
    place both come from (``app.state``); the worker it starts is handed them."""
    configure_logging(settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmakers = sessionmakers = create_sessionmakers(engine, settings)
        app.state.sessionmaker = sessionmakers.primary
        app.state.read_sessionmaker = sessionmakers.primary_read
        try:
            async with app.state.sessionmaker() as session:
                await bootstrap_admin(session, settings)
                await seed_reference_data(session)
        except StartupRefused as error:
            app.state.startup_refused = str(error)
            await engine.dispose()
            await sessionmakers.dispose_secondary_engines()
            raise
        except (OSError, DBAPIError) as error:
            app.state.startup_refused = (
                f"database {settings.database_url.split('@')[-1]} is not usable: "
                f"{first_line(error)} (`python -m app check` says more)"
            )
            await engine.dispose()
            await sessionmakers.dispose_secondary_engines()
            raise
        async with contextlib.AsyncExitStack() as stack:
            if settings.run_scheduler:
                await stack.enter_async_context(
                    background_worker(app.state.sessionmaker, settings, registry)
                )
            stack.enter_context(frozen_startup_heap(settings.gc_tuning))
            yield
        await engine.dispose()
        await sessionmakers.dispose_secondary_engines()

    app = FastAPI(
        title="govflow",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        dependencies=[Depends(refuse_control_characters)],
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.registry = registry
    app.state.clock = utcnow
    install_error_handlers(app)
    install_openapi(app)
    install_docs(app)
    for module in (
        auth,
        departments,
        users,
        calendar,
        workflows,
        tickets,
        ticket_catalogue,
        stats,
        api_clients,
        webhooks,
        open311,
        oversight,
        parties,
        health,
        problems,
    ):
        app.include_router(module.router)
    app.include_router(tickets.action_router)
    for module_router in (*approvals.routers, *cases.routers, *ratings.routers):
        app.include_router(module_router)
    for kind in registry:
        if kind.attachments is not None:
            app.include_router(attachment_router(kind, kind.attachments))
        if kind.workflow.documents is not None:
            app.include_router(documents_routes.documents_router(kind))
    app.include_router(document_admin.router)
    app.include_router(public.router)
    app.state.storage = storage_from_settings(settings)

    app.add_middleware(ShadowedPathMethodsMiddleware, fastapi_app=app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        upload_max_bytes=settings.attachment_max_bytes,
    )
    app.add_middleware(UnexpectedErrorMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "X-Request-ID", "Retry-After"],
        )
    app.add_middleware(ObservabilityMiddleware)
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name="X-Request-ID",
        update_request_header=True,
        validator=is_safe_request_id,
    )
    app.add_middleware(OneLineStartupFailure)
    return app


app = create_app(settings_or_exit())
