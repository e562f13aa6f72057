"""The documents (文书) of an approval application, declared as data beside its workflow.

行政许可法: the written acceptance, or the one-time notice of everything missing, or the
refusal to accept with reasons (第三十二条); the extension notice with its reason
(第四十二条); the decision granting the permit (第三十九条) or refusing it with reasons and
the right to review or sue (第三十八条); decisions delivered within 10 days (第四十四条);
permits granted published (第四十条).
"""

from typing import Any

from app.approvals.rules import EXTENSION_PERIOD
from app.approvals.schemas import DeliverBody
from app.documents.issuing import catalogue
from app.documents.receipt import service_receipt
from app.documents.wording import REMEDIES
from app.workflow.document_declaration import (
    DisclosureRule,
    DocumentSource,
    Recipient,
    ServiceFacts,
    ServiceRule,
)
from app.workflow.document_declaration import DocumentKind as Kind

# 送达 methods as the approval hall records delivery.
DELIVERY_METHODS = {"by_post": "mail", "electronic": "electronic"}


def applicant(application: Any) -> Recipient:
    return Recipient(
        type=application.applicant_type,
        name=application.applicant_name,
        id_number=application.applicant_id_number,
        phone=application.applicant_phone,
    )


def _materials(application: Any, codes: list[str]) -> list[str]:
    names = {item["code"]: item["name"] for item in application.required_materials}
    return [names.get(code, code) for code in codes]


def _common(source: DocumentSource) -> dict[str, Any]:
    application = source.record
    return {
        "service_code": application.service_code,
        "title": application.title,
        "received_on": source.day(application.received_at or application.created_at),
    }


def acceptance_notice(source: DocumentSource) -> dict[str, Any]:
    application = source.record
    return {
        **_common(source),
        "decision_limit_days": application.decision_limit_days,
        "decision_due_on": source.day(application.due_at),
    }


def supplement_notice(source: DocumentSource) -> dict[str, Any]:
    """第三十二条(四): everything missing, at once (一次性告知)."""
    application = source.record
    missing = application.missing_materials
    names = _materials(application, [item["code"] for item in missing])
    return {
        **_common(source),
        "missing": [
            {"name": name, "note": item.get("note") or ""}
            for name, item in zip(names, missing, strict=True)
        ],
    }


def refusal_notice(source: DocumentSource) -> dict[str, Any]:
    return {
        **_common(source),
        "reason": source.record.not_accepted_reason,
        "remedies": REMEDIES,
    }


def extension_notice(source: DocumentSource) -> dict[str, Any]:
    return {
        **_common(source),
        "reason": source.record.extension_reason,
        "extension_days": EXTENSION_PERIOD.amount,
        "decision_due_on": source.day(source.record.due_at),
    }


def approval_decision(source: DocumentSource) -> dict[str, Any]:
    application = source.record
    valid_until = application.valid_until
    return {
        **_common(source),
        "licence_number": application.licence_number,
        "valid_until": valid_until.isoformat() if valid_until else "",
        "conditions": application.conditions or "",
        "decided_on": source.day(application.decided_at),
    }


def rejection_decision(source: DocumentSource) -> dict[str, Any]:
    application = source.record
    return {
        **_common(source),
        "reason": application.decision_reason,
        "decided_on": source.day(application.decided_at),
        "remedies": REMEDIES,
    }


def delivered(facts: ServiceFacts) -> dict[str, Any]:
    """第四十四条: the decision is delivered within 10 working days; judged by the day the
    applicant was served, not the day that was recorded."""
    due_at = facts.record.due_at
    late = due_at is not None and facts.effective_at > due_at
    return {"delivered_at": facts.effective_at, "is_overdue": bool(facts.record.is_overdue) or late}


# The hall's delivery methods as 送达 methods, for a decision delivered by the action.
SERVICE_METHODS = {"counter": "in_person", "mail": "by_post", "electronic": "electronic"}
DELIVERY = ServiceRule(
    recorded_by_action=lambda body, now: (SERVICE_METHODS[body.method], now),  # type: ignore[attr-defined]
    action="deliver",
    body=lambda facts: DeliverBody(method=DELIVERY_METHODS.get(facts.method, "counter")),
    changes=delivered,
)
NOTICE = ServiceRule()

APPROVAL_DOCUMENTS = catalogue(
    Kind("acceptance_notice", "受理通知书", "受", acceptance_notice, applicant, service=NOTICE),
    Kind("supplement_notice", "补正材料通知书", "补", supplement_notice, applicant, service=NOTICE),
    Kind("refusal_notice", "不予受理决定书", "不受", refusal_notice, applicant, service=NOTICE),
    Kind("extension_notice", "延期通知书", "延", extension_notice, applicant, service=NOTICE),
    Kind(
        "approval_decision",
        "准予行政许可决定书",
        "许",
        approval_decision,
        applicant,
        service=DELIVERY,
        disclosure=DisclosureRule(
            "permit", published=("service_code", "title", "licence_number", "valid_until")
        ),
    ),
    Kind(
        "rejection_decision",
        "不予行政许可决定书",
        "不许",
        rejection_decision,
        applicant,
        service=DELIVERY,
    ),
    service_receipt(applicant),
)
