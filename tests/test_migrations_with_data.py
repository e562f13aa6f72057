"""The latest migrations go down and up again on a database full of records, losing nothing.

A database of its own is built by ``alembic upgrade head`` and filled through the API:
tickets, an approval application and enforcement cases moved through several actions, with
their hash-chained events, outbox rows and a file. Every table is read whole; then, for each
of the last few revisions, the database goes down below it and back up to head. After each
round trip every row must be as it was, column for column (a column a migration adds and
backfills must be backfilled to the same values), the audit chains must verify, and the app
must go on serving and acting on the old records.

A round trip stops short of a revision whose downgrade drops a table that holds rows:
which revision that is comes from the data and the migrations, not from a list here.
"""

import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from httpx import ASGITransport, AsyncClient
from sqlalchemy import Connection, inspect, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.sql import sqltypes

from app.config import Settings
from app.main import create_app
from tests.approval_hall import application_body, make_hall
from tests.case_bureau import make_bureau
from tests.conftest import DATABASE_URL, IS_POSTGRES, ROOT, World, run_alembic
from tests.factories import ticket_body

DEPTH = 3  # how many of the latest revisions are taken down and up again
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 300
Rows = list[dict[str, Any]]
Snapshot = dict[str, Rows]


@asynccontextmanager
async def _private_database() -> AsyncIterator[str]:
    """A database for this test alone, beside the suite's (same server for PostgreSQL)."""
    if not IS_POSTGRES:
        folder = tempfile.mkdtemp(prefix="govflow-migrations-")
        yield f"sqlite+aiosqlite:///{folder}/with-data.db"
        shutil.rmtree(folder, ignore_errors=True)
        return
    url = make_url(DATABASE_URL)
    name = f"{url.database}_migdata"
    server = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await server.dispose()


def _latest_targets() -> list[tuple[str, str]]:
    """(revision, the revision below it) for the latest DEPTH revisions, newest first."""
    scripts = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))
    [head] = scripts.get_heads()
    targets = []
    for script in list(scripts.walk_revisions("base", head))[:DEPTH]:
        below = script.down_revision
        assert below is None or isinstance(below, str), "a merge revision: walk each branch"
        targets.append((script.revision, below or "base"))
    return targets


# Not records: the migrations' own bookkeeping, the tokens of per-process caches
# (app/core/process_cache.py), whose loss only makes each process read its copies again,
# and the statistics' rollups, counted again from the records by the migration that
# makes them (app/records/rollups.py).
NOT_RECORDS = {"alembic_version", "cache_versions", "ticket_rollups", "rollup_watermarks"}


def _read_everything(connection: Connection) -> Snapshot:
    """Every row of every table, ordered by primary key, as column -> stored value."""
    inspector = inspect(connection)
    snapshot: Snapshot = {}
    for table in sorted(inspector.get_table_names()):
        if table in NOT_RECORDS:
            continue
        key = inspector.get_pk_constraint(table)["constrained_columns"] or [
            column["name"] for column in inspector.get_columns(table)
        ]
        # JSON as its value: SQLite keeps the text, and a backfill may space it differently.
        json_columns = {
            column["name"]
            for column in inspector.get_columns(table)
            if isinstance(column["type"], sqltypes.JSON)
        }
        order = ", ".join(f'"{column}"' for column in key)
        result = connection.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}'))
        snapshot[table] = [
            {
                name: json.loads(value)
                if name in json_columns and isinstance(value, str)
                else value
                for name, value in row._mapping.items()
            }
            for row in result
        ]
    return snapshot


async def _snapshot(url: str) -> Snapshot:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        snapshot = await connection.run_sync(_read_everything)
    await engine.dispose()
    return snapshot


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    await engine.dispose()
    return set(names)


def _changes(before: Snapshot, now: Snapshot) -> list[str]:
    """What differs in the tables and columns both have: lost, added or altered rows."""
    changes = []
    for table in sorted(before.keys() & now.keys()):
        old, new = before[table], now[table]
        columns = (set(old[0]) & set(new[0])) if old and new else set()
        kept = [{c: row[c] for c in columns} for row in old]
        found = [{c: row[c] for c in columns} for row in new]
        if len(old) != len(new):
            changes.append(f"{table}: {len(old)} rows before, {len(new)} now")
        elif kept != found:
            altered = next(i for i, (a, b) in enumerate(zip(kept, found, strict=True)) if a != b)
            diff = {c: (kept[altered][c], found[altered][c]) for c in columns}
            diff = {c: values for c, values in diff.items() if values[0] != values[1]}
            changes.append(f"{table} row {altered}: {diff}")
    return changes


@asynccontextmanager
async def _running(settings: Settings, url: str) -> AsyncIterator[World]:
    application = create_app(settings.model_copy(update={"database_url": url}))
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application, client=("203.0.113.7", 50000))
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            yield World(application, http)


