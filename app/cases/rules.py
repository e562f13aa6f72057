"""What the law asks of each step of a case: periods, and the checks guarding actions.

Guards return why an action is refused (422 ``guard_failed``), or None; ``available``
checks depend on the record alone and also decide what ``allowed_actions`` shows.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col

from app.cases.action_schemas import (
    AppealBody,
    AppealOutcomeBody,
    DecideBody,
    FileBody,
    NotifyBody,
    OnTheSpotBody,
    PaymentBody,
    ProceedBody,
    ServeBody,
)
from app.cases.penalties import (
    Interval,
    PenaltyTerms,
    amount_due,
    hearing_refusal,
    heavier_than,
    on_the_spot_refusal,
    time_barred,
)
from app.cases.schemas import Penalty
from app.config import get_settings
from app.core.calendar import Period, Unit
from app.errors import Conflict, UnprocessableEntity
from app.models.case import EnforcementCase
from app.models.identity import User
from app.workflow.body import ActionBody
from app.workflow.context import ActionContext

DECISION_PERIOD = Period(90, Unit.natural_days)  # 第六十条
# 第八十五条: the law's "三日、五日、七日" are working days.
STATEMENT_PERIOD = Period(5, Unit.working_days)  # 第六十四条
SERVICE_PERIOD = Period(7, Unit.working_days)  # 第六十一条
PAYMENT_PERIOD = Period(15, Unit.natural_days)  # 第六十七条


BodyT = TypeVar("BodyT", bound=ActionBody)
# What a case's guards and effects see, by the action's body.
CaseContext = ActionContext[EnforcementCase, BodyT]


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def penalty_terms(penalty: Penalty) -> PenaltyTerms:
    return PenaltyTerms(frozenset(penalty.kinds), penalty.fine_amount)


def proposed_terms(case: EnforcementCase) -> PenaltyTerms:
    return PenaltyTerms(frozenset(case.proposed_kinds or ()), case.proposed_fine_amount)


def decided_terms(case: EnforcementCase) -> PenaltyTerms:
    return PenaltyTerms(frozenset(case.penalty_kinds or ()), case.penalty_fine_amount)


def appeal_intervals(case: EnforcementCase) -> list[Interval]:
    return [
        Interval(
            date.fromisoformat(appeal["filed_on"]),
            date.fromisoformat(appeal["concluded_on"]) if appeal.get("concluded_on") else None,
        )
        for appeal in case.appeals
    ]


def appeal_pending(case: EnforcementCase) -> bool:
    return any(appeal.get("concluded_on") is None for appeal in case.appeals)


def payment_owed(case: EnforcementCase, paid_on: date) -> tuple[Decimal, Decimal, int]:
    """(amount, late surcharge, surcharge days) to pay on ``paid_on``."""
    fine = decided_terms(case).fine
    return amount_due(fine, case.payment_due_on, paid_on, appeal_intervals(case))


# Guards: each returns why the action is refused, or None.


def not_time_barred(ctx: CaseContext[ActionBody]) -> str | None:
    case = ctx.record
    return time_barred(case.violation_occurred_on, case.discovered_on, case.serious_harm)


def _officer_refused(index: int, field: str, reason: str) -> UnprocessableEntity:
    return UnprocessableEntity(
        reason,
        code="guard_failed",
        errors=[{"loc": ["body", "officers", index, field], "msg": reason}],
    )


async def officers_qualified(ctx: CaseContext[FileBody | OnTheSpotBody]) -> None:
    """第四十二条: at least two qualified officers, each with their credential; they are
    inspectors of the department that owns the case, the only ones who can read it."""
    body = ctx.body
    ids = [officer.user_id for officer in body.officers]
    credentials = [officer.credential_number for officer in body.officers]
    for index, officer in enumerate(body.officers):
        if officer.user_id in ids[:index]:
            reason = "Each officer is named once: at least two different officers (第四十二条)"
            raise _officer_refused(index, "user_id", reason)
        if officer.credential_number in credentials[:index]:
            reason = "Each officer shows their own credential number (第四十二条)"
            raise _officer_refused(index, "credential_number", reason)
    users = {
        user.id: user
        for user in (await ctx.session.scalars(select(User).where(col(User.id).in_(ids)))).all()
    }
    department_id = ctx.record.department_id
    for index, user_id in enumerate(ids):
        user = users.get(user_id)
        if user is None or not user.is_active or "inspector" not in user.roles:
            reason = f"Officer {user_id} is not an active inspector (第四十二条)"
            raise _officer_refused(index, "user_id", reason)
        if user.department_id is None or user.department_id != department_id:
            # 第十七条: each organ penalises within its own powers, so joint enforcement
            # (联合执法) is one case per department, each with its own officers.
            reason = (
                f"Officer {user_id} is not an inspector of the department that owns this case: "
                "a case's officers are its department's inspectors, the only ones who can read "
                "it; in joint enforcement each department files its own case (第十七条)"
            )
            raise _officer_refused(index, "user_id", reason)


def on_the_spot_allowed(ctx: CaseContext[OnTheSpotBody]) -> str | None:
    body = ctx.body
    return on_the_spot_refusal(ctx.record.party_type, penalty_terms(body.penalty))


def decision_number_taken(decision_number: str) -> Conflict:
    return Conflict(
        f"Decision number {decision_number} is already used by another case",
        code="decision_number_taken",
    )


async def decision_number_unused(ctx: CaseContext[OnTheSpotBody | DecideBody]) -> None:
    """A number already in use is a 409: the request conflicts with another case, it is not
    refused by a rule (the same 409 when two decisions take it at once: case_effects)."""
    body = ctx.body
    query = select(col(EnforcementCase.id)).where(
        col(EnforcementCase.decision_number) == body.decision_number
    )
    if (await ctx.session.scalars(query)).first() is not None:
        raise decision_number_taken(body.decision_number)


def not_in_future(moment: datetime, name: str, now: datetime) -> str | None:
    return f"{name} is in the future" if moment > now else None


def notice_after_review(ctx: CaseContext[NotifyBody]) -> str | None:
    body = ctx.body
    reviewed_at = ctx.record.reviewed_at
    if reviewed_at is not None and body.notified_at < reviewed_at:
        return "The prior notice cannot precede the legal review that passed it"
    return not_in_future(body.notified_at, "notified_at", ctx.now)


def hearing_available(case: EnforcementCase, now: datetime) -> str | None:
    until = case.statement_window_until
    if until is not None and now > until:
        return (
            "A hearing is requested within 5 working days of the prior notice (第六十四条); "
            f"the window closed on {local_day(until, get_settings().zone).isoformat()}"
        )
    return hearing_refusal(case.party_type, proposed_terms(case), get_settings())


def window_closed_or_waived(ctx: CaseContext[ProceedBody]) -> str | None:
    body = ctx.body
    until = ctx.record.statement_window_until
    if body.waived or until is None or ctx.now > until:
        return None
    last_day = local_day(until, ctx.settings.zone)
    return (
        f"The party may state, defend or ask for a hearing until {last_day.isoformat()} "
        "(第六十四条): proceed after that, or with waived: true when the party waived it"
    )


def not_heavier_than_notified(ctx: CaseContext[DecideBody]) -> str | None:
    body = ctx.body
    return heavier_than(penalty_terms(body.penalty), proposed_terms(ctx.record))


def served_after_decision(ctx: CaseContext[ServeBody]) -> str | None:
    body = ctx.body
    decided_at = ctx.record.decided_at
    if decided_at is not None and body.served_at < decided_at:
        return "served_at is before the decision was made"
    return not_in_future(body.served_at, "served_at", ctx.now)


def no_appeal_pending(case: EnforcementCase, now: datetime) -> str | None:
    return "An appeal is already pending" if appeal_pending(case) else None


def an_appeal_pending(case: EnforcementCase, now: datetime) -> str | None:
    return None if appeal_pending(case) else "No appeal is pending"


def appeal_dates(ctx: CaseContext[AppealBody | AppealOutcomeBody]) -> str | None:
    body = ctx.body
    case = ctx.record
    day = body.filed_on if isinstance(body, AppealBody) else body.concluded_on
    if day > local_day(ctx.now, ctx.settings.zone):
        return "The date is in the future"
    earliest = local_day(case.served_at, ctx.settings.zone) if case.served_at else None
    if isinstance(body, AppealOutcomeBody):
        earliest = appeal_intervals(case)[-1].start
    if earliest is not None and day < earliest:
        return f"The date is before {earliest.isoformat()}"
    return None


def enforceable(case: EnforcementCase, now: datetime) -> str | None:
    if appeal_pending(case):
        return "An appeal is pending: court enforcement waits for its outcome"
    if case.payment_due_on is None:
        return "The decision imposes no fine to enforce"
    if local_day(now, get_settings().zone) <= case.payment_due_on:
        return (
            f"The fine is due on {case.payment_due_on.isoformat()}: court enforcement is "
            "applied for only when it is not paid by then (第七十二条)"
        )
    return None


def payment_matches(ctx: CaseContext[PaymentBody]) -> str | None:
    body = ctx.body
    case = ctx.record
    since = case.served_at or case.decided_at
    if since is not None and body.paid_at < since:
        return "paid_at is before the decision was served"
    if reason := not_in_future(body.paid_at, "paid_at", ctx.now):
        return reason
    paid_on = local_day(body.paid_at, ctx.settings.zone)
    owed, surcharge, days = payment_owed(case, paid_on)
    if body.amount == owed:
        return None
    return (
        f"The amount due on {paid_on.isoformat()} is {owed:.2f} yuan: the fine "
        f"{decided_terms(case).fine:.2f} plus a late surcharge of {surcharge:.2f} for {days} "
        f"day(s) (第七十二条), not {body.amount:.2f}"
    )
