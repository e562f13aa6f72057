"""Transient records a run writes to, and putting the loaded data back as it was.

Writes would wear the loaded data down run after run (a ``sign`` needs a ticket still
``dispatched``), so they go to pools made just before the write scenarios and removed
after them: read scenarios never see them, and every run starts from the same data.
Pool tickets and the tickets ``POST /api/v1/tickets`` makes during a run belong to
``bench-pool`` and ``bench-intake``; ``reset`` deletes them with their events.
"""

import hashlib
import random
import time
import uuid

import asyncpg

from bench import kind_pools
from bench.database import BenchDatabase
from bench.dataset import DAY, EVENT_COLUMNS, HOUR, TICKET_COLUMNS, Person, TicketMaker
from bench.load_data import LoadPlan, bench_users, read_reference

# pgbench names its tickets by number: md5('bench-pg-' || n)::uuid, n = client * PER_CLIENT + k
PGBENCH_PER_CLIENT = 500


def pgbench_ticket_id(number: int) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(f"bench-pg-{number}".encode()).hexdigest())


async def add_dispatched(
    db: BenchDatabase,
    plan: LoadPlan,
    count: int,
    *,
    prefix: str,
    handler: Person,
    department: uuid.UUID,
    ids: list[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """``count`` tickets dispatched to ``department`` in the last day, with their chains."""
    connection = await db.connect()
    try:
        reference = await read_reference(connection, plan.seed)
        creator = (await bench_users(connection))["bench-pool"]
        reference.handlers[department] = (handler,)
        maker = TicketMaker(reference)
        rng = random.Random()
        now = time.time()
        tickets, events = [], []
        for index in range(count):
            row, chain = maker.ticket(
                rng,
                now - rng.uniform(3 * HOUR, DAY),
                f"{prefix}{index:08d}",
                now,
                stop_at="dispatched",
                creator=creator,
                record_id=ids[index] if ids else None,
                department=department,
            )
            tickets.append(row)
            events.extend(chain.rows)
        await connection.copy_records_to_table("tickets", records=tickets, columns=TICKET_COLUMNS)
        await connection.copy_records_to_table("events", records=events, columns=EVENT_COLUMNS)
        await connection.execute("ANALYZE tickets")
        return [row[0] for row in tickets]
    finally:
        await connection.close()


async def reset(db: BenchDatabase) -> int:
    """Delete what runs wrote; the loaded records are left exactly as loaded."""
    connection = await db.connect()
    try:
        users = await bench_users(connection)
        owners = [users["bench-pool"].id, users["bench-intake"].id]
        async with connection.transaction():
            doomed = "SELECT id FROM tickets WHERE created_by_id = ANY($1::uuid[])"
            await connection.execute(
                f"DELETE FROM events WHERE kind = 'ticket' AND record_id IN ({doomed})", owners
            )
            status = await connection.execute(
                "DELETE FROM tickets WHERE created_by_id = ANY($1::uuid[])", owners
            )
            # The loader writes no outbox rows: everything there came from runs.
            await kind_pools.reset(connection)
            await connection.execute("TRUNCATE outbox, idempotency_records")
        return int(status.split()[-1])
    finally:
        await connection.close()


async def vacuum(db: BenchDatabase) -> None:
    """Clear the dead rows earlier runs' pools left: tens of thousands of them in one
    department slowed its work queue (``/tasks/mine``) fourfold until autovacuum came."""
    connection = await db.connect()
    try:
        await connection.execute(
            "VACUUM (ANALYZE) tickets, events, outbox"
            + (
                ", approvals, cases"
                if await connection.fetchval("SELECT to_regclass('cases')")
                else ""
            )
            # migration 0019's backfill rewrites every rollup row: reads want them visible.
            + (
                ", ticket_rollups"
                if await connection.fetchval("SELECT to_regclass('ticket_rollups')")
                else ""
            )
        )
    finally:
        await connection.close()


async def sample_ids(connection: asyncpg.Connection, count: int) -> list[uuid.UUID]:
    """Loaded tickets at random (call after ``reset``, so no pool ticket is among them)."""
    rows = await connection.fetch("SELECT id FROM tickets ORDER BY random() LIMIT $1", count)
    return [row["id"] for row in rows]
