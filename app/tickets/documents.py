"""The document of a hotline ticket: the written reply to the caller (书面答复).

Issued when a reply or a direct answer is given in writing (``in_writing``), addressed
to the reporter; a confidential reporter's letter is downloadable only by those who may
see the reporter (保护举报人).
"""

from typing import Any

from app.documents.issuing import catalogue
from app.documents.receipt import service_receipt
from app.workflow.document_declaration import DocumentKind as Kind
from app.workflow.document_declaration import DocumentSource, Recipient, ServiceRule


def reporter(ticket: Any) -> Recipient:
    return Recipient(type="person", name=ticket.reporter_name or "", phone=ticket.reporter_phone)


def reply_letter(source: DocumentSource) -> dict[str, Any]:
    ticket = source.record
    return {
        "title": ticket.title,
        "received_on": source.day(ticket.created_at),
        "reply": ticket.reply,
        "resolution_mode": ticket.resolution_mode,
    }


def in_writing(body: object) -> bool:
    return bool(getattr(body, "in_writing", False))


TICKET_DOCUMENTS = catalogue(
    Kind(
        "reply_letter",
        "书面答复函",
        "复",
        reply_letter,
        reporter,
        service=ServiceRule(),
        when=in_writing,
    ),
    service_receipt(reporter),
)
