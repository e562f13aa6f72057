"""Human-readable numbers from per-prefix counters in the database.

An upsert with RETURNING bumps the counter atomically, so several app processes never
hand out one number twice. Two kinds of counter, by what a gap would mean:

- ``next_number``, in the caller's transaction: the counter's row stays locked until it
  commits, and a rollback gives the number back, so the numbers run without gaps. For
  numbers the law reads as a series: document numbers (文号, a penalty decision's
  included, ``app.documents.numbering``) and licence numbers.
- ``RecordNumber`` (a record's number when it is created: 工单号, 申请编号, 案件编号,
  整改单号), in a transaction of its own that ends with the statement, like a database
  sequence: no create waits for another's commit (with the row held to the commit, every
  create of a day queued on one row, and two workers were slower than one), and a create
  that rolls back after taking its number leaves a gap. A record number only names its
  record; nothing counts records by their numbers, and the audit events, not the
  numbers, are the record of what was filed.
"""

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from app.db import NUMBERS_ENGINE, upsert
from app.models.workflow import NumberSequence


async def next_number(session: AsyncSession, counter: str) -> int:
    """The counter's next value, in the session's transaction: gapless."""
    statement = upsert(
        session,
        NumberSequence,
        {"name": counter, "value": 1},
        ["name"],
        {"value": col(NumberSequence.value) + 1},
    ).returning(col(NumberSequence.value))
    value: int = (await session.execute(statement)).scalar_one()
    return value


_BUMP_ON_ITS_OWN = (
    pg_insert(NumberSequence)
    .values(name=bindparam("name"), value=1)
    .on_conflict_do_update(index_elements=["name"], set_={"value": col(NumberSequence.value) + 1})
    .returning(col(NumberSequence.value))
)


async def next_number_on_its_own(session: AsyncSession, counter: str) -> int:
    """The counter's next value, committed at once on the numbers engine (``app.db``),
    whatever becomes of the session's transaction; in it where there is no such engine
    (SQLite, sessions made outside the app)."""
    engine: AsyncEngine | None = session.info.get(NUMBERS_ENGINE)
    if engine is None:
        return await next_number(session, counter)
    async with engine.begin() as connection:
        value: int = (await connection.execute(_BUMP_ON_ITS_OWN, {"name": counter})).scalar_one()
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
        return self.template.format(await next_number_on_its_own(session, self.counter))
