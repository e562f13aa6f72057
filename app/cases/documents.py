"""The documents (文书) of an enforcement case, declared as data beside its workflow.

What each contains is what the law fixes for it: the filing form (行政处罚法 第五十四条),
the prior notice (第四十四条, 第四十五条, 第六十三条), the hearing notice (第六十四条), the
decision letter with every item of 第五十九条, the no-penalty decision, and the payment
reminder before court enforcement (行政强制法 第三十五条).
"""

from datetime import timedelta
from typing import Any

from pydantic import AwareDatetime

from app.cases.action_schemas import ServeBody
from app.cases.penalties import hearing_refusal
from app.cases.rules import (
    PAYMENT_PERIOD,
    STATEMENT_PERIOD,
    decided_terms,
    payment_owed,
    proposed_terms,
)
from app.documents.issuing import catalogue
from app.documents.receipt import service_receipt
from app.documents.wording import REMEDIES, penalty_text, yuan
from app.models.case import EnforcementCase
from app.schemas.common import ShortText
from app.workflow.context import ActionContext
from app.workflow.definition import ActionBody
from app.workflow.document_declaration import (
    DisclosureRule,
    DocumentSource,
    Recipient,
    ServiceFacts,
    ServiceRule,
)
from app.workflow.document_declaration import DocumentKind as Kind

HEARING_NOTICE_DAYS = 7  # 第六十四条(二): the party is told at least 7 days before


class HearingScheduleBody(ActionBody):
    hearing_at: AwareDatetime
    place: ShortText


def hearing_far_enough(ctx: ActionContext[EnforcementCase, HearingScheduleBody]) -> str | None:
    body = ctx.body
    if body.hearing_at < ctx.now + timedelta(days=HEARING_NOTICE_DAYS):
        return "The hearing is notified at least 7 days before it is held (第六十四条)"
    return None


def party(case: Any) -> Recipient:
    return Recipient(
        type=case.party_type,
        name=case.party_name,
        id_number=case.party_id_number,
        phone=case.party_phone,
        address=case.party_address,
    )


def _basis(case: Any) -> dict[str, str]:
    basis = case.legal_basis or {}
    return {"violated": basis.get("violated", ""), "applied": basis.get("applied", "")}


def filing_form(source: DocumentSource) -> dict[str, Any]:
    case = source.record
    return {
        "facts": case.facts,
        "source": case.source,
        "address": case.address,
        "violation_occurred_on": case.violation_occurred_on.isoformat(),
        "discovered_on": case.discovered_on.isoformat(),
        "filed_on": source.day(source.now),
        "handled_by": source.actor.name,
    }


def prior_notice(source: DocumentSource) -> dict[str, Any]:
    case = source.record
    terms = proposed_terms(case)
    hearing = hearing_refusal(case.party_type, terms, source.settings) is None
    return {
        "facts": case.facts,
        "legal_basis": _basis(case),
        "penalty": penalty_text(
            case.proposed_kinds, case.proposed_fine_amount, case.proposed_confiscated
        ),
        "fine_amount": yuan(case.proposed_fine_amount),
        "hearing_right": hearing,
        "statement_days": STATEMENT_PERIOD.amount,
    }


def hearing_notice(source: DocumentSource) -> dict[str, Any]:
    body = source.body
    assert isinstance(body, HearingScheduleBody)
    return {
        "hearing_on": source.day(body.hearing_at),
        "hearing_time": body.hearing_at.astimezone(source.calendar.zone).strftime("%H:%M"),
        "place": body.place,
    }


def penalty_decision(source: DocumentSource) -> dict[str, Any]:
    """第五十九条: (一) the party, (二) facts and evidence, (三) kind and basis of the penalty,
    (四) manner and time limit of performance, (五) remedies and their time limits, (六) the
    agency's name and date (on every page's header and the signature block)."""
    case = source.record
    terms = decided_terms(case)
    return {
        "facts": case.facts,
        "evidence": list(source.evidence),
        "legal_basis": _basis(case),
        "penalty": penalty_text(
            case.penalty_kinds, case.penalty_fine_amount, case.penalty_confiscated
        ),
        "fine_amount": yuan(case.penalty_fine_amount),
        "payment_days": PAYMENT_PERIOD.amount if terms.fine else None,
        "remedies": REMEDIES,
        "procedure": case.procedure,
    }


def no_penalty_decision(source: DocumentSource) -> dict[str, Any]:
    case = source.record
    return {"facts": case.facts, "reason": case.disposal_reason, "remedies": REMEDIES}


def payment_reminder(source: DocumentSource) -> dict[str, Any]:
    """行政强制法 第三十五条: the time limit and manner of performance, the amount owed, and
    the party's right to state and defend."""
    case = source.record
    today = source.now.astimezone(source.calendar.zone).date()
    owed, surcharge, days = payment_owed(case, today)
    return {
        "decision_number": case.decision_number,
        "fine_amount": yuan(case.penalty_fine_amount),
        "due_on": case.payment_due_on.isoformat() if case.payment_due_on else "",
        "surcharge": yuan(surcharge),
        "owed": yuan(owed),
        "late_days": days,
        "perform_within_days": 10,
    }


def _local_day_after(facts: ServiceFacts, period: Any) -> Any:
    return (
        facts.calendar.add(facts.effective_at, period).due_at.astimezone(facts.calendar.zone).date()
    )


def statement_window(facts: ServiceFacts) -> dict[str, Any]:
    """第四十五条、第六十四条: the 5 working days to state, defend or ask for a hearing run
    from the service of the prior notice."""
    if facts.record.status != "notified":
        return {}
    return {
        "notified_at": facts.effective_at,
        "statement_window_until": facts.calendar.add(facts.effective_at, STATEMENT_PERIOD).due_at,
    }


def payment_period(facts: ServiceFacts) -> dict[str, Any]:
    """第六十七条: the fine is paid within 15 days of the decision's service."""
    case = facts.record
    due_at = case.due_at
    return {
        "served_at": facts.effective_at,
        "service_method": facts.method,
        "served_late": due_at is not None and facts.effective_at > due_at,
        "payment_due_on": _local_day_after(facts, PAYMENT_PERIOD)
        if decided_terms(case).fine
        else None,
    }


SERVED = ServiceRule()
CASE_DOCUMENTS = catalogue(
    Kind("filing_form", "立案审批表", "立", filing_form, party),
    Kind(
        "prior_notice",
        "行政处罚事先告知书",
        "告",
        prior_notice,
        party,
        service=ServiceRule(changes=statement_window),
    ),
    Kind("hearing_notice", "听证通知书", "听", hearing_notice, party, service=SERVED),
    Kind(
        "penalty_decision",
        "行政处罚决定书",
        "罚",
        penalty_decision,
        party,
        # The decision number the leader gave is the document's number.
        number=lambda case: case.decision_number,
        service=ServiceRule(
            action="serve",
            body=lambda facts: ServeBody(method=facts.method, served_at=facts.effective_at),
            changes=payment_period,
            recorded_by_action=lambda body, now: (body.method, body.served_at),  # type: ignore[attr-defined]
        ),
        disclosure=DisclosureRule(
            "penalty_decision",
            withdrawn_by=frozenset({"revoke"}),
            published=("facts", "legal_basis", "penalty", "fine_amount"),
        ),
    ),
    Kind(
        "no_penalty_decision",
        "不予行政处罚决定书",
        "不罚",
        no_penalty_decision,
        party,
        service=SERVED,
    ),
    Kind("payment_reminder", "催告书", "催", payment_reminder, party, service=SERVED),
    service_receipt(party),
)
