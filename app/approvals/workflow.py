"""The approval workflow (行政审批 / 行政许可), declared as data.

Every period is in working days (行政许可法 第八十二条): accept, or notify everything
missing at once, within 5 (第三十二条); decide within the service's committed limit from
acceptance, at most its legal limit (第四十二条), one 10-day extension approved by the
agency head; hearings, testing and expert review are not counted (第四十五条); deliver
the decision within 10 (第四十四条).
"""

from app.approvals import effects
from app.approvals.documents import APPROVAL_DOCUMENTS
from app.approvals.rules import (
    ACCEPTANCE_PERIOD,
    ACCEPTANCE_STATES,
    DECIDED_STATES,
    DECISION_STATES,
    DELIVERY_PERIOD,
    EXTENSION_PERIOD,
    decidable_here,
    materials_complete,
    not_yet_extended,
    one_notice_only,
    valid_until_ahead,
)
from app.approvals.schemas import (
    ApproveBody,
    DeliverBody,
    ReasonBody,
    RecommendBody,
    ResubmitBody,
    SendBackBody,
    SupplementBody,
    SuspendBody,
)
from app.models.approval import ApprovalApplication
from app.workflow.definition import (
    ALL,
    DEPARTMENT,
    OWN,
    PAUSE,
    RESUME,
    STOP,
    ActionsOf,
    Workflow,
    extend,
    fixed,
    start,
)

IN_PROGRESS = (*ACCEPTANCE_STATES, *DECISION_STATES)
TERMINAL = ("completed", "not_accepted", "withdrawn")
STATES = (*IN_PROGRESS, *DECIDED_STATES, *TERMINAL)

action = ActionsOf(ApprovalApplication)

ACCEPTANCE_CLOCK = start(
    fixed(ACCEPTANCE_PERIOD),
    effects.since_received,
    describe="accept or notify within 5 working days of receiving the materials (第三十二条)",
)
DECISION_CLOCK = start(
    effects.decision_period,
    describe="decide within the committed limit (halved on the green channel) (第四十二条)",
)
DELIVERY_CLOCK = start(
    fixed(DELIVERY_PERIOD), describe="deliver within 10 working days (第四十四条)"
)
# The leader decides after review; the clerk decides on-the-spot services (当场决定).
DECIDING_STATES = ("pending_decision", "under_review")
DECIDERS = ("leader", "clerk")
DECIDER_BY_STATE = {"under_review": "clerk", "pending_decision": "leader"}

APPROVAL_WORKFLOW = Workflow(
    name="approval",
    collection="approvals",
    model=ApprovalApplication,
    initial="submitted",
    states=STATES,
    terminal=frozenset(TERMINAL),
    description="A licence or permit application, from receipt to delivery of the decision.",
    role_scopes={
        "admin": ALL,
        "supervisor": ALL,
        "clerk": DEPARTMENT,
        "reviewer": DEPARTMENT,
        "leader": DEPARTMENT,
        "citizen": OWN,
    },
    overdue_actions={"submitted": "deem_accepted"},
    documents=APPROVAL_DOCUMENTS,
    create_clock=(ACCEPTANCE_CLOCK,),
    actions={
        a.name: a
        for a in (
            action(
                "accept",
                "submitted",
                "under_review",
                "clerk",
                "Accept (受理)",
                guards=(materials_complete,),
                effect=effects.accept,
                clock=DECISION_CLOCK,
                issues="acceptance_notice",
            ),
            action(
                "deem_accepted",
                "submitted",
                "under_review",
                "system",
                "Deemed accepted: not answered within 5 working days (第三十二条)",
                effect=effects.deem_accepted,
                clock=start(
                    effects.decision_period,
                    effects.since_received,
                    describe="decide within the limit, from the day the materials were received",
                ),
                event_name="deemed_accepted",
            ),
            action(
                "request_supplement",
                "submitted",
                "awaiting_supplement",
                "clerk",
                "Notify everything missing at once (一次性告知)",
                body=SupplementBody,
                guards=(one_notice_only,),
                effect=effects.request_supplement,
                clock=PAUSE,
                issues="supplement_notice",
            ),
            # 第三十二条: the agency judges acceptance on the materials as received, and
            # complete materials are received only with the supplement, so the 5 days
            # start afresh then (as the deemed acceptance also dates from then).
            action(
                "resubmit",
                "awaiting_supplement",
                "submitted",
                ("citizen", "clerk"),
                "Hand in the supplemented materials (补正)",
                body=ResubmitBody,
                effect=effects.resubmit,
                clock=ACCEPTANCE_CLOCK,
            ),
            action(
                "refuse",
                "submitted",
                "not_accepted",
                "clerk",
                "Refuse to accept (不予受理)",
                body=ReasonBody,
                effect=effects.refuse,
                clock=STOP,
                issues="refusal_notice",
            ),
            action(
                "withdraw",
                ("submitted", "awaiting_supplement", "under_review", "suspended"),
                "withdrawn",
                "citizen",
                "Withdraw the application (撤回申请)",
                effect=effects.withdraw,
                clock=STOP,
                queued=False,
            ),
            action(
                "suspend",
                "under_review",
                "suspended",
                "reviewer",
                "Suspend for a hearing, testing, expert review or inspection (第四十五条)",
                body=SuspendBody,
                effect=effects.suspend,
                clock=PAUSE,
            ),
            action(
                "resume",
                "suspended",
                "under_review",
                "reviewer",
                "Resume the review",
                effect=lambda ctx: ctx.set(suspension_reason=None),
                clock=RESUME,
            ),
            action(
                "extend",
                "under_review",
                None,
                "leader",
                "Extend the decision period by 10 working days, once (第四十二条)",
                body=ReasonBody,
                available=not_yet_extended,
                effect=effects.record_extension,
                clock=extend(fixed(EXTENSION_PERIOD), describe="+10 working days, once"),
                queued=False,
                issues="extension_notice",
            ),
            action(
                "recommend",
                "under_review",
                "pending_decision",
                "reviewer",
                "Recommend a decision (审查意见)",
                body=RecommendBody,
                effect=effects.recommend,
            ),
            action(
                "approve",
                DECIDING_STATES,
                "approved",
                DECIDERS,
                "Grant the licence (准予许可)",
                body=ApproveBody,
                available=decidable_here,
                roles_by_state=DECIDER_BY_STATE,
                guards=(valid_until_ahead,),
                effect=effects.approve,
                clock=DELIVERY_CLOCK,
                issues="approval_decision",
            ),
            action(
                "reject",
                DECIDING_STATES,
                "rejected",
                DECIDERS,
                "Refuse the licence, with reasons (不予许可, 第三十八条)",
                body=ReasonBody,
                available=decidable_here,
                roles_by_state=DECIDER_BY_STATE,
                effect=effects.reject,
                clock=DELIVERY_CLOCK,
                issues="rejection_decision",
            ),
            action(
                "send_back",
                "pending_decision",
                "under_review",
                "leader",
                "Send back for further review",
                body=SendBackBody,
            ),
            action(
                "deliver",
                DECIDED_STATES,
                "completed",
                "clerk",
                "Deliver the decision (送达)",
                body=DeliverBody,
                effect=effects.deliver,
                clock=STOP,
            ),
        )
    },
)
