"""Approvals and cases for the write scenarios: who acts, the pools they act on, the bodies.

Like the ``sign`` pool (bench/pools.py), an action scenario needs records still in the
state the action starts from, one per request: ``accept`` takes applications
``submitted`` with their materials provided, ``file`` takes cases ``registered``. Both are
made by the loaders' own generators (bench/approvals.py, bench/cases.py) with "now" an
hour after their creation, so their lives stop before the first step.

The actors are bench users of their own (made here if missing, so no reload is needed):
``bench-clerk`` in the department that owns the first approval services, and two
inspectors in the busiest district's 城管执法局. Everything they own, the pools and what
the run creates, is deleted by ``reset`` with its events, officers and documents.
"""

import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg
import orjson

from bench import vocabulary as words
from bench.approvals import approval
from bench.cases import CASE_CATEGORIES, case
from bench.database import BenchDatabase
from bench.dataset import EVENT_COLUMNS, Person, chain_head
from bench.kinds import Staff, json_columns, model_defaults, resident_id
from bench.load_data import as_uuid
from bench.load_kinds import APPROVAL_DEPARTMENTS, _model, _tuple

APPROVALS, CASES = "/api/v1/approvals", "/api/v1/cases"
ACTORS = {
    "bench-clerk": ("clerk", APPROVAL_DEPARTMENTS[0]),
    "bench-inspector": ("inspector", "CGZF00"),
    "bench-inspector-2": ("inspector", "CGZF00"),
}
POOL_NUMBER = 900_000  # pool records' numbers start here, far above the loaded ones
MINUTE = 60.0
OFFICERS = ("case_officers", ["case_id", "user_id", "position", "name", "credential_number"])


@dataclass(frozen=True)
class KindActors:
    people: dict[str, Person]
    departments: dict[str, uuid.UUID]  # username → department

    @property
    def ids(self) -> list[uuid.UUID]:
        return [person.id for person in self.people.values()]


async def ensure_actors(connection: asyncpg.Connection) -> KindActors:
    codes = {code for _, code in ACTORS.values()}
    departments = {
        row["code"]: as_uuid(row["id"])
        for row in await connection.fetch(
            "SELECT code, id FROM departments WHERE code = ANY($1::text[])", list(codes)
        )
    }
    from app.identity.security import hash_password

    password_hash = hash_password(uuid.uuid4().hex)
    await connection.executemany(
        "INSERT INTO users (id, version, created_at, updated_at, username, password_hash, "
        "full_name, roles, department_id, is_active) VALUES ($1, 1, now(), now(), $2, $3, $2, "
        "$4, $5, true) ON CONFLICT (username) DO NOTHING",
        [
            (uuid.uuid4(), name, password_hash, orjson.dumps([role]).decode(), departments[code])
            for name, (role, code) in ACTORS.items()
        ],
    )
    rows = await connection.fetch(
        "SELECT id, username, roles, department_id FROM users WHERE username = ANY($1::text[])",
        list(ACTORS),
    )
    return KindActors(
        {r["username"]: Person(as_uuid(r["id"]), r["username"], tuple(orjson.loads(r["roles"])))
         for r in rows},
        {r["username"]: as_uuid(r["department_id"]) for r in rows},
    )  # fmt: skip


def credential(position: int) -> str:
    return f"11019999{position:02d}"


def file_body(actors: KindActors) -> str:
    officers = [
        {"user_id": str(actors.people[name].id), "credential_number": credential(position)}
        for position, name in enumerate(("bench-inspector", "bench-inspector-2"))
    ]
    return orjson.dumps({"officers": officers}).decode()


async def _services(connection: asyncpg.Connection, department: uuid.UUID) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        "SELECT code, name, department_id, legal_limit_days, committed_limit_days, "
        "required_materials FROM approval_services WHERE is_active AND department_id = $1",
        department,
    )
    return [
        {
            **dict(r),
            "department_id": department,
            "required_materials": orjson.loads(r["required_materials"]),
        }
        for r in rows
    ]


