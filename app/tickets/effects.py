"""What each action of a ticket records: department, stamps, reply, callback, handover."""

import uuid

from sqlalchemy import select

from app.errors import UnprocessableEntity
from app.models.identity import Department
from app.models.ticket import RoutingRule
from app.models.workflow import WorkflowRecord
from app.oversight import ratings
from app.tickets.action_schemas import (
    AnswerBody,
    AssignBody,
    CloseBody,
    DispatchBody,
    EscalateBody,
    ExtendBody,
    MergeBody,
    ReplyBody,
)
from app.tickets.rules import RETURN_WINDOW, TicketContext, category_of
from app.workflow.body import ActionBody
from app.workflow.context import ActionContext, Effect


async def _routed_department(ctx: TicketContext[ActionBody]) -> uuid.UUID:
    ticket = ctx.record
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
    category = await category_of(ctx)
    if category and category.default_department_id:
        return category.default_department_id
    raise UnprocessableEntity(
        f"No routing rule matches category {ticket.category_code!r} in district "
        f"{ticket.district!r}: give department_id or add a routing rule",
        code="no_routing_rule",
    )


async def dispatch(ctx: TicketContext[DispatchBody | AssignBody]) -> None:
    department_id = ctx.body.department_id or await _routed_department(ctx)
    if await ctx.session.get(Department, department_id) is None:
        raise UnprocessableEntity("department_id names no department", code="unknown_department")
    ctx.set(
        department_id=department_id,
        dispatched_at=ctx.now,
        return_until=ctx.calendar.add(ctx.now, RETURN_WINDOW).due_at,
        assigned_by_ruling=isinstance(ctx.body, AssignBody),
        signed_at=None,
    )


def stamp(field_name: str) -> Effect[WorkflowRecord, ActionBody]:
    def effect(ctx: ActionContext[WorkflowRecord, ActionBody]) -> None:
        ctx.set(**{field_name: ctx.now})

    return effect


def reply(ctx: TicketContext[ReplyBody | AnswerBody]) -> None:
    ctx.set(reply=ctx.body.reply, replied_at=ctx.now)
    if isinstance(ctx.body, ReplyBody):
        ctx.set(resolution_mode=ctx.body.resolution_mode)


async def close(ctx: TicketContext[CloseBody]) -> None:
    body = ctx.body
    ctx.set(satisfaction=body.satisfaction, satisfaction_comment=body.comment, closed_at=ctx.now)
    # The callback's satisfaction is the ticket's service rating (好差评): one model.
    rating = await ratings.rate_ticket_callback(
        ctx.session, ctx.actor, ctx.record, body.satisfaction, body.comment, ctx.settings
    )
    ctx.event_payload["rating_id"] = rating.id


def reopen(ctx: TicketContext[ActionBody]) -> None:
    ctx.set(reopen_count=ctx.current("reopen_count") + 1, replied_at=None, satisfaction=None)


def urge(ctx: TicketContext[ActionBody]) -> None:
    ctx.set(supervised=ctx.current("supervised") + 1)


def record_extension(ctx: TicketContext[ExtendBody]) -> None:
    ctx.set(extended_days=ctx.current("extended_days") + ctx.body.days)


async def escalate(ctx: TicketContext[EscalateBody]) -> None:
    # The case is the cases domain's to make (Workflow.receives): the engine hands over.
    case = await ctx.hand_over("case")
    ctx.set(related_case_id=case.id, resolution_mode="enforcement")
    ctx.event_payload["case_id"] = case.id
    ctx.event_payload["case_number"] = case.number


def merge(ctx: TicketContext[MergeBody]) -> None:
    ctx.set(duplicate_of=ctx.body.duplicate_of)
