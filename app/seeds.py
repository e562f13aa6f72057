"""Reference data every deployment starts with, written once on first start."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals.catalogue import seed_services
from app.documents.templates import seed_default_templates
from app.tickets.catalogue import seed_categories


async def seed_reference_data(session: AsyncSession) -> None:
    await seed_categories(session)
    await seed_services(session)
    await seed_default_templates(session)
