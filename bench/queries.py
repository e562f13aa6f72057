"""A census of the SQL each benchmarked request issues, from the app itself, in-process.

    python -m bench.queries

Round trips are what a request costs on the database side and, through SQLAlchemy and
asyncpg, much of what it costs in Python: the census shows which endpoints make extra
ones (one query per listed item, re-reading what was just read). It runs the app with
httpx's ASGI transport on the bench database and counts statements with a SQLAlchemy
``before_cursor_execute`` listener; nothing in the app changes.
"""

import asyncio
import re
import secrets
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import event

from app.config import Settings
from app.identity.security import create_access_token
from app.main import create_app
from bench import pools, workload
from bench.database import BenchDatabase
from bench.load_data import LoadPlan, as_uuid, bench_users

SPACE = re.compile(r"\s+")
JSON = "application/json"
# The reads whose main query (after the caller's user) gets an EXPLAIN ANALYZE.
EXPLAINED = (
    "get", "list_two_filters", "list_page_n", "search", "tasks_mine", "stats_category",
    "party_timeline",
)  # fmt: skip


async def census(db: BenchDatabase, plan: LoadPlan) -> dict[str, dict[str, Any]]:
    secret = secrets.token_urlsafe(48)
    settings = Settings(
        env="production",
        database_url=db.url,
        secret_key=secret,
        run_scheduler=False,
        log_json=True,
        _env_file=None,
    )  # type: ignore[call-arg]
    connection = await db.connect()
    try:
        users = await bench_users(connection)
        record_id = (await pools.sample_ids(connection, 1))[0]
        body = (await workload.post_bodies(connection, plan.seed, 1))[0]
        kinds = [t for t in ("approvals", "cases") if await connection.fetchval(
            "SELECT to_regclass($1) IS NOT NULL", t)]  # fmt: skip
        timeline = await workload.timeline_paths(connection, kinds, 2)
        handler_department = await connection.fetchval(
            "SELECT department_id FROM users WHERE username = 'bench-handler'"
        )
    finally:
        await connection.close()
    pool = await pools.add_dispatched(
        db,
        plan,
        1,
        prefix="BQ",
        handler=users["bench-handler"],
        department=as_uuid(handler_department),
    )
    tokens = {name: create_access_token(settings, person.id)[0] for name, person in users.items()}
    statements: list[str] = []
    bound: list[tuple[str, Any]] = []
    application = create_app(settings)
    found: dict[str, dict[str, Any]] = {}
    try:
        async with application.router.lifespan_context(application):
            engine = application.state.engine

            def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
                statements.append(SPACE.sub(" ", statement)[:160])
                bound.append((statement, parameters))

            event.listen(engine.sync_engine, "before_cursor_execute", record)
            transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

                async def call(name: str, method: str, url: str, user: str, **kw: Any) -> Any:
                    statements.clear()
                    bound.clear()
                    headers = {"Authorization": f"Bearer {tokens[user]}", "Content-Type": JSON}
                    answer = await client.request(method, url, headers=headers, **kw)
                    found[name] = {
                        "status": answer.status_code,
                        "statements": len(statements),
                        "sql": list(statements),
                    }
                    if name in EXPLAINED and len(bound) > 1:
                        found[name]["plan"] = await explain(db, *bound[1])
                    return answer

                operator = "bench-operator"
                await call("get", "GET", f"{workload.LIST}/{record_id}", operator)
                await call("list_two_filters", "GET", workload.two_filter_paths(1)[0], operator)
                cursor = (
                    await client.get(
                        workload.LIST, headers={"Authorization": f"Bearer {tokens[operator]}"}
                    )
                ).json()["next_cursor"]
                await call(
                    "list_page_n",
                    "GET",
                    f"{workload.LIST}?{urlencode({'cursor': cursor})}",
                    operator,
                )
                await call("search", "GET", workload.search_paths(plan.seed, 1)[0], operator)
                await call("tasks_mine", "GET", "/api/v1/tasks/mine", "bench-handler")
                await call("stats_category", "GET", workload.stats_path("category"), operator)
                for path in timeline[:1]:
                    await call("party_timeline", "GET", path, "bench-supervisor")
                await call("create", "POST", workload.LIST, "bench-intake", content=body)
                await call(
                    "sign", "POST", f"{workload.LIST}/{pool[0]}/actions/sign", "bench-handler"
                )
    finally:
        await pools.reset(db)
    return found


async def explain(db: BenchDatabase, statement: str, parameters: Any) -> list[str]:
    """The plan PostgreSQL runs for a read, with the values the app bound, and its timing."""
    connection = await db.connect()
    try:
        rows = await connection.fetch(
            f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}", *(parameters or ())
        )
        return [row[0] for row in rows]
    finally:
        await connection.close()


def main() -> None:
    found = asyncio.run(census(BenchDatabase.from_env(), LoadPlan.from_env()))
    for name, figures in found.items():
        print(f"{name}: HTTP {figures['status']}, {figures['statements']} statements")
        for statement in figures["sql"]:
            print(f"    {statement}")
        for line in figures.get("plan", []):
            print(f"      | {line}")


if __name__ == "__main__":
    main()
