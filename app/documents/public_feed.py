"""The public disclosure API's reading side: filters, cursor pages, JSON and RSS/Atom.

Only ``disclosures`` rows are read, and they hold nothing the redaction rule removes.
"""

import uuid
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from typing import Any, Literal
from xml.etree import ElementTree as ET

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.document import Disclosure
from app.pagination import keyset_after

CATEGORIES = {"penalty-decisions": "penalty_decision", "permits": "permit"}
TITLES = {"penalty_decision": "行政处罚决定公示", "permit": "行政许可公示"}
Format = Literal["json", "rss", "atom"]


class PublicDisclosure(BaseModel):
    number: str
    category: str
    title: str
    agency: str
    department_id: uuid.UUID
    status: Literal["published", "withdrawn"]
    published_at: datetime | None
    content: dict[str, Any] | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


class PublicPage(BaseModel):
    items: list[PublicDisclosure]
    next_cursor: str | None = None


def public_view(row: Disclosure) -> PublicDisclosure:
    withdrawn = row.status == "withdrawn"
    return PublicDisclosure(
        number=row.document_number,
        category=row.category,
        title=row.title,
        agency=row.department_name,
        department_id=row.department_id,
        status="withdrawn" if withdrawn else "published",
        published_at=row.published_at,
        # 行政处罚法 第四十八条: a withdrawn decision is taken down, with the reason stated.
        content=None if withdrawn else row.content,
        withdrawn_at=row.withdrawn_at,
        withdrawal_reason=row.withdrawal_reason,
    )


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def published_page(
    session: AsyncSession,
    category: str,
    *,
    limit: int,
    cursor: str | None,
    department_id: uuid.UUID | None,
    published_from: date | None,
    published_to: date | None,
    keyword: str | None,
) -> tuple[list[Disclosure], bool]:
    query = (
        select(Disclosure)
        .where(col(Disclosure.category) == category, col(Disclosure.status) == "published")
        .order_by(col(Disclosure.published_at).desc(), col(Disclosure.id).desc())
        .limit(limit + 1)
    )
    if department_id is not None:
        query = query.where(col(Disclosure.department_id) == department_id)
    if published_from is not None:
        query = query.where(
            col(Disclosure.published_at) >= datetime.combine(published_from, time.min, UTC)
        )
    if published_to is not None:
        query = query.where(
            col(Disclosure.published_at) <= datetime.combine(published_to, time.max, UTC)
        )
    if keyword:
        pattern = f"%{_escape_like(keyword)}%"
        query = query.where(
            or_(
                col(Disclosure.search_text).like(pattern, escape="\\"),
                col(Disclosure.document_number).like(pattern, escape="\\"),
            )
        )
    after = keyset_after(col(Disclosure.published_at), col(Disclosure.id), cursor)
    if after is not None:
        query = query.where(after)
    rows = list((await session.scalars(query)).all())
    return rows[:limit], len(rows) > limit


async def one_by_number(session: AsyncSession, category: str, number: str) -> Disclosure | None:
    query = select(Disclosure).where(
        col(Disclosure.category) == category,
        col(Disclosure.document_number) == number,
        col(Disclosure.status).in_(("published", "withdrawn")),
    )
    return (await session.scalars(query)).first()


def _summary(item: PublicDisclosure) -> str:
    content = item.content or {}
    party = content.get("party", {}).get("name", "")
    return f"{item.agency} {item.title} {party} {content.get('penalty', '')}".strip()


def feed(category: str, items: list[PublicDisclosure], link: str, kind: Format) -> bytes:
    """RSS 2.0 or Atom (RFC 4287) of a page of disclosures."""
    title = TITLES[category]
    if kind == "rss":
        rss = ET.Element("rss", version="2.0")
        channel = ET.SubElement(rss, "channel")
        for name, text in (("title", title), ("link", link), ("description", title)):
            ET.SubElement(channel, name).text = text
        for item in items:
            entry = ET.SubElement(channel, "item")
            ET.SubElement(entry, "title").text = item.title
            ET.SubElement(entry, "guid", isPermaLink="false").text = item.number
            ET.SubElement(entry, "description").text = _summary(item)
            if item.published_at:
                ET.SubElement(entry, "pubDate").text = format_datetime(item.published_at)
        rendered: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
        return rendered
    atom = ET.Element("feed", xmlns="http://www.w3.org/2005/Atom")
    ET.SubElement(atom, "title").text = title
    ET.SubElement(atom, "id").text = link
    ET.SubElement(atom, "link", href=link)
    newest = max((i.published_at for i in items if i.published_at), default=datetime.now(UTC))
    ET.SubElement(atom, "updated").text = newest.isoformat()
    for item in items:
        entry = ET.SubElement(atom, "entry")
        ET.SubElement(entry, "title").text = item.title
        ET.SubElement(entry, "id").text = f"urn:govflow:{item.category}:{item.number}"
        ET.SubElement(entry, "updated").text = (item.published_at or newest).isoformat()
        ET.SubElement(entry, "summary").text = _summary(item)
    feed_bytes: bytes = ET.tostring(atom, encoding="utf-8", xml_declaration=True)
    return feed_bytes
