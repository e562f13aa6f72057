"""Human-readable record numbers from per-prefix counters in the database.

An upsert with RETURNING bumps the counter atomically, so several app processes never
hand out one number twice; the counter row is locked only until the request commits.
"""

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.workflow import NumberSequence


async def next_number(session: AsyncSession, counter: str) -> int:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(NumberSequence).values(name=counter, value=1)
    upsert = statement.on_conflict_do_update(
        index_elements=["name"], set_={"value": col(NumberSequence.value) + 1}
    ).returning(col(NumberSequence.value))
    value: int = (await session.execute(upsert)).scalar_one()
    return value
