"""The enforcement case workflow (行政处罚案件), declared as data.

Ordinary procedure: file (立案) → investigate → legal review (法制审核) → prior notice
(事先告知) → statement or hearing → decide → serve → payment or court enforcement →
close. Simple procedure: a decision on the spot (第五十一条). A supervisor revokes a wrong
decision (有错必纠) and the case is investigated again; its history stays in the events.
"""

from sqlalchemy import or_
from sqlmodel import col

from app.cases import effects
from app.cases.action_schemas import (
    AppealBody,
    AppealOutcomeBody,
    ConcludeBody,
    DecideBody,
    EnforcementBody,
    ExtendBody,
    FileBody,
    HearingRecordBody,
    NotifyBody,
    OnTheSpotBody,
    OpinionBody,
    PaymentBody,
    ProceedBody,
    ReasonBody,
    ServeBody,
    TransferBody,
)
from app.cases.documents import CASE_DOCUMENTS, HearingScheduleBody, hearing_far_enough
from app.cases.rules import (
    DECISION_PERIOD,
    SERVICE_PERIOD,
    an_appeal_pending,
    appeal_dates,
    decision_number_unused,
    enforceable,
    hearing_available,
    no_appeal_pending,
    not_heavier_than_notified,
    not_time_barred,
    notice_after_review,
    officers_qualified,
    on_the_spot_allowed,
    payment_matches,
    served_after_decision,
    window_closed_or_waived,
)
from app.models.case import EnforcementCase
from app.workflow.definition import (
    ALL,
    DEPARTMENT,
    STOP,
    ActionsOf,
    NoBody,
    Scope,
    Workflow,
    extend,
    fixed,
    start,
)

STATES = (
    "registered", "investigating", "legal_review", "review_passed", "notified", "hearing",
    "pending_decision", "decided", "served", "enforcement_applied", "executed", "closed",
    "dismissed", "transferred",
)  # fmt: skip
# `closed` is not terminal for the engine: a supervisor may still revoke its decision.
TERMINAL = frozenset({"dismissed", "transferred"})
FINISHED = ("closed", *sorted(TERMINAL))
# The states in which the decision deadline runs.
DECIDING = (
    "investigating", "legal_review", "review_passed", "notified", "hearing", "pending_decision",
)  # fmt: skip


# Visibility of legal reviewers: the cases now in legal review, and those they reviewed.
LEGAL_REVIEW = Scope(
    "legal_review",
    lambda model, actor: or_(
        col(EnforcementCase.status) == "legal_review",
        col(EnforcementCase.reviewed_by_id) == actor.id,
    ),
    lambda record, actor: (
        record.status == "legal_review"
        # A case's entity or its row (app/records/core_read.py): read by name, not by type.
        or getattr(record, "reviewed_by_id", None) == actor.id
    ),
)


DECISION_CLOCK = start(fixed(DECISION_PERIOD), describe="decide within 90 days (第六十条)")
SERVICE_CLOCK = start(
    fixed(SERVICE_PERIOD), describe="serve the decision within 7 working days (第六十一条)"
)


action = ActionsOf(EnforcementCase)


