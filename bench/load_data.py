"""Bulk loader: departments, people and BENCH_TICKETS hotline tickets with their history.

    python -m bench.load_data            # BENCH_TICKETS (default 1,000,000), BENCH_SEED

Loads with ``COPY`` (asyncpg ``copy_records_to_table``) from one process per core, with
the tables' secondary indexes and constraints dropped during the copy and rebuilt after
(their definitions are read from the catalogue first, so they are exactly the
migrations'). The loaded size and seed are written as the ``tickets`` table's comment;
a later run with the same size reuses the data, anything else rebuilds the schema with
``alembic upgrade head`` and loads again (``BENCH_RELOAD=1`` forces it).

Bench data is marked: every event it wrote has ``request_id = 'bench-load'``, every
person it made has a username starting ``op-``, ``sup-``, ``handler-``, ``citizen-`` or
``bench-``. Its chains are valid (``GET /api/v1/audit/verify`` passes); the outbox of
loaded history is taken as delivered and pruned, so the loader writes no outbox rows.

Approval applications and enforcement cases (a tenth of the tickets each, by default:
``BENCH_APPROVALS``, ``BENCH_CASES``) are loaded next, each once, by bench/load_kinds.py.
"""

import asyncio
import os
import random
import secrets
import time
import uuid
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import Any

import asyncpg
import orjson

from app.identity.security import hash_password
from app.tickets.catalogue import SEED_CATEGORIES
from bench import vocabulary as words
from bench.database import BenchDatabase
from bench.dataset import (
    DAY,
    EVENT_COLUMNS,
    TICKET_COLUMNS,
    Person,
    Reference,
    TicketMaker,
    check_hashes,
    creation_times,
    numbers_for,
)
from bench.indexes import drop_secondary, rebuild

LOADER_VERSION = 1
CHUNK = 10_000
YEARS = 2
BENCH_USERS = {
    "bench-operator": ("operator",),  # reads, lists, searches, exports, statistics
    "bench-intake": ("operator",),  # registers tickets during the run (deleted after)
    "bench-handler": ("handler",),  # signs; the work queue
    "bench-pool": ("operator",),  # creator of the transient sign and pgbench pools
    "bench-supervisor": ("supervisor",),
}
TOP_DISTRICT = words.DISTRICTS[0]


@dataclass(frozen=True)
class LoadPlan:
    tickets: int
    seed: int

    @classmethod
    def from_env(cls) -> "LoadPlan":
        return cls(
            tickets=int(os.environ.get("BENCH_TICKETS", "1000000").replace("_", "")),
            seed=int(os.environ.get("BENCH_SEED", "12345")),
        )

    @property
    def marker(self) -> str:
        return f"govflow-bench v{LOADER_VERSION} tickets={self.tickets} seed={self.seed}"


@dataclass(frozen=True)
class ChunkJob:
    dsn: str
    reference: Reference
    index: int
    seed: int
    times: Sequence[float]
    numbers: Sequence[str]
    now_ts: float


def _department_code(index: int) -> str:
    return f"CGZF{index:02d}"


def as_uuid(value: Any) -> uuid.UUID:
    """asyncpg hands back its own UUID type, which orjson does not serialise."""
    return uuid.UUID(bytes=value.bytes)


def _row(columns: Sequence[str], values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(name) for name in columns)


async def _columns(connection: asyncpg.Connection, table: str) -> list[str]:
    rows = await connection.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
        "AND column_default IS NULL ORDER BY ordinal_position",
        table,
    )
    return [row["column_name"] for row in rows]