async def add_pool(db: BenchDatabase, kind: str, count: int, actors: KindActors) -> list[uuid.UUID]:
    """``count`` approvals ``submitted`` (kind "approval") or cases ``registered``."""
    connection = await db.connect()
    try:
        model = _model(kind)
        columns = [c.name for c in model.__table__.columns]
        as_json, base = json_columns(model), model_defaults(model)
        rng = random.Random()
        now = time.time()
        rows, events, officers = [], [], []
        if kind == "approval":
            clerk = actors.people["bench-clerk"]
            department = actors.departments["bench-clerk"]
            services = await _services(connection, department)
            staff = Staff(
                {r: {department: (clerk,)} for r in ("clerk", "reviewer", "leader")}, (clerk,)
            )
        else:
            inspectors = (actors.people["bench-inspector"], actors.people["bench-inspector-2"])
            clerk = inspectors[0]
            department = actors.departments["bench-inspector"]
            staff = Staff(
                {r: {department: inspectors} for r in ("inspector", "leader", "legal_reviewer")},
                inspectors,
            )
        for index in range(count):
            created = now - rng.uniform(5 * MINUTE, 50 * MINUTE)
            number = POOL_NUMBER + index
            if kind == "approval":
                life = approval(rng, number, created, created + MINUTE, base, services, staff)
            else:
                life, officer_rows = case(
                    rng, number, created, created + MINUTE, base, [department], staff
                )
                officers.extend(officer_rows)
            life.row["created_by_id"] = clerk.id  # what reset deletes
            rows.append(_tuple(life.row | chain_head(life.chain), columns, as_json))
            events.extend(life.chain.rows)
        table = model.__tablename__
        await connection.copy_records_to_table(table, records=rows, columns=columns)
        await connection.copy_records_to_table("events", records=events, columns=EVENT_COLUMNS)
        if officers:
            await connection.copy_records_to_table(
                OFFICERS[0], records=officers, columns=OFFICERS[1]
            )
        await connection.execute(f"ANALYZE {table}")
        return [row[0] for row in rows]
    finally:
        await connection.close()


async def reset(connection: asyncpg.Connection) -> None:
    """Delete every approval and case the bench actors own, with what hangs on them."""
    owners = [
        row["id"]
        for row in await connection.fetch(
            "SELECT id FROM users WHERE username = ANY($1::text[])", list(ACTORS)
        )
    ]
    if not owners or await connection.fetchval("SELECT to_regclass('cases')") is None:
        return
    for kind, table in (("approval", "approvals"), ("case", "cases")):
        doomed = f"SELECT id FROM {table} WHERE created_by_id = ANY($1::uuid[])"
        await connection.execute(
            "DELETE FROM document_contents WHERE document_id IN (SELECT id FROM documents "
            f"WHERE record_kind = '{kind}' AND record_id IN ({doomed}))",
            owners,
        )
        await connection.execute(
            f"DELETE FROM documents WHERE record_kind = '{kind}' AND record_id IN ({doomed})",
            owners,
        )
        if kind == "case":
            await connection.execute(
                f"DELETE FROM case_officers WHERE case_id IN ({doomed})", owners
            )
        await connection.execute(
            f"DELETE FROM events WHERE kind = '{kind}' AND record_id IN ({doomed})", owners
        )
        await connection.execute(
            f"DELETE FROM {table} WHERE created_by_id = ANY($1::uuid[])", owners
        )


async def create_bodies(
    connection: asyncpg.Connection, kind: str, actors: KindActors, count: int = 500
) -> list[str]:
    """ApprovalCreate bodies for the clerk's services, or CaseCreate bodies for its district."""
    rng = random.Random(f"bench-create-{kind}")
    today = date.today()
    bodies = []
    services = await _services(connection, actors.departments["bench-clerk"])
    for _ in range(count):
        person = {
            "type": "person",
            "name": rng.choice(words.SURNAMES) + rng.choice("伟芳娜敏静丽强磊军洋"),
            "id_number": resident_id(rng),
        }
        if kind == "approval":
            service = rng.choice(services)
            body: dict[str, Any] = {
                "service_code": service["code"],
                "applicant": {**person, "phone": f"13{rng.randrange(10**9):09d}"},
                "materials": [
                    {"code": m["code"], "provided": True}
                    for m in service["required_materials"]
                    if m.get("required")
                ],
            }
        else:
            category = rng.choice(CASE_CATEGORIES)
            subject = rng.choice(words.CATEGORY_SUBJECTS[category])
            body = {
                "source": "inspection",
                "title": subject,
                "category_code": category,
                "party": person,
                "location": {"address": f"{rng.choice(words.ROADS)}{rng.randrange(1, 300)}号"},
                "facts": f"执法人员巡查发现当事人{person['name']}{subject}。",
                "violation_occurred_on": (today - timedelta(days=rng.randrange(1, 20))).isoformat(),
                "discovered_on": today.isoformat(),
            }
        bodies.append(orjson.dumps(body).decode())
    return bodies


async def read_paths(connection: asyncpg.Connection, table: str, count: int = 5_000) -> list[str]:
    """Loaded records at random (after ``reset``, so none of the bench actors' own)."""
    rows = await connection.fetch(f"SELECT id FROM {table} ORDER BY random() LIMIT $1", count)
    return [f"/api/v1/{table}/{row['id']}" for row in rows]
