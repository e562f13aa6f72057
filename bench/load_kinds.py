"""Bulk load of approval applications and enforcement cases (bench/approvals.py, cases.py).

Each kind is loaded once, next to tickets already there: its size is written as its
table's comment, so adding approvals and cases to an existing 1,000,000-ticket database
loads only them. Their people (clerks, reviewers, leaders, inspectors, legal reviewers)
and the approval service catalogue's departments are set up here too.
"""

import asyncio
import os
import random
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bench import vocabulary as words
from bench.approvals import approval
from bench.cases import case
from bench.database import BenchDatabase
from bench.dataset import (
    DAY,
    EVENT_COLUMNS,
    Person,
    chain_head,
    check_hashes,
    creation_times,
)
from bench.kinds import Staff, json_columns, model_defaults

CHUNK = 5_000
STAFF = {
    "approval": (("clerk", 3), ("reviewer", 2), ("leader", 1)),
    "case": (("inspector", 4), ("leader", 1), ("legal_reviewer", 1)),
}
APPROVAL_DEPARTMENTS = ("SCGW", "SZJW", "SJTW", "SYLJ", "SGHZRZY", "SSWJ")


def kind_marker(kind: str, count: int, seed: int) -> str:
    return f"govflow-bench v1 {kind}={count} seed={seed}"


