"""The approval service catalogue (事项清单)."""

from sqlalchemy.ext.asyncio import AsyncSession


async def seed_services(session: AsyncSession) -> None:
    """Seed a few city-management licensing services on first start."""
