"""The category catalogue tickets and cases share: checks any module's records make."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.process_cache import ProcessCache
from app.errors import UnprocessableEntity
from app.models.ticket import TicketCategory


@dataclass(frozen=True)
class CategoryTerms:
    """What records need of a category: whether it takes new records, and its deadlines."""

    is_active: bool
    sign_limit_working_days: int | None
    reply_limit_working_days: int | None
    default_department_id: uuid.UUID | None


async def _read_catalogue(session: AsyncSession, _key: Any) -> dict[str, CategoryTerms]:
    return {
        category.code: CategoryTerms(
            category.is_active,
            category.sign_limit_working_days,
            category.reply_limit_working_days,
            category.default_department_id,
        )
        for category in (await session.scalars(select(TicketCategory))).all()
    }


# Every change of ``ticket_categories`` calls ``catalogue.changed`` in its transaction.
catalogue = ProcessCache("ticket_categories", _read_catalogue)


async def category_terms(session: AsyncSession, code: str) -> CategoryTerms | None:
    return (await catalogue.get(session)).get(code)


async def require_active_category(session: AsyncSession, code: str) -> None:
    """422 ``unknown_category`` unless ``code`` is an active category of the catalogue."""
    terms = await category_terms(session, code)
    if terms is None or not terms.is_active:
        raise UnprocessableEntity(
            f"category_code {code!r} is not in the category catalogue", code="unknown_category"
        )
