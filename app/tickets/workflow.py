"""The hotline ticket workflow (12345 / 城管热线 工单), declared as data.

Deadlines are the hotline's service commitments: sign within 30 minutes (urgent, around
the clock) or 1 working day; reply within 24 hours (urgent), 1 working day for
consultations, 5 working days otherwise — counted from dispatch. Categories may override.
"""

import uuid
from datetime import datetime

from sqlalchemy import select

from app.core.calendar import Period, Unit
from app.errors import UnprocessableEntity
from app.models.identity import Department
from app.models.ticket import WITH_DUPLICATES, RoutingRule, Ticket
from app.oversight import ratings
from app.tickets.action_schemas import (
    MAX_EXTENSION_DAYS,
    AnswerBody,
    AssignBody,
    CancelBody,
    CloseBody,
    DispatchBody,
    EscalateBody,
    ExtendBody,
    MergeBody,
    ReopenBody,
    ReplyBody,
    ReturnBody,
    UrgeBody,
)
from app.tickets.categories import CategoryTerms, category_terms
from app.tickets.documents import TICKET_DOCUMENTS
from app.workflow.context import ActionContext
from app.workflow.definition import (
    ALL,
    DEPARTMENT,
    OWN,
    STOP,
    Workflow,
    action,
    extend,
    start,
)

OPEN = ("new", "dispatched", "in_progress", "returned", "replied")
STATES = (*OPEN, "closed", "merged", "cancelled")
RETURN_WINDOW = Period(2, Unit.working_days)


async def _category(ctx: ActionContext) -> CategoryTerms | None:
    ticket = ctx.record
    assert isinstance(ticket, Ticket)
    return await category_terms(ctx.session, ticket.category_code)


async def sign_period(ctx: ActionContext) -> Period:
    ticket = ctx.record
    assert isinstance(ticket, Ticket)
    if ticket.priority == "urgent":
        return Period(30, Unit.minutes)
    category = await _category(ctx)
    days = category.sign_limit_working_days if category else None
    return Period(days or 1, Unit.working_days)


async def reply_period(ctx: ActionContext) -> Period:
    ticket = ctx.record
    assert isinstance(ticket, Ticket)
    if ticket.priority == "urgent":
        return Period(24, Unit.hours)
    category = await _category(ctx)
    if category and category.reply_limit_working_days:
        return Period(category.reply_limit_working_days, Unit.working_days)
    return Period(1 if ticket.type == "consultation" else 5, Unit.working_days)


def since_dispatch(ctx: ActionContext) -> datetime:
    dispatched: datetime | None = ctx.current("dispatched_at")
    return dispatched or ctx.now


async def _routed_department(ctx: ActionContext) -> uuid.UUID:
    ticket = ctx.record
    assert isinstance(ticket, Ticket)
    rules = (await ctx.session.scalars(select(RoutingRule))).all()
    matching = [
        rule
        for rule in rules
        if rule.category_code in (None, ticket.category_code)
        and rule.district in (None, ticket.district)
    ]
    if matching:
        best = max(matching, key=lambda r: (r.category_code is not None, r.district is not None))
        return best.department_id
    category = await _category(ctx)
    if category and category.default_department_id:
        return category.default_department_id
    raise UnprocessableEntity(
        f"No routing rule matches category {ticket.category_code!r} in district "
        f"{ticket.district!r}: give department_id or add a routing rule",
        code="no_routing_rule",
    )


async def _existing_department(ctx: ActionContext, department_id: uuid.UUID) -> uuid.UUID:
    if await ctx.session.get(Department, department_id) is None:
        raise UnprocessableEntity("department_id names no department", code="unknown_department")
    return department_id


async def dispatch(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, DispatchBody | AssignBody)
    department_id = body.department_id
    if department_id is None:
        department_id = await _routed_department(ctx)
    ctx.set(
        department_id=await _existing_department(ctx, department_id),
        dispatched_at=ctx.now,
        return_until=ctx.calendar.add(ctx.now, RETURN_WINDOW).due_at,
        assigned_by_ruling=isinstance(body, AssignBody),
        signed_at=None,
    )


