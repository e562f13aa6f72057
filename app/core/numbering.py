"""Human-readable record numbers from per-prefix counters in the database.

An upsert with RETURNING bumps the counter atomically, so several app processes never
hand out one number twice; the counter row is locked only until the request commits.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db import upsert
from app.models.workflow import NumberSequence


async def next_number(session: AsyncSession, counter: str) -> int:
    statement = upsert(
        session,
        NumberSequence,
        {"name": counter, "value": 1},
        ["name"],
        {"value": col(NumberSequence.value) + 1},
    ).returning(col(NumberSequence.value))
    value: int = (await session.execute(statement)).scalar_one()
    return value


@dataclass(frozen=True)
class RecordNumber:
    """A record's number to be taken from ``counter`` and written as ``template``.

    ``template`` is a format string with one field for the counter's value, e.g.
    ``"RX20261130-{:05d}"``.
    """

    counter: str
    template: str

    async def take(self, session: AsyncSession) -> str:
        return self.template.format(await next_number(session, self.counter))