async def _fill(world: World) -> dict[str, Any]:
    """Records in several states, through the API, as the agency's people would leave them.

    Returns the administrator and, for each record, who reads it and which action (if any)
    it is given once the migrations have run.
    """
    admin = await world.user("admin", username="root-admin")
    desk = await world.department("CY-CG", name="朝阳城管", districts=["朝阳区"])
    operator = world.as_(await world.user("operator"))
    handler_person = await world.user("handler", department=desk)
    handler = world.as_(handler_person)
    tickets = []
    for _ in range(3):
        created = await operator.post("/api/v1/tickets", json=ticket_body())
        assert created.status_code == 201, created.text
        tickets.append(created.json()["id"])
    closed, dispatched, _ = tickets
    steps = [
        (operator, closed, "dispatch", {"department_id": str(desk["id"])}),
        (handler, closed, "sign", {}),
        (handler, closed, "reply", {"reply": "已清理摊贩", "resolution_mode": "service"}),
        (operator, closed, "close", {"satisfaction": "satisfied"}),
        (operator, dispatched, "dispatch", {"department_id": str(desk["id"])}),
    ]
    for api, ticket, action, body in steps:
        response = await api.post(f"/api/v1/tickets/{ticket}/actions/{action}", json=body)
        assert response.status_code == 200, response.text
    uploaded = await handler.post(
        f"/api/v1/tickets/{dispatched}/attachments",
        files={"file": ("现场.png", PNG, "image/png")},
        data={"kind": "photo"},
    )
    assert uploaded.status_code == 201, uploaded.text

    hall = await make_hall(world, admin)
    applications = []
    for _ in range(2):
        applied = await world.as_(hall["citizen"]).post(
            "/api/v1/approvals", json=application_body()
        )
        assert applied.status_code == 201, applied.text
        applications.append(applied.json()["id"])
    accepted = await world.as_(hall["clerk"]).post(
        f"/api/v1/approvals/{applications[0]}/actions/accept", json={}
    )
    assert accepted.status_code == 200, accepted.text

    bureau = await make_bureau(world)
    served = await bureau.served()
    registered = await bureau.create()
    return {
        "admin": admin,
        "records": {
            f"/api/v1/tickets/{dispatched}": (handler_person, "sign", {}),
            f"/api/v1/approvals/{applications[1]}": (hall["clerk"], "accept", {}),
            f"/api/v1/cases/{registered['id']}": (
                bureau.inspector,
                "file",
                {"officers": bureau.officers()},
            ),
            f"/api/v1/tickets/{closed}": (handler_person, None, None),
            f"/api/v1/approvals/{applications[0]}": (hall["clerk"], None, None),
            f"/api/v1/cases/{served['id']}": (bureau.inspector, None, None),
        },
    }


async def _read_records(world: World, filled: dict[str, Any]) -> dict[str, Any]:
    records = {}
    for url, (reader, _, _) in filled["records"].items():
        response = await world.as_(reader).get(url)
        assert response.status_code == 200, response.text
        records[url] = response.json()
    return records


async def _verified(world: World, admin: Any) -> dict[str, Any]:
    report = await world.as_(admin).get("/api/v1/audit/verify")
    assert report.status_code == 200, report.text
    result: dict[str, Any] = report.json()
    assert result["ok"] is True, result["broken_links"]
    return result


async def test_latest_migrations_go_down_and_up_on_a_full_database_without_loss(
    settings: Settings,
) -> None:
    targets = _latest_targets()
    async with _private_database() as url:
        await run_alembic(url, "upgrade", "head")
        tables_at = {"head": await _tables(url)}
        for _, below in targets:  # the shape of each revision, learnt on the empty database
            await run_alembic(url, "downgrade", below)
            tables_at[below] = await _tables(url)
        await run_alembic(url, "upgrade", "head")

        async with _running(settings, url) as world:
            filled = await _fill(world)
            served_before = await _read_records(world, filled)
            audit_before = await _verified(world, filled["admin"])
        before = await _snapshot(url)
        assert all(before[table] for table in ("tickets", "approvals", "cases", "events"))

        walked, dropped = [], set()
        for revision, below in targets:
            dropped = {t for t in tables_at["head"] - tables_at[below] if before.get(t)}
            if dropped:
                break  # going lower drops records by design
            await run_alembic(url, "downgrade", below)
            assert _changes(before, await _snapshot(url)) == [], f"down to {below}"
            await run_alembic(url, "upgrade", "head")
            after = await _snapshot(url)
            assert _changes(before, after) == [], f"down to {below} and up again"
            assert after == before, f"down to {below} and up again"
            walked.append(revision)
        # The newest revision may itself create tables that fill at once (0009: documents
        # issued by the actions the fill runs); going below it drops them by design.
        newest_creates = tables_at["head"] - tables_at[targets[0][1]]
        assert walked or dropped <= newest_creates, (
            f"no revision could be taken down: {targets} would drop {dropped}"
        )

        async with _running(settings, url) as world:
            assert await _read_records(world, filled) == served_before
            assert await _verified(world, filled["admin"]) == audit_before
            acted = 0
            for record_url, (actor, action, body) in filled["records"].items():
                if action is None:
                    continue
                events_url = f"{record_url}/events"
                chain = (await world.as_(filled["admin"]).get(events_url)).json()["items"]
                response = await world.as_(actor).post(f"{record_url}/actions/{action}", json=body)
                assert response.status_code == 200, response.text
                extended = (await world.as_(filled["admin"]).get(events_url)).json()["items"]
                assert [e["action"] for e in extended] == [e["action"] for e in chain] + [action]
                acted += 1
            audit_after = await _verified(world, filled["admin"])
            assert audit_after["events_checked"] == audit_before["events_checked"] + acted
