"""The hotline ticket workflow (12345 / 城管热线 工单), declared as data.

Its periods and guards are in ``rules``, what each action records in ``effects``.
"""

from app.models.ticket import WITH_DUPLICATES, Ticket
from app.tickets import effects
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
from app.tickets.documents import TICKET_DOCUMENTS
from app.tickets.rules import OPEN as OPEN
from app.tickets.rules import STATES as STATES
from app.tickets.rules import (
    answerable,
    extension_period,
    merge_guard,
    not_escalated,
    reply_period,
    returnable,
    sign_period,
    since_dispatch,
    within_extension_limit,
)
from app.workflow.definition import (
    ALL,
    DEPARTMENT,
    OWN,
    STOP,
    ActionsOf,
    Workflow,
    extend,
    start,
)

action = ActionsOf(Ticket)

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
        declared.name: declared
        for declared in (
            action(
                "dispatch",
                ("new", "returned"),
                "dispatched",
                "operator",
                "Dispatch to the responsible department",
                body=DispatchBody,
                effect=effects.dispatch,
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
                effect=effects.reply,
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
                effect=effects.merge,
                clock=STOP,
            ),
            action(
                "sign",
                "dispatched",
                "in_progress",
                "handler",
                "Sign for the ticket",
                effect=effects.stamp("signed_at"),
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
                effect=effects.dispatch,
                clock=SIGN_CLOCK,
            ),
            action(
                "reply",
                "in_progress",
                "replied",
                "handler",
                "Reply with the result",
                body=ReplyBody,
                effect=effects.reply,
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
                effect=effects.record_extension,
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
                effect=effects.close,
            ),
            action(
                "reopen",
                "replied",
                "in_progress",
                ("operator", "citizen"),
                "Reopen after an unsatisfied callback",
                body=ReopenBody,
                effect=effects.reopen,
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
                effect=effects.escalate,
            ),
            action(
                "urge",
                OPEN,
                None,
                "supervisor",
                "Urge (督办)",
                body=UrgeBody,
                effect=effects.urge,
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
