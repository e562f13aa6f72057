"""The proof of service (送达回证), one kind every module's catalogue includes.

民事诉讼法 第八十七条 (applied by 行政处罚法 第六十一条): the receipt records what was
served, to whom, when, how, and who signed; a refusal is recorded with a witness
(第八十九条, 留置送达).
"""

from collections.abc import Callable
from typing import Any

from app.documents.wording import SERVICE_METHODS
from app.workflow.document_declaration import DocumentKind, DocumentSource, Recipient


def _contents(source: DocumentSource) -> dict[str, Any]:
    service = source.extra
    return {
        "served_document": {
            "title": service["document_title"],
            "number": service["document_number"],
        },
        "method": SERVICE_METHODS[service["method"]],
        "served_on": source.day(service["served_at"]),
        "signed_on": source.day(service["effective_at"]),
        "signed_by": service.get("signed_by") or "",
        "witness": service.get("witness") or "",
        "address": service.get("address") or "",
        "served_by": source.actor.name,
    }


def service_receipt(recipient: Callable[[Any], Recipient]) -> DocumentKind:
    return DocumentKind(
        name="service_receipt",
        title="送达回证",
        code="送",
        contents=_contents,
        recipient=recipient,
    )
