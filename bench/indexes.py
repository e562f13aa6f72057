"""Dropping a table's secondary indexes for a bulk load, and building them again after.

The definitions are read from the catalogue before dropping, so what is rebuilt is exactly
what the migrations made. Loading into a table without its indexes and building them once
is several times faster than maintaining them row by row.
"""

import asyncio
from collections.abc import Sequence

import asyncpg

from bench.database import BenchDatabase


async def drop_secondary(connection: asyncpg.Connection, tables: Sequence[str]) -> list[str]:
    """Drop indexes and unique/foreign-key constraints; return the statements to rebuild."""
    rebuild: list[str] = []
    foreign: list[str] = []
    for table in tables:
        for row in await connection.fetch(
            "SELECT conname, contype, pg_get_constraintdef(oid) AS definition "
            "FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('u', 'f')",
            table,
        ):
            statement = f'ALTER TABLE {table} ADD CONSTRAINT "{row["conname"]}" {row["definition"]}'
            (foreign if row["contype"] == "f" else rebuild).append(statement)
            await connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{row["conname"]}"')
        for row in await connection.fetch(
            "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def "
            "FROM pg_index i WHERE i.indrelid = $1::regclass AND NOT i.indisprimary AND NOT "
            "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            table,
        ):
            rebuild.append(row["def"])
            await connection.execute(f"DROP INDEX {row['name']}")
    return rebuild + foreign


async def rebuild(db: BenchDatabase, statements: list[str], parallel: int) -> None:
    """Indexes and unique constraints on several connections, then foreign keys."""
    pending = [s for s in statements if "FOREIGN KEY" not in s]
    foreign = [s for s in statements if "FOREIGN KEY" in s]

    async def worker() -> None:
        connection = await db.connect()
        try:
            await connection.execute("SET maintenance_work_mem = '512MB'")
            while pending:
                await connection.execute(pending.pop(0))
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(parallel)))
    connection = await db.connect()
    try:
        for statement in foreign:
            await connection.execute(statement)
    finally:
        await connection.close()
