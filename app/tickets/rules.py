"""What the hotline's commitments ask of a ticket: its periods, and the checks guarding actions.

Deadlines are the hotline's service commitments: sign within 30 minutes (urgent, around
the clock) or 1 working day; reply within 24 hours (urgent), 1 working day for
consultations, 5 working days otherwise — counted from dispatch. Categories may override.
Guards return why an action is refused (422 ``guard_failed``), or None; ``available``
checks depend on the ticket alone and also decide what ``allowed_actions`` shows.
"""

from datetime import datetime
from typing import TypeVar

from app.core.calendar import Period, Unit
from app.models.ticket import Ticket
from app.tickets.action_schemas import MAX_EXTENSION_DAYS, ExtendBody, MergeBody
from app.tickets.categories import CategoryTerms, category_terms
from app.workflow.body import ActionBody
from app.workflow.context import ActionContext

OPEN = ("new", "dispatched", "in_progress", "returned", "replied")
STATES = (*OPEN, "closed", "merged", "cancelled")
RETURN_WINDOW = Period(2, Unit.working_days)

BodyT = TypeVar("BodyT", bound=ActionBody)
# What a ticket action's guards and effects see, by the action's body.
TicketContext = ActionContext[Ticket, BodyT]


async def category_of(ctx: TicketContext[ActionBody]) -> CategoryTerms | None:
    return await category_terms(ctx.session, ctx.record.category_code)


async def sign_period(ctx: TicketContext[ActionBody]) -> Period:
    if ctx.record.priority == "urgent":
        return Period(30, Unit.minutes)
    category = await category_of(ctx)
    days = category.sign_limit_working_days if category else None
    return Period(days or 1, Unit.working_days)


async def reply_period(ctx: TicketContext[ActionBody]) -> Period:
    ticket = ctx.record
    if ticket.priority == "urgent":
        return Period(24, Unit.hours)
    category = await category_of(ctx)
    if category and category.reply_limit_working_days:
        return Period(category.reply_limit_working_days, Unit.working_days)
    return Period(1 if ticket.type == "consultation" else 5, Unit.working_days)


def since_dispatch(ctx: TicketContext[ActionBody]) -> datetime:
    dispatched: datetime | None = ctx.current("dispatched_at")
    return dispatched or ctx.now


def returnable(ticket: Ticket, now: datetime) -> str | None:
    if ticket.assigned_by_ruling:
        return "The supervisor assigned this ticket by ruling: it can no longer be returned"
    if ticket.return_until is not None and now > ticket.return_until:
        return "A ticket can be returned only within 2 working days of dispatch"
    return None


def answerable(ticket: Ticket, now: datetime) -> str | None:
    if ticket.type not in ("consultation", "suggestion"):
        return "Only consultations and suggestions are answered directly by the hotline"
    return None


def not_escalated(ticket: Ticket, now: datetime) -> str | None:
    if ticket.related_case_id is not None:
        return f"The ticket was already taken up as case {ticket.related_case_id}"
    return None


async def merge_guard(ctx: TicketContext[MergeBody]) -> str | None:
    if ctx.body.duplicate_of == ctx.record.id:
        return "A ticket cannot be a duplicate of itself"
    original = await ctx.session.get(Ticket, ctx.body.duplicate_of)
    if original is None:
        return "duplicate_of names no ticket"
    if original.status not in OPEN:
        return "duplicate_of must name an open ticket"
    return None


def within_extension_limit(ctx: TicketContext[ExtendBody]) -> str | None:
    granted = ctx.record.extended_days
    if granted + ctx.body.days > MAX_EXTENSION_DAYS:
        return (
            f"Extensions total at most {MAX_EXTENSION_DAYS} working days; {granted} already granted"
        )
    return None


def extension_period(ctx: TicketContext[ExtendBody]) -> Period:
    return Period(ctx.body.days, Unit.working_days)
