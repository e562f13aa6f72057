"""What each action of a case records: the fields the engine writes with the state change."""

from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

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
from app.cases.rules import (
    PAYMENT_PERIOD,
    STATEMENT_PERIOD,
    CaseContext,
    decided_terms,
    decision_number_taken,
    local_day,
    payment_owed,
)
from app.cases.schemas import Officer, Penalty
from app.core.calendar import Period, Unit
from app.models.case import CaseOfficer, EnforcementCase
from app.models.identity import User
from app.workflow.body import ActionBody
from app.workflow.clock import is_overdue_now


def _penalty_columns(penalty: Penalty, prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}_kinds": list(penalty.kinds),
        f"{prefix}_fine_amount": penalty.fine_amount,
        f"{prefix}_confiscated": penalty.confiscated,
    }


async def _assign_officers(ctx: CaseContext[ActionBody], officers: list[Officer]) -> None:
    case_id = ctx.record.id
    await ctx.session.execute(delete(CaseOfficer).where(col(CaseOfficer.case_id) == case_id))
    for position, officer in enumerate(officers):
        user = await ctx.session.get(User, officer.user_id)
        assert user is not None  # officers_qualified found every one
        ctx.session.add(
            CaseOfficer(
                case_id=case_id,
                user_id=user.id,
                position=position,
                name=user.full_name or user.username,
                credential_number=officer.credential_number,
            )
        )


async def file(ctx: CaseContext[FileBody]) -> None:
    body = ctx.body
    await _assign_officers(ctx, body.officers)
    ctx.set(filed_at=ctx.now, procedure="ordinary")


def _is_decision_number_taken(error: IntegrityError) -> bool:
    # PostgreSQL names the unique index (app/models/case.py), SQLite the column it covers.
    message = str(error.orig)
    return (
        '"ix_cases_decision_number"' in message
        or "UNIQUE constraint failed: cases.decision_number" in message
    )


