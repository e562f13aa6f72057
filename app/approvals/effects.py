"""What each action of an application records, and when and how long its clocks run."""

from datetime import datetime

from app.approvals.rules import (
    ApplicationContext,
    check_material_codes,
    check_material_files,
    phase_of,
)
from app.approvals.schemas import (
    ApproveBody,
    DeliverBody,
    ReasonBody,
    RecommendBody,
    ResubmitBody,
    SupplementBody,
    SuspendBody,
)
from app.core.calendar import Period, Unit
from app.core.numbering import next_number
from app.workflow.body import ActionBody


def _keep_phase_deadline(ctx: ApplicationContext[ActionBody]) -> None:
    """Leaving a phase: remember its deadline before a new clock (or none) replaces it."""
    match phase_of(ctx.record.status):
        case "acceptance":
            ctx.set(acceptance_due_at=ctx.current("due_at"))
        case "decision":
            ctx.set(decision_due_at=ctx.current("due_at"))
        case "delivery" | None:
            pass


def decision_period(ctx: ApplicationContext[ActionBody]) -> Period:
    return Period(ctx.record.decision_limit_days, Unit.working_days)


def since_received(ctx: ApplicationContext[ActionBody]) -> datetime:
    received: datetime | None = ctx.current("received_at")
    return received or ctx.now


def request_supplement(ctx: ApplicationContext[SupplementBody]) -> None:
    body = ctx.body
    ctx.set(
        missing_materials=[m.model_dump(mode="json") for m in body.missing_materials],
        supplement_count=ctx.record.supplement_count + 1,
    )


async def resubmit(ctx: ApplicationContext[ResubmitBody]) -> None:
    body = ctx.body
    application = ctx.record
    check_material_codes(application.required_materials, body.materials)
    await check_material_files(ctx.session, application, body.materials)
    updated = {m.code: m.model_dump(mode="json") for m in body.materials}
    kept = [m for m in application.materials if m["code"] not in updated]
    ctx.set(materials=kept + list(updated.values()), received_at=ctx.now)


def accept(ctx: ApplicationContext[ActionBody]) -> None:
    _keep_phase_deadline(ctx)
    ctx.set(accepted_at=ctx.now)


def deem_accepted(ctx: ApplicationContext[ActionBody]) -> None:
    # 第三十二条: not notified in time, it "counts as accepted from the day the materials
    # were received", so acceptance (and the decision period) date from then.
    _keep_phase_deadline(ctx)
    ctx.set(accepted_at=since_received(ctx), deemed_accepted=True)
    ctx.event_payload["deemed_accepted"] = True


def refuse(ctx: ApplicationContext[ReasonBody]) -> None:
    body = ctx.body
    _keep_phase_deadline(ctx)
    ctx.set(not_accepted_reason=body.reason)


def suspend(ctx: ApplicationContext[SuspendBody]) -> None:
    body = ctx.body
    ctx.set(suspension_reason=body.reason)


def record_extension(ctx: ApplicationContext[ReasonBody]) -> None:
    body = ctx.body
    ctx.set(extended=True, extension_reason=body.reason)


def recommend(ctx: ApplicationContext[RecommendBody]) -> None:
    body = ctx.body
    ctx.set(recommendation=body.opinion, recommendation_comment=body.comment)


def _decide(ctx: ApplicationContext[ActionBody], decision: str, reason: str | None) -> None:
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


async def approve(ctx: ApplicationContext[ApproveBody]) -> None:
    body = ctx.body
    today = ctx.now.astimezone(ctx.calendar.zone).date()
    _decide(ctx, "approved", body.comment)
    sequence = await next_number(ctx.session, f"licence-{today.year}")
    licence_number = f"XK{today.year}-{sequence:06d}"
    ctx.set(licence_number=licence_number, valid_until=body.valid_until, conditions=body.conditions)
    ctx.event_payload["licence_number"] = licence_number


def reject(ctx: ApplicationContext[ReasonBody]) -> None:
    body = ctx.body
    _decide(ctx, "rejected", body.reason)


def withdraw(ctx: ApplicationContext[ActionBody]) -> None:
    _keep_phase_deadline(ctx)


def deliver(ctx: ApplicationContext[DeliverBody]) -> None:
    body = ctx.body
    ctx.set(delivery_method=body.method, delivered_at=ctx.now)