CASE_WORKFLOW = Workflow(
    name="case",
    collection="cases",
    model=EnforcementCase,
    initial="registered",
    states=STATES,
    terminal=TERMINAL,
    description="An administrative penalty case, from registration to execution "
    "(行政处罚法: 全过程记录, 有错必纠).",
    documents=CASE_DOCUMENTS,
    role_scopes={
        "admin": ALL,
        "supervisor": ALL,
        "inspector": DEPARTMENT,
        "leader": DEPARTMENT,
        "legal_reviewer": LEGAL_REVIEW,
    },
    actions={
        declared.name: declared
        for declared in (
            action(
                "file",
                "registered",
                "investigating",
                "inspector",
                "File the case (立案)",
                body=FileBody,
                guards=(not_time_barred, officers_qualified),
                effect=effects.file,
                clock=DECISION_CLOCK,
                issues="filing_form",
            ),
            action(
                "decide_on_the_spot",
                "registered",
                "decided",
                "inspector",
                "Decide on the spot (简易程序)",
                body=OnTheSpotBody,
                guards=(
                    not_time_barred,
                    on_the_spot_allowed,
                    officers_qualified,
                    decision_number_unused,
                ),
                effect=effects.decide_on_the_spot,
                clock=SERVICE_CLOCK,
                issues="penalty_decision",
            ),
            action(
                "dismiss",
                "registered",
                "dismissed",
                ("inspector", "leader"),
                "Do not file (不予立案)",
                body=ReasonBody,
                effect=effects.dismiss,
            ),
            action(
                "conclude",
                "investigating",
                "legal_review",
                "inspector",
                "Conclude the investigation and propose a penalty",
                body=ConcludeBody,
                effect=effects.conclude,
            ),
            action(
                "pass_review",
                "legal_review",
                "review_passed",
                "legal_reviewer",
                "Pass the legal review (法制审核)",
                body=OpinionBody,
                effect=effects.review,
            ),
            action(
                "return_review",
                "legal_review",
                "investigating",
                "legal_reviewer",
                "Return for further investigation",
                body=ReasonBody,
                effect=effects.review,
            ),
            action(
                "notify",
                "review_passed",
                "notified",
                "inspector",
                "Record the prior notice (事先告知)",
                body=NotifyBody,
                guards=(notice_after_review,),
                effect=effects.notify,
                issues="prior_notice",
            ),
            action(
                "request_hearing",
                "notified",
                "hearing",
                "inspector",
                "Record the party's hearing request (听证)",
                available=hearing_available,
                effect=effects.request_hearing,
            ),
            action(
                "schedule_hearing",
                "hearing",
                None,
                "inspector",
                "Notify the hearing's time and place, 7 days ahead (听证通知, 第六十四条)",
                body=HearingScheduleBody,
                guards=(hearing_far_enough,),
                issues="hearing_notice",
                queued=False,
            ),
            action(
                "conclude_hearing",
                "hearing",
                "pending_decision",
                "inspector",
                "Record the hearing",
                body=HearingRecordBody,
                effect=effects.conclude_hearing,
            ),
            action(
                "proceed",
                "notified",
                "pending_decision",
                "inspector",
                "Proceed to decision after the statement window",
                body=ProceedBody,
                guards=(window_closed_or_waived,),
                effect=effects.proceed,
            ),
            action(
                "decide",
                "pending_decision",
                "decided",
                "leader",
                "Decide the penalty (行政处罚决定)",
                body=DecideBody,
                guards=(not_heavier_than_notified, decision_number_unused),
                effect=effects.decide,
                clock=SERVICE_CLOCK,
                issues="penalty_decision",
            ),
            action(
                "decide_no_penalty",
                "pending_decision",
                "closed",
                "leader",
                "Decide not to penalise (不予行政处罚)",
                body=ReasonBody,
                effect=effects.decide_no_penalty,
                clock=STOP,
                issues="no_penalty_decision",
            ),
            action(
                "transfer",
                ("investigating", "pending_decision"),
                "transferred",
                "leader",
                "Transfer to the police or a judicial organ (第二十七条)",
                body=TransferBody,
                effect=effects.transfer,
                clock=STOP,
            ),
            action(
                "serve",
                "decided",
                "served",
                "inspector",
                "Record service of the decision (送达)",
                body=ServeBody,
                guards=(served_after_decision,),
                effect=effects.serve,
            ),
            action(
                "record_appeal",
                "served",
                None,
                "inspector",
                "Record an administrative review or lawsuit filed",
                body=AppealBody,
                available=no_appeal_pending,
                guards=(appeal_dates,),
                effect=effects.record_appeal,
            ),
            action(
                "conclude_appeal",
                "served",
                None,
                "inspector",
                "Record the outcome of the pending appeal",
                body=AppealOutcomeBody,
                available=an_appeal_pending,
                guards=(appeal_dates,),
                effect=effects.conclude_appeal,
            ),
            action(
                "remind_payment",
                "served",
                None,
                ("inspector", "leader"),
                "Remind the party to pay before court enforcement (催告, 行政强制法 第三十五条)",
                body=NoBody,
                available=enforceable,
                issues="payment_reminder",
                queued=False,
            ),
            action(
                "apply_enforcement",
                "served",
                "enforcement_applied",
                "leader",
                "Apply to the court for enforcement (申请强制执行)",
                body=EnforcementBody,
                available=enforceable,
                effect=effects.apply_enforcement,
            ),
            action(
                "record_payment",
                ("served", "enforcement_applied"),
                "executed",
                "inspector",
                "Record payment of the fine and any late surcharge",
                body=PaymentBody,
                guards=(payment_matches,),
                effect=effects.record_payment,
            ),
            action(
                "close",
                "executed",
                "closed",
                "leader",
                "Close the case (结案)",
                effect=effects.close,
            ),
            action(
                "revoke",
                ("decided", "served", "executed", "closed"),
                "investigating",
                "supervisor",
                "Revoke the decision and investigate again (有错必纠)",
                body=ReasonBody,
                effect=effects.revoke,
                clock=start(fixed(DECISION_PERIOD), describe="a new 90-day decision period"),
                queued=False,
            ),
            action(
                "extend",
                DECIDING,
                None,
                "leader",
                "Extend the decision deadline",
                body=ExtendBody,
                effect=effects.extend,
                clock=extend(effects.extension_period, describe="by `days` natural days"),
                queued=False,
            ),
        )
    },
)