def returnable(ticket: object, now: datetime) -> str | None:
    assert isinstance(ticket, Ticket)
    if ticket.assigned_by_ruling:
        return "The supervisor assigned this ticket by ruling: it can no longer be returned"
    if ticket.return_until is not None and now > ticket.return_until:
        return "A ticket can be returned only within 2 working days of dispatch"
    return None


def answerable(ticket: object, now: datetime) -> str | None:
    assert isinstance(ticket, Ticket)
    if ticket.type not in ("consultation", "suggestion"):
        return "Only consultations and suggestions are answered directly by the hotline"
    return None


async def merge_guard(ctx: ActionContext) -> str | None:
    body = ctx.body
    assert isinstance(body, MergeBody)
    if body.duplicate_of == ctx.record.id:
        return "A ticket cannot be a duplicate of itself"
    original = await ctx.session.get(Ticket, body.duplicate_of)
    if original is None:
        return "duplicate_of names no ticket"
    if original.status not in OPEN:
        return "duplicate_of must name an open ticket"
    return None


def within_extension_limit(ctx: ActionContext) -> str | None:
    body = ctx.body
    assert isinstance(body, ExtendBody)
    ticket = ctx.record
    assert isinstance(ticket, Ticket)
    if ticket.extended_days + body.days > MAX_EXTENSION_DAYS:
        return (
            f"Extensions total at most {MAX_EXTENSION_DAYS} working days; "
            f"{ticket.extended_days} already granted"
        )
    return None


def extension_period(ctx: ActionContext) -> Period:
    body = ctx.body
    assert isinstance(body, ExtendBody)
    return Period(body.days, Unit.working_days)


def _stamp(field_name: str) -> "object":
    def effect(ctx: ActionContext) -> None:
        ctx.set(**{field_name: ctx.now})

    return effect


def _reply(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, ReplyBody | AnswerBody)
    ctx.set(reply=body.reply, replied_at=ctx.now)
    if isinstance(body, ReplyBody):
        ctx.set(resolution_mode=body.resolution_mode)


async def _close(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, CloseBody)
    ctx.set(satisfaction=body.satisfaction, satisfaction_comment=body.comment, closed_at=ctx.now)
    # The callback's satisfaction is the ticket's service rating (好差评): one model.
    rating = await ratings.rate_ticket_callback(
        ctx.session, ctx.actor, ctx.record, body.satisfaction, body.comment
    )
    ctx.event_payload["rating_id"] = rating.id


def _reopen(ctx: ActionContext) -> None:
    ctx.set(reopen_count=ctx.current("reopen_count") + 1, replied_at=None, satisfaction=None)


def _urge(ctx: ActionContext) -> None:
    ctx.set(supervised=ctx.current("supervised") + 1)


def _extend(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, ExtendBody)
    ctx.set(extended_days=ctx.current("extended_days") + body.days)


def not_escalated(ticket: object, now: datetime) -> str | None:
    assert isinstance(ticket, Ticket)
    if ticket.related_case_id is not None:
        return f"The ticket was already taken up as case {ticket.related_case_id}"
    return None


async def _escalate(ctx: ActionContext) -> None:
    # Imported here: the case module's schemas import this module, through the ticket's.
    from app.cases import service as cases

    body = ctx.body
    assert isinstance(body, EscalateBody)
    ticket = ctx.record
    assert isinstance(ticket, Ticket)
    case = await cases.create_from_ticket(
        ctx.session,
        ticket,
        ctx.actor,
        party=body.party,
        violation_occurred_on=body.violation_occurred_on,
        discovered_on=body.discovered_on,
        facts=body.facts,
    )
    ctx.set(related_case_id=case.id, resolution_mode="enforcement")
    ctx.event_payload["case_id"] = case.id
    ctx.event_payload["case_number"] = case.number