async def _take_decision_number(ctx: CaseContext[ActionBody], decision_number: str) -> None:
    """Write the number before the engine's UPDATE does, in a savepoint of its own.

    When another case took the number after ``decision_number_unused`` looked (two decisions
    at once), the unique index refuses this write: here that is a 409, where the engine's
    UPDATE would fail with a 500. The engine's UPDATE then writes the same value again, and
    a lost race there still rolls this write back with everything else.
    """
    try:
        async with ctx.session.begin_nested():
            await ctx.session.execute(
                update(EnforcementCase)
                .where(col(EnforcementCase.id) == ctx.record.id)
                .values(decision_number=decision_number)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError as error:
        if not _is_decision_number_taken(error):
            raise
        raise decision_number_taken(decision_number) from None


async def _decision(ctx: CaseContext[ActionBody], penalty: Penalty, decision_number: str) -> None:
    await _take_decision_number(ctx, decision_number)
    ctx.set(
        **_penalty_columns(penalty, "penalty"),
        decision_number=decision_number,
        decided_at=ctx.now,
        decided_late=is_overdue_now(ctx.record, ctx.now),
        disposition="penalty",
    )


async def decide_on_the_spot(ctx: CaseContext[OnTheSpotBody]) -> None:
    body = ctx.body
    await _assign_officers(ctx, body.officers)
    ctx.set(procedure="simple", legal_basis=body.legal_basis.model_dump(mode="json"))
    await _decision(ctx, body.penalty, body.decision_number)


async def decide(ctx: CaseContext[DecideBody]) -> None:
    body = ctx.body
    await _decision(ctx, body.penalty, body.decision_number)


def _ends_without_penalty(ctx: CaseContext[ActionBody], disposition: str, reason: str) -> None:
    ctx.set(disposition=disposition, disposal_reason=reason, closed_at=ctx.now)


def dismiss(ctx: CaseContext[ReasonBody]) -> None:
    body = ctx.body
    _ends_without_penalty(ctx, "dismissed", body.reason)


def decide_no_penalty(ctx: CaseContext[ReasonBody]) -> None:
    body = ctx.body
    _ends_without_penalty(ctx, "no_penalty", body.reason)
    ctx.set(decided_at=ctx.now, decided_late=is_overdue_now(ctx.record, ctx.now))


def transfer(ctx: CaseContext[TransferBody]) -> None:
    body = ctx.body
    _ends_without_penalty(ctx, "transferred", body.reason)
    ctx.set(transferred_to=body.to)


def conclude(ctx: CaseContext[ConcludeBody]) -> None:
    body = ctx.body
    ctx.set(
        facts=body.facts,
        legal_basis=body.legal_basis.model_dump(mode="json"),
        **_penalty_columns(body.proposed_penalty, "proposed"),
    )


def review(ctx: CaseContext[OpinionBody | ReasonBody]) -> None:
    body = ctx.body
    opinion = body.opinion if isinstance(body, OpinionBody) else body.reason
    ctx.set(reviewed_by_id=ctx.actor.id, reviewed_at=ctx.now, review_opinion=opinion)


def notify(ctx: CaseContext[NotifyBody]) -> None:
    body = ctx.body
    ctx.set(
        notified_at=body.notified_at,
        statement_window_until=ctx.calendar.add(body.notified_at, STATEMENT_PERIOD).due_at,
        statement_waived=False,
        hearing_requested=False,
        hearing_record=None,
    )


def request_hearing(ctx: CaseContext[ActionBody]) -> None:
    ctx.set(hearing_requested=True)


def conclude_hearing(ctx: CaseContext[HearingRecordBody]) -> None:
    body = ctx.body
    ctx.set(hearing_record=body.record)


def proceed(ctx: CaseContext[ProceedBody]) -> None:
    body = ctx.body
    ctx.set(statement_waived=body.waived)


def serve(ctx: CaseContext[ServeBody]) -> None:
    body = ctx.body
    case = ctx.record
    # Lateness is judged by when the party was served, not when that was recorded, so
    # the clock is stopped here: the STOP effect would judge by the time of recording.
    late = case.due_at is not None and body.served_at > case.due_at
    due_on = None
    if decided_terms(case).fine:
        due_on = local_day(
            ctx.calendar.add(body.served_at, PAYMENT_PERIOD).due_at, ctx.settings.zone
        )
    ctx.set(
        served_at=body.served_at,
        service_method=body.method,
        served_late=late,
        payment_due_on=due_on,
        clock_status="stopped",
        paused_at=None,
        is_overdue=late,
    )


def record_appeal(ctx: CaseContext[AppealBody]) -> None:
    body = ctx.body
    appeal = {"kind": body.kind, "filed_on": body.filed_on.isoformat(), "concluded_on": None}
    ctx.set(appeals=[*ctx.record.appeals, {**appeal, "outcome": None}])


def conclude_appeal(ctx: CaseContext[AppealOutcomeBody]) -> None:
    body = ctx.body
    *earlier, pending = ctx.record.appeals
    concluded = {**pending, "concluded_on": body.concluded_on.isoformat(), "outcome": body.outcome}
    ctx.set(appeals=[*earlier, concluded])


def apply_enforcement(ctx: CaseContext[EnforcementBody]) -> None:
    body = ctx.body
    ctx.set(enforcement_court=body.court, enforcement_applied_at=ctx.now)


def record_payment(ctx: CaseContext[PaymentBody]) -> None:
    body = ctx.body
    _, surcharge, _ = payment_owed(ctx.record, local_day(body.paid_at, ctx.settings.zone))
    ctx.set(paid_amount=body.amount, paid_surcharge=surcharge, paid_at=body.paid_at)


def close(ctx: CaseContext[ActionBody]) -> None:
    ctx.set(closed_at=ctx.now)


# What a revoked decision leaves behind is cleared; the events keep every old value.
CLEARED_ON_REVOCATION = (
    "penalty_kinds", "penalty_fine_amount", "penalty_confiscated", "decision_number",
    "decided_at", "disposition", "disposal_reason", "served_at", "service_method",
    "payment_due_on", "enforcement_court", "enforcement_applied_at", "paid_amount",
    "paid_surcharge", "paid_at", "closed_at",
)  # fmt: skip
DECISION_CLEARED: dict[str, Any] = dict.fromkeys(CLEARED_ON_REVOCATION) | {
    "decided_late": False,
    "served_late": False,
    "appeals": [],
}


def revoke(ctx: CaseContext[ActionBody]) -> None:
    ctx.set(
        **DECISION_CLEARED,
        procedure="ordinary",
        revoke_count=ctx.record.revoke_count + 1,
    )


def extend(ctx: CaseContext[ExtendBody]) -> None:
    body = ctx.body
    ctx.set(extended_days=ctx.record.extended_days + body.days)


def extension_period(ctx: CaseContext[ExtendBody]) -> Period:
    body = ctx.body
    return Period(body.days, Unit.natural_days)