async def insert_reference(connection: asyncpg.Connection, seed: int) -> None:
    """Departments, categories and people; every ticket refers to these."""
    now = datetime.now(UTC)
    rng = random.Random(seed)
    base = {"version": 1, "created_at": now, "updated_at": now}
    departments = [
        {
            **base,
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "code": _department_code(index),
            "name": f"{district}城管执法局",
            "districts": orjson.dumps([district]).decode(),
        }
        for index, district in enumerate(words.DISTRICTS)
    ] + [
        {
            **base,
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "code": code,
            "name": name,
            "districts": "[]",
        }
        for code, name in words.CITY_DEPARTMENTS
    ]
    columns = await _columns(connection, "departments")
    await connection.copy_records_to_table(
        "departments", records=[_row(columns, d) for d in departments], columns=columns
    )
    password_hash = hash_password(secrets.token_urlsafe(24))  # nobody signs in with it
    people: list[dict[str, Any]] = []

    def person(username: str, roles: Sequence[str], department: Any = None) -> None:
        people.append(
            {
                **base,
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "username": username,
                "password_hash": password_hash,
                "full_name": username,
                "is_active": True,
                "roles": orjson.dumps(list(roles)).decode(),
                "department_id": department,
            }
        )

    for index in range(60):
        person(f"op-{index:03d}", ("operator",))
    for index in range(5):
        person(f"sup-{index:03d}", ("supervisor",))
    for department in departments:
        for index in range(4):
            person(f"handler-{department['code']}-{index}", ("handler",), department["id"])
    for index in range(20_000):
        person(f"citizen-{index:06d}", ("citizen",))
    top = next(d for d in departments if d["name"].startswith(TOP_DISTRICT))
    for username, roles in BENCH_USERS.items():
        person(username, roles, top["id"] if "handler" in roles else None)
    columns = await _columns(connection, "users")
    await connection.copy_records_to_table(
        "users", records=[_row(columns, p) for p in people], columns=columns
    )
    categories = [*SEED_CATEGORIES, *words.EXTRA_CATEGORIES]
    await connection.executemany(
        "INSERT INTO ticket_categories (id, version, created_at, updated_at, code, name, "
        "parent_code, is_active) VALUES ($1, 1, now(), now(), $2, $3, $4, true) "
        "ON CONFLICT (code) DO NOTHING",
        [(uuid.uuid4(), code, name, parent) for code, name, parent in categories],
    )


async def read_reference(connection: asyncpg.Connection, seed: int) -> Reference:
    """The Reference the loaded tickets were made with, read back from the database."""
    departments = {
        row["code"]: as_uuid(row["id"])
        for row in await connection.fetch("SELECT code, id FROM departments")
    }
    users = await connection.fetch(
        "SELECT id, username, roles, department_id FROM users ORDER BY username"
    )

    def person(row: Any) -> Person:
        return Person(as_uuid(row["id"]), row["username"], tuple(orjson.loads(row["roles"])))

    handlers: dict[uuid.UUID, list[Person]] = {}
    for row in users:
        if row["username"].startswith("handler-"):
            handlers.setdefault(as_uuid(row["department_id"]), []).append(person(row))
    return Reference(
        district_departments={
            district: departments[_department_code(index)]
            for index, district in enumerate(words.DISTRICTS)
        },
        city_departments=tuple(departments[code] for code, _ in words.CITY_DEPARTMENTS),
        operators=tuple(person(r) for r in users if r["username"].startswith("op-")),
        handlers={key: tuple(value) for key, value in handlers.items()},
        citizens=tuple(person(r) for r in users if r["username"].startswith("citizen-")),
        places=tuple(words.places(2000, seed)),
    )


async def bench_users(connection: asyncpg.Connection) -> dict[str, Person]:
    rows = await connection.fetch(
        "SELECT id, username, roles FROM users WHERE username = ANY($1::text[])", list(BENCH_USERS)
    )
    return {
        r["username"]: Person(as_uuid(r["id"]), r["username"], tuple(orjson.loads(r["roles"])))
        for r in rows
    }


def make_chunk(job: ChunkJob) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    maker = TicketMaker(job.reference)
    rng = random.Random(job.seed * 1_000_003 + job.index)
    tickets: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    recent: deque[uuid.UUID] = deque(maxlen=50)
    for position, (created, number) in enumerate(zip(job.times, job.numbers, strict=True)):
        row, chain = maker.ticket(rng, created, number, job.now_ts, duplicate_candidates=recent)
        if position < 5:
            check_hashes(chain)
        tickets.append(row)
        events.extend(chain.rows)
        recent.append(row[0])
    return tickets, events


async def copy_rows(
    dsn: str, tickets: list[tuple[Any, ...]], events: list[tuple[Any, ...]]
) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET synchronous_commit = off")
        await connection.copy_records_to_table("tickets", records=tickets, columns=TICKET_COLUMNS)
        await connection.copy_records_to_table("events", records=events, columns=EVENT_COLUMNS)
    finally:
        await connection.close()


def load_chunk(job: ChunkJob) -> tuple[int, int]:
    tickets, events = make_chunk(job)
    asyncio.run(copy_rows(job.dsn, tickets, events))
    return len(tickets), len(events)


