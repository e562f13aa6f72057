"""Hotline tickets: every route is built from the declaration (app/tickets/surface.py and
the workflow), registered in app.main."""

from app.routers.record_routes import record_router, workflow_router
from app.tickets.service import TICKETS
from app.tickets.surface import TICKET_SURFACE

router = record_router(TICKET_SURFACE)
action_router = workflow_router(TICKETS)
