"""The approval workflow (行政审批 / 行政许可), declared as data.

Every period is in working days (行政许可法 第八十二条): accept, or notify everything
missing at once, within 5 (第三十二条); decide within the service's committed limit from
acceptance, at most its legal limit (第四十二条), one 10-day extension approved by the
agency head; hearings, testing and expert review are not counted (第四十五条); deliver
the decision within 10 (第四十四条).
"""

import math
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.errors import UnprocessableEntity
from app.models.approval import ApprovalApplication
from app.models.attachment import Attachment
from app.schemas.approval import (
    ApproveBody,
    DeliverBody,
    Material,
    ReasonBody,
    RecommendBody,
    ResubmitBody,
    SendBackBody,
    SupplementBody,
    SuspendBody,
)
from app.services.calendar import Period, Unit
from app.services.numbering import next_number
from app.workflow.context import ActionContext
from app.workflow.definition import (
    ALL,
    DEPARTMENT,
    OWN,
    PAUSE,
    RESUME,
    STOP,
    Workflow,
    action,
    extend,
    start,
)

ACCEPTANCE_STATES = ("submitted", "awaiting_supplement")
DECISION_STATES = ("under_review", "suspended", "pending_decision")
DECIDED_STATES = ("approved", "rejected")
IN_PROGRESS = (*ACCEPTANCE_STATES, *DECISION_STATES)
TERMINAL = ("completed", "not_accepted", "withdrawn")
STATES = (*IN_PROGRESS, *DECIDED_STATES, *TERMINAL)

ACCEPTANCE_PERIOD = Period(5, Unit.working_days)
EXTENSION_PERIOD = Period(10, Unit.working_days)
DELIVERY_PERIOD = Period(10, Unit.working_days)


def phase_of(status: str) -> Literal["acceptance", "decision", "delivery"] | None:
    if status in ACCEPTANCE_STATES:
        return "acceptance"
    if status in DECISION_STATES:
        return "decision"
    if status in DECIDED_STATES:
        return "delivery"
    return None


def _application(ctx: ActionContext) -> ApprovalApplication:
    record = ctx.record
    assert isinstance(record, ApprovalApplication)
    return record


def _keep_phase_deadline(ctx: ActionContext) -> None:
    """Leaving a phase: remember its deadline before a new clock (or none) replaces it."""
    match phase_of(ctx.record.status):
        case "acceptance":
            ctx.set(acceptance_due_at=ctx.current("due_at"))
        case "decision":
            ctx.set(decision_due_at=ctx.current("due_at"))
        case "delivery" | None:
            pass


def decision_period(ctx: ActionContext) -> Period:
    return Period(_application(ctx).decision_limit_days, Unit.working_days)


def since_received(ctx: ActionContext) -> datetime:
    received: datetime | None = ctx.current("received_at")
    return received or ctx.now


def green_channel_limit(committed_limit_days: int, green_channel: bool) -> int:
    return math.ceil(committed_limit_days / 2) if green_channel else committed_limit_days


def missing_required(
    application: ApprovalApplication, attached: frozenset[str] = frozenset()
) -> list[dict[str, str]]:
    """Required materials neither marked provided nor uploaded under their code."""
    provided = {m["code"] for m in application.materials if m.get("provided")} | attached
    return [
        {"code": m["code"], "name": m["name"]}
        for m in application.required_materials
        if m.get("required") and m["code"] not in provided
    ]


async def materials_complete(ctx: ActionContext) -> None:
    uploaded = await ctx.session.scalars(
        select(col(Attachment.kind)).where(
            col(Attachment.record_kind) == "approval", col(Attachment.record_id) == ctx.record.id
        )
    )
    missing = missing_required(_application(ctx), frozenset(uploaded.all()))
    if missing:
        names = "; ".join(f"{m['name']} ({m['code']})" for m in missing)
        raise UnprocessableEntity(
            f"Required materials are missing: {names}",
            code="guard_failed",
            missing_materials=[m["code"] for m in missing],
        )


