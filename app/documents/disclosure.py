"""Public disclosure (公示) of decisions: opened by the decision, published, withdrawn.

行政处罚法 第四十八条 publishes penalty decisions with social impact and withdraws them
within three days (working days, 第八十五条) when revoked, changed or annulled; 行政许可法
第四十条 publishes permits granted; 国办发〔2018〕118号 (the 三项制度) sets seven working
days from the decision for both. The disclosure is due then on the working-day calendar,
is published once the decision is served, and holds only redacted content.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.calendar import Period, Unit, WorkCalendar
from app.documents.redaction import document_recipient, public_party, redact, scrub_text
from app.models.document import Disclosure, Document
from app.workflow.document_declaration import DocumentKind, DocumentSource, Recipient

PUBLICATION_PERIOD = Period(7, Unit.working_days)
WITHDRAWAL_PERIOD = Period(3, Unit.working_days)


async def open_disclosure(
    session: AsyncSession, document: Document, kind: DocumentKind, source: DocumentSource
) -> Disclosure:
    rule = kind.disclosure
    assert rule is not None
    recipient = kind.recipient(source.record)
    published = {key: document.data.get(key) for key in rule.published}
    content = {
        "title": kind.title,
        "number": document.number,
        "agency": source.department.name,
        "decided_on": source.day(source.now),
        "party": public_party(recipient),
        **redact(published, recipient),
    }
    search = " ".join(str(value) for value in content.values() if isinstance(value, str))
    row = Disclosure(
        category=rule.category,
        record_kind=document.record_kind,
        record_id=document.record_id,
        document_id=document.id,
        document_number=document.number,
        department_id=document.department_id,
        department_name=source.department.name,
        title=f"{kind.title} {document.number}",
        content=content,
        search_text=f"{search} {content['party']['name']}"[:5000],
        decided_at=source.now,
        due_at=source.calendar.add(source.now, PUBLICATION_PERIOD).due_at,
    )
    session.add(row)
    await session.flush()
    return row


def describe(row: Disclosure) -> dict[str, Any]:
    return {
        "disclosure_id": row.id,
        "category": row.category,
        "document_number": row.document_number,
        "status": row.status,
    }


async def publish(session: AsyncSession, document_id: uuid.UUID, now: datetime) -> list[Disclosure]:
    """Publish the pending disclosure of a document just served."""
    query = select(Disclosure).where(
        col(Disclosure.document_id) == document_id, col(Disclosure.status) == "pending"
    )
    rows = list((await session.scalars(query)).all())
    for row in rows:
        row.status, row.published_at, row.published_late = "published", now, now > row.due_at
    await session.flush()
    return rows


async def withdraw(
    session: AsyncSession,
    record_kind: str,
    record_id: uuid.UUID,
    category: str,
    reason: str,
    now: datetime,
    calendar: WorkCalendar,
) -> list[dict[str, Any]]:
    """Withdraw a revoked decision's disclosures now, well within the three working days."""
    return await _withdraw(
        session,
        [
            col(Disclosure.record_kind) == record_kind,
            col(Disclosure.record_id) == record_id,
            col(Disclosure.category) == category,
        ],
        reason,
        now,
        calendar,
    )


async def withdraw_document(
    session: AsyncSession,
    document_id: uuid.UUID,
    reason: str,
    now: datetime,
    calendar: WorkCalendar,
) -> list[dict[str, Any]]:
    """Withdraw one document's disclosure (a correction replaces it)."""
    return await _withdraw(
        session, [col(Disclosure.document_id) == document_id], reason, now, calendar
    )


async def _withdraw(
    session: AsyncSession, where: list[Any], reason: str, now: datetime, calendar: WorkCalendar
) -> list[dict[str, Any]]:
    query = select(Disclosure).where(*where, col(Disclosure.status).in_(("pending", "published")))
    rows = list((await session.scalars(query)).all())
    for row in rows:
        # The reason is published with the notice: the party's name, numbers and address go.
        document = await session.get(Document, row.document_id)
        party = Recipient(type="person", name="")
        if document is not None:
            party = document_recipient(
                document.data, document.recipient_type, document.recipient_name
            )
        row.status = "withdrawn"
        row.withdrawn_at = now
        row.withdraw_due_at = calendar.add(now, WITHDRAWAL_PERIOD).due_at
        row.withdrawal_reason = scrub_text(reason, party)
    await session.flush()
    return [describe(row) for row in rows]