def planned(kind: str, tickets: int) -> int:
    """BENCH_APPROVALS / BENCH_CASES, by default a tenth of the tickets (the issue's ratio)."""
    return int(os.environ.get(f"BENCH_{kind.upper()}S", str(tickets // 10)).replace("_", ""))


@dataclass(frozen=True)
class KindJob:
    dsn: str
    kind: str
    index: int
    first_number: int
    seed: int
    times: Sequence[float]
    now_ts: float
    context: dict[str, Any]


def _model(kind: str) -> Any:
    if kind == "approval":
        from app.models.approval import ApprovalApplication

        return ApprovalApplication
    from app.models.case import EnforcementCase

    return EnforcementCase


def _tuple(row: dict[str, Any], columns: Sequence[str], as_json: set[str]) -> tuple[Any, ...]:
    return tuple(
        orjson.dumps(row[c]).decode() if c in as_json and row[c] is not None else row[c]
        for c in columns
    )


def load_kind_chunk(job: KindJob) -> tuple[int, int]:
    model = _model(job.kind)
    table = model.__tablename__
    columns = [c.name for c in model.__table__.columns]
    as_json = json_columns(model)
    base = model_defaults(model)
    rng = random.Random(f"{job.kind}-{job.seed}-{job.index}")
    rows, events, officers = [], [], []
    for position, created in enumerate(job.times):
        number = job.first_number + position
        if job.kind == "approval":
            life = approval(
                rng,
                number,
                created,
                job.now_ts,
                base,
                job.context["services"],
                job.context["staff"],
            )
        else:
            life, officer_rows = case(
                rng,
                number,
                created,
                job.now_ts,
                base,
                job.context["departments"],
                job.context["staff"],
            )
            officers.extend(officer_rows)
        if position < 3:
            check_hashes(life.chain)
        rows.append(_tuple(life.row | chain_head(life.chain), columns, as_json))
        events.extend(life.chain.rows)

    async def copy() -> None:
        connection = await asyncpg.connect(job.dsn)
        try:
            await connection.execute("SET synchronous_commit = off")
            await connection.copy_records_to_table(table, records=rows, columns=columns)
            await connection.copy_records_to_table("events", records=events, columns=EVENT_COLUMNS)
            if officers:
                await connection.copy_records_to_table(
                    "case_officers",
                    records=officers,
                    columns=["case_id", "user_id", "position", "name", "credential_number"],
                )
        finally:
            await connection.close()

    asyncio.run(copy())
    return len(rows), len(events)


async def _staff(connection: asyncpg.Connection, kind: str, departments: list[Any]) -> Staff:
    from app.identity.security import hash_password

    password_hash = hash_password(uuid.uuid4().hex)
    people = []
    for department_id, code in departments:
        for role, count in STAFF[kind]:
            for index in range(count):
                people.append(
                    (
                        uuid.uuid4(),
                        f"{role}-{code}-{index}",
                        password_hash,
                        orjson.dumps([role]).decode(),
                        department_id,
                    )
                )
    await connection.executemany(
        "INSERT INTO users (id, version, created_at, updated_at, username, password_hash, "
        "full_name, roles, department_id, is_active) VALUES ($1, 1, now(), now(), $2, $3, $2, "
        "$4, $5, true) ON CONFLICT (username) DO NOTHING",
        people,
    )
    by_role: dict[str, dict[uuid.UUID, list[Person]]] = {}
    rows = await connection.fetch(
        "SELECT id, username, roles, department_id FROM users WHERE username ~ $1",
        "^(" + "|".join(role for role, _ in STAFF[kind]) + ")-",
    )
    for row in rows:
        role = orjson.loads(row["roles"])[0]
        department = uuid.UUID(bytes=row["department_id"].bytes)
        person = Person(uuid.UUID(bytes=row["id"].bytes), row["username"], (role,))
        by_role.setdefault(role, {}).setdefault(department, []).append(person)
    citizens = await connection.fetch(
        "SELECT id, username FROM users WHERE username LIKE 'citizen-%' LIMIT 5000"
    )
    return Staff(
        {role: {d: tuple(p) for d, p in found.items()} for role, found in by_role.items()},
        tuple(
            Person(uuid.UUID(bytes=c["id"].bytes), c["username"], ("citizen",)) for c in citizens
        ),
    )


async def _services(db: BenchDatabase) -> None:
    """The app's own seeded catalogue, each service given to a city department."""
    from app.approvals.catalogue import seed_services

    engine = create_async_engine(db.url)
    try:
        async with AsyncSession(engine) as session:
            await seed_services(session)
            await session.commit()
    finally:
        await engine.dispose()


async def _context(db: BenchDatabase, kind: str) -> dict[str, Any]:
    connection = await db.connect()
    try:
        departments = {
            r["code"]: r["id"] for r in await connection.fetch("SELECT code, id FROM departments")
        }
        if kind == "approval":
            await _services(db)
            codes = [
                r["code"]
                for r in await connection.fetch("SELECT code FROM approval_services ORDER BY code")
            ]
            for position, code in enumerate(codes):
                owner = departments[APPROVAL_DEPARTMENTS[position % len(APPROVAL_DEPARTMENTS)]]
                await connection.execute(
                    "UPDATE approval_services SET department_id = $1 WHERE code = $2 "
                    "AND department_id IS NULL",
                    owner,
                    code,
                )
            owners = [(departments[c], c) for c in APPROVAL_DEPARTMENTS]
            services = [
                {
                    **dict(r),
                    "department_id": uuid.UUID(bytes=r["department_id"].bytes),
                    "required_materials": orjson.loads(r["required_materials"]),
                }
                for r in await connection.fetch(
                    "SELECT code, name, department_id, legal_limit_days, committed_limit_days, "
                    "required_materials FROM approval_services WHERE is_active"
                )
            ]
            return {"services": services, "staff": await _staff(connection, kind, owners)}
        district = [
            (departments[f"CGZF{i:02d}"], f"CGZF{i:02d}") for i in range(len(words.DISTRICTS))
        ]
        return {
            "departments": [uuid.UUID(bytes=d.bytes) for d, _ in district],
            "staff": await _staff(connection, kind, district),
        }
    finally:
        await connection.close()


async def _marker(db: BenchDatabase, table: str) -> str | bool | None:
    connection = await db.connect()
    try:
        if await connection.fetchval("SELECT to_regclass($1)", table) is None:
            return False
        found: str | None = await connection.fetchval(
            "SELECT obj_description(to_regclass($1), 'pg_class')", table
        )
        return found
    finally:
        await connection.close()


def ensure_kind(db: BenchDatabase, kind: str, table: str, count: int, seed: int) -> None:
    """Load ``count`` records of ``kind`` unless exactly those are there already."""
    marker = asyncio.run(_marker(db, table))
    if marker is False or count <= 0:
        print(f"bench: no {table} table here: skipping {kind}s", flush=True)
        return
    if marker == kind_marker(kind, count, seed):
        print(f"bench: reusing loaded {table} ({count:,})", flush=True)
        return
    started = time.monotonic()
    asyncio.run(_truncate(db, kind, table))
    context = asyncio.run(_context(db, kind))
    now_ts = time.time()
    times = creation_times(count, now_ts - 2 * 365 * DAY, now_ts, seed + len(kind))
    jobs = [
        KindJob(db.dsn, kind, index, start + 1, seed, times[start : start + CHUNK], now_ts, context)
        for index, start in enumerate(range(0, count, CHUNK))
    ]
    records = events = 0
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=get_context("spawn")) as pool:
        for loaded, chained in pool.map(load_kind_chunk, jobs):
            records, events = records + loaded, events + chained
    asyncio.run(_finish(db, kind, table, count, seed))
    print(
        f"bench: loaded {records:,} {table} with {events:,} events "
        f"in {time.monotonic() - started:.0f}s",
        flush=True,
    )


async def _truncate(db: BenchDatabase, kind: str, table: str) -> None:
    connection = await db.connect()
    try:
        await connection.execute(f"DELETE FROM events WHERE kind = '{kind}'")
        await connection.execute(f"TRUNCATE {table} CASCADE")
    finally:
        await connection.close()


async def _finish(db: BenchDatabase, kind: str, table: str, count: int, seed: int) -> None:
    connection = await db.connect()
    try:
        prefix = "SP" if kind == "approval" else "ZF"
        await connection.execute(
            "INSERT INTO number_sequences (name, value) SELECT $1 || '-' || substr(number, 3, 4),"
            f" max(substr(number, 8)::int) FROM {table} WHERE number LIKE $2 GROUP BY 1 "
            "ON CONFLICT (name) DO UPDATE SET value = greatest(number_sequences.value, "
            "excluded.value)",
            kind,
            f"{prefix}%",
        )
        await connection.execute(f"VACUUM (ANALYZE) {table}")
        await connection.execute(f"COMMENT ON TABLE {table} IS '{kind_marker(kind, count, seed)}'")
    finally:
        await connection.close()