def one_notice_only(ctx: ActionContext) -> str | None:
    """一次性告知: a second notice may repeat items of the first, never add new ones."""
    body = ctx.body
    assert isinstance(body, SupplementBody)
    application = _application(ctx)
    if application.supplement_count == 0:
        return None
    noticed = {m["code"] for m in application.missing_materials}
    added = sorted({m.code for m in body.missing_materials} - noticed)
    if added:
        return (
            "Everything missing must be notified at once (行政许可法 第三十二条): "
            f"{', '.join(added)} was not in the first notice"
        )
    return None


def request_supplement(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, SupplementBody)
    ctx.set(
        missing_materials=[m.model_dump(mode="json") for m in body.missing_materials],
        supplement_count=_application(ctx).supplement_count + 1,
    )


def check_material_codes(catalogue: list[dict[str, Any]], materials: list[Material]) -> None:
    known = {m["code"] for m in catalogue}
    unknown = sorted({m.code for m in materials} - known)
    if unknown:
        raise UnprocessableEntity(
            f"Not materials of this service: {', '.join(unknown)}", code="unknown_material"
        )


async def check_material_files(
    session: AsyncSession, application: ApprovalApplication, materials: list[Material]
) -> None:
    """Each ``file_id`` names a file attached to this application as that material."""
    wanted = {m.file_id: m.code for m in materials if m.file_id is not None}
    if not wanted:
        return
    query = select(col(Attachment.id), col(Attachment.kind)).where(
        col(Attachment.record_kind) == "approval",
        col(Attachment.record_id) == application.id,
        col(Attachment.id).in_(wanted),
    )
    attached = {row.id: row.kind for row in (await session.execute(query)).all()}
    wrong = sorted(
        str(file_id) for file_id, code in wanted.items() if attached.get(file_id) != code
    )
    if wrong:
        raise UnprocessableEntity(
            f"file_id names no file attached to this application as that material: "
            f"{', '.join(wrong)}",
            code="unknown_file",
        )


async def resubmit(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, ResubmitBody)
    application = _application(ctx)
    check_material_codes(application.required_materials, body.materials)
    await check_material_files(ctx.session, application, body.materials)
    updated = {m.code: m.model_dump(mode="json") for m in body.materials}
    kept = [m for m in application.materials if m["code"] not in updated]
    ctx.set(materials=kept + list(updated.values()), received_at=ctx.now)


def accept(ctx: ActionContext) -> None:
    _keep_phase_deadline(ctx)
    ctx.set(accepted_at=ctx.now)


def deem_accepted(ctx: ActionContext) -> None:
    # 第三十二条: not notified in time, it "counts as accepted from the day the materials
    # were received", so acceptance (and the decision period) date from then.
    _keep_phase_deadline(ctx)
    ctx.set(accepted_at=since_received(ctx), deemed_accepted=True)
    ctx.event_payload["deemed_accepted"] = True


def refuse(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, ReasonBody)
    _keep_phase_deadline(ctx)
    ctx.set(not_accepted_reason=body.reason)


def suspend(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, SuspendBody)
    ctx.set(suspension_reason=body.reason)


def not_yet_extended(application: object, now: datetime) -> str | None:
    assert isinstance(application, ApprovalApplication)
    if application.extended:
        return "The decision period can be extended once only (行政许可法 第四十二条)"
    return None


def record_extension(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, ReasonBody)
    ctx.set(extended=True, extension_reason=body.reason)


def recommend(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, RecommendBody)
    ctx.set(recommendation=body.opinion, recommendation_comment=body.comment)


def decidable_here(application: object, now: datetime) -> str | None:
    assert isinstance(application, ApprovalApplication)
    if application.status == "under_review" and not application.on_the_spot:
        return "Only on-the-spot services (即办件) are decided straight from review"
    return None