async def finish(db: BenchDatabase, plan: LoadPlan) -> None:
    connection = await db.connect()
    try:
        # Counters past every loaded number, so new tickets never collide with loaded ones.
        await connection.execute(
            "INSERT INTO number_sequences (name, value) SELECT 'ticket-' || substr(number, 3, 8),"
            " max(substr(number, 12)::int) FROM tickets WHERE number LIKE 'RX%' GROUP BY 1 "
            "ON CONFLICT (name) DO UPDATE SET value = greatest(number_sequences.value, "
            "excluded.value)"
        )
        await connection.execute("VACUUM (ANALYZE) tickets, events, users, departments")
        await connection.execute(f"COMMENT ON TABLE tickets IS '{plan.marker}'")
    finally:
        await connection.close()


async def verify_sample(db: BenchDatabase, count: int = 25) -> None:
    """Recompute some loaded chains with the app's own verifier."""
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from app.workflow.audit import verify_chains

    connection = await db.connect()
    try:
        ids = [
            r["id"]
            for r in await connection.fetch(
                "SELECT id FROM tickets TABLESAMPLE SYSTEM (1) LIMIT $1", count
            )
        ]
    finally:
        await connection.close()
    engine = create_async_engine(db.url)
    try:
        async with AsyncSession(engine) as session:
            for record_id in ids:
                _, _, broken = await verify_chains(session, "ticket", record_id)
                if broken:
                    raise RuntimeError(f"bench chain broken for ticket {record_id}: {broken[0]}")
    finally:
        await engine.dispose()


def load_tickets(db: BenchDatabase, plan: LoadPlan, reference: Reference) -> None:
    now_ts = time.time()
    times = creation_times(plan.tickets, now_ts - YEARS * 365 * DAY, now_ts, plan.seed)
    numbers = numbers_for(times)
    jobs = [
        ChunkJob(
            db.dsn,
            reference,
            index,
            plan.seed,
            times[start : start + CHUNK],
            numbers[start : start + CHUNK],
            now_ts,
        )
        for index, start in enumerate(range(0, plan.tickets, CHUNK))
    ]
    started, done_tickets, done_events = time.monotonic(), 0, 0
    workers = max(1, os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        for tickets, events in pool.map(load_chunk, jobs):
            done_tickets, done_events = done_tickets + tickets, done_events + events
            elapsed = time.monotonic() - started
            if done_tickets % (CHUNK * 10) == 0 or done_tickets == plan.tickets:
                print(
                    f"bench: {done_tickets:,} tickets, {done_events:,} events "
                    f"in {elapsed:.0f}s ({done_tickets / elapsed:,.0f} tickets/s)",
                    flush=True,
                )


async def read_marker(db: BenchDatabase) -> str | None:
    connection = await db.connect()
    try:
        marker: str | None = await connection.fetchval(
            "SELECT obj_description(to_regclass('tickets'), 'pg_class')"
        )
        return marker
    finally:
        await connection.close()


def ensure_loaded(db: BenchDatabase, plan: LoadPlan) -> bool:
    """Migrate, and load unless the same data is already there. True when it loaded."""
    asyncio.run(db.create_if_missing())
    db.migrate()
    loaded = False
    if asyncio.run(read_marker(db)) == plan.marker and os.environ.get("BENCH_RELOAD") != "1":
        print(f"bench: reusing loaded data ({plan.marker})", flush=True)
    else:
        started = time.monotonic()
        print(f"bench: loading {plan.tickets:,} tickets into {db.name}", flush=True)
        asyncio.run(db.reset_schema())
        db.migrate()
        asyncio.run(_load(db, plan))
        print(f"bench: loaded in {time.monotonic() - started:.0f}s", flush=True)
        loaded = True
    # Approvals and cases load next to the tickets, each once (see bench/load_kinds.py).
    from bench.load_kinds import ensure_kind, planned

    for kind, table in (("approval", "approvals"), ("case", "cases")):
        ensure_kind(db, kind, table, planned(kind, plan.tickets), plan.seed)
    return loaded


async def _load(db: BenchDatabase, plan: LoadPlan) -> None:
    connection = await db.connect()
    try:
        await insert_reference(connection, plan.seed)
        reference = await read_reference(connection, plan.seed)
        statements = await drop_secondary(connection, ("tickets", "events"))
    finally:
        await connection.close()
    await asyncio.to_thread(load_tickets, db, plan, reference)
    started = time.monotonic()
    await rebuild(db, statements, parallel=max(1, os.cpu_count() or 1))
    print(
        f"bench: rebuilt {len(statements)} indexes and constraints "
        f"in {time.monotonic() - started:.0f}s",
        flush=True,
    )
    await finish(db, plan)
    await verify_sample(db)


if __name__ == "__main__":
    ensure_loaded(BenchDatabase.from_env(), LoadPlan.from_env())
