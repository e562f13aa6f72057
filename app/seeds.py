"""Reference data every deployment starts with, written once on first start."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals.catalogue import seed_services
from app.documents.templates import seed_default_templates
from app.tickets.catalogue import seed_categories

SEEDS = (seed_categories, seed_services, seed_default_templates)


async def seed_reference_data(session: AsyncSession) -> None:
    """Each seed writes its rows when none are there, and commits. App processes start
    together on a fresh database and seed at the same moment: the one that loses the race
    on a unique key leaves the winner's rows, and starts all the same (uvicorn stops every
    worker when one fails its start-up)."""
    for seed in SEEDS:
        try:
            await seed(session)
        except IntegrityError:
            await session.rollback()