def valid_until_ahead(ctx: ActionContext) -> str | None:
    body = ctx.body
    assert isinstance(body, ApproveBody)
    today = ctx.now.astimezone(ctx.calendar.zone).date()
    if body.valid_until is not None and body.valid_until <= today:
        return "valid_until must be a day after today"
    return None


def _decide(ctx: ActionContext, decision: str, reason: str | None) -> None:
    zone = ctx.calendar.zone
    accepted_at: datetime = ctx.current("accepted_at") or ctx.now
    due_at: datetime | None = ctx.current("due_at")
    used = ctx.calendar.working_days_between(
        accepted_at.astimezone(zone).date(), ctx.now.astimezone(zone).date()
    )
    _keep_phase_deadline(ctx)
    ctx.set(
        decision=decision,
        decision_reason=reason,
        decided_at=ctx.now,
        decided_on_the_spot=ctx.record.status == "under_review",
        decided_late=due_at is not None and due_at < ctx.now,
        # 第四十五条: suspended working days are not counted.
        decision_working_days=max(0, used - ctx.current("paused_days")),
    )
    ctx.event_payload["decided_on_the_spot"] = ctx.record.status == "under_review"


async def approve(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, ApproveBody)
    today = ctx.now.astimezone(ctx.calendar.zone).date()
    _decide(ctx, "approved", body.comment)
    sequence = await next_number(ctx.session, f"licence-{today.year}")
    licence_number = f"XK{today.year}-{sequence:06d}"
    ctx.set(licence_number=licence_number, valid_until=body.valid_until, conditions=body.conditions)
    ctx.event_payload["licence_number"] = licence_number


def reject(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, ReasonBody)
    _decide(ctx, "rejected", body.reason)


def withdraw(ctx: ActionContext) -> None:
    _keep_phase_deadline(ctx)


def deliver(ctx: ActionContext) -> None:
    body = ctx.body
    assert isinstance(body, DeliverBody)
    ctx.set(delivery_method=body.method, delivered_at=ctx.now)


ACCEPTANCE_CLOCK = start(
    lambda ctx: ACCEPTANCE_PERIOD,
    since_received,
    describe="accept or notify within 5 working days of receiving the materials (第三十二条)",
)
DECISION_CLOCK = start(
    decision_period,
    describe="decide within the committed limit (halved on the green channel) (第四十二条)",
)
DELIVERY_CLOCK = start(
    lambda ctx: DELIVERY_PERIOD, describe="deliver within 10 working days (第四十四条)"
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
                effect=accept,
                clock=DECISION_CLOCK,
            ),
            action(
                "deem_accepted",
                "submitted",
                "under_review",
                "system",
                "Deemed accepted: not answered within 5 working days (第三十二条)",
                effect=deem_accepted,
                clock=start(
                    decision_period,
                    since_received,
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
                effect=request_supplement,
                clock=PAUSE,
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
                effect=resubmit,
                clock=ACCEPTANCE_CLOCK,
            ),
            action(
                "refuse",
                "submitted",
                "not_accepted",
                "clerk",
                "Refuse to accept (不予受理)",
                body=ReasonBody,
                effect=refuse,
                clock=STOP,
            ),
            action(
                "withdraw",
                ("submitted", "awaiting_supplement", "under_review", "suspended"),
                "withdrawn",
                "citizen",
                "Withdraw the application (撤回申请)",
                effect=withdraw,
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
                effect=suspend,
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
                effect=record_extension,
                clock=extend(lambda ctx: EXTENSION_PERIOD, describe="+10 working days, once"),
                queued=False,
            ),
            action(
                "recommend",
                "under_review",
                "pending_decision",
                "reviewer",
                "Recommend a decision (审查意见)",
                body=RecommendBody,
                effect=recommend,
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
                effect=approve,
                clock=DELIVERY_CLOCK,
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
                effect=reject,
                clock=DELIVERY_CLOCK,
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
                effect=deliver,
                clock=STOP,
            ),
        )
    },
)
