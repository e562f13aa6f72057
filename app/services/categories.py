"""The category catalogue tickets and cases share: checks any module's records make."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.errors import UnprocessableEntity
from app.models.ticket import TicketCategory


async def require_active_category(session: AsyncSession, code: str) -> None:
    """422 ``unknown_category`` unless ``code`` is an active category of the catalogue."""
    query = select(col(TicketCategory.id)).where(
        col(TicketCategory.code) == code, col(TicketCategory.is_active).is_(True)
    )
    if (await session.scalars(query)).first() is None:
        raise UnprocessableEntity(
            f"category_code {code!r} is not in the category catalogue", code="unknown_category"
        )