def _merge(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, MergeBody)
    ctx.set(duplicate_of=body.duplicate_of)


SIGN_CLOCK = start(sign_period, describe="sign within 30 minutes (urgent) or 1 working day")
REPLY_CLOCK = start(
    reply_period,
    since_dispatch,
    describe="reply within 24 hours (urgent), 1 working day (consultation) or 5 working days, "
    "from dispatch",
)

TICKET_WORKFLOW = Workflow(
    documents=TICKET_DOCUMENTS,
    name="ticket",
    collection="tickets",
    model=Ticket,
    load_options=WITH_DUPLICATES,
    initial="new",
    states=STATES,
    terminal=frozenset({"closed", "merged", "cancelled"}),
    description="A citizen's call or message, from intake to callback (件件有措施、事事有落实).",
    role_scopes={
        "admin": ALL,
        "operator": ALL,
        "supervisor": ALL,
        "handler": DEPARTMENT,
        "citizen": OWN,
    },
    actions={
        a.name: a
        for a in (
            action(
                "dispatch",
                ("new", "returned"),
                "dispatched",
                "operator",
                "Dispatch to the responsible department",
                body=DispatchBody,
                effect=dispatch,
                clock=SIGN_CLOCK,
            ),
            action(
                "answer",
                "new",
                "replied",
                "operator",
                "Answer directly (咨询/建议)",
                body=AnswerBody,
                available=answerable,
                effect=_reply,
                clock=STOP,
                issues="reply_letter",
            ),
            action(
                "merge",
                "new",
                "merged",
                "operator",
                "Merge into an open duplicate",
                body=MergeBody,
                guards=(merge_guard,),
                effect=_merge,
                clock=STOP,
            ),
            action(
                "sign",
                "dispatched",
                "in_progress",
                "handler",
                "Sign for the ticket",
                effect=_stamp("signed_at"),
                clock=REPLY_CLOCK,
            ),
            action(
                "return",
                "dispatched",
                "returned",
                "handler",
                "Return to the hotline (退单)",
                body=ReturnBody,
                available=returnable,
                clock=STOP,
            ),
            action(
                "assign",
                "returned",
                "dispatched",
                "supervisor",
                "Assign by ruling on a disputed ticket",
                body=AssignBody,
                effect=dispatch,
                clock=SIGN_CLOCK,
            ),
            action(
                "reply",
                "in_progress",
                "replied",
                "handler",
                "Reply with the result",
                body=ReplyBody,
                effect=_reply,
                clock=STOP,
                issues="reply_letter",
            ),
            action(
                "extend",
                "in_progress",
                None,
                "supervisor",
                "Extend the reply deadline",
                body=ExtendBody,
                guards=(within_extension_limit,),
                effect=_extend,
                clock=extend(
                    extension_period,
                    describe=f"by `days` working days, at most {MAX_EXTENSION_DAYS} in total",
                ),
                queued=False,
            ),
            action(
                "close",
                "replied",
                "closed",
                ("operator", "citizen"),
                "Close after the callback",
                body=CloseBody,
                effect=_close,
            ),
            action(
                "reopen",
                "replied",
                "in_progress",
                ("operator", "citizen"),
                "Reopen after an unsatisfied callback",
                body=ReopenBody,
                effect=_reopen,
                clock=start(reply_period, describe="a new reply deadline from now"),
            ),
            action(
                "escalate",
                "in_progress",
                None,
                "handler",
                "Take up as an enforcement case (转立案)",
                body=EscalateBody,
                available=not_escalated,
                effect=_escalate,
            ),
            action(
                "urge",
                OPEN,
                None,
                "supervisor",
                "Urge (督办)",
                body=UrgeBody,
                effect=_urge,
                queued=False,
            ),
            action(
                "cancel",
                OPEN,
                "cancelled",
                ("operator", "supervisor"),
                "Cancel",
                body=CancelBody,
                clock=STOP,
                queued=False,
            ),
        )
    },
)
