"""``make bench``: load, serve as deployed, drive with wrk, report against issue 20's targets.

    python -m bench.run

Environment (all optional):
    GOVFLOW_BENCH_DATABASE_URL  postgresql+asyncpg://postgres@127.0.0.1:5432/govflow_bench
    BENCH_TICKETS=1000000       loaded tickets (10000 for the small comparison run)
    BENCH_SECONDS=10            per scenario; BENCH_STATS_SECONDS=3 per statistic (each
                                grouping over each kind of period, bench/scenarios.py)
    BENCH_CONNECTIONS=16        wrk connections (2 threads); statistics use one
    BENCH_WORKERS=1,2           uvicorn worker counts, one server each
    BENCH_EXPORT=1              time the full CSV export (on the first worker count)
    BENCH_PROFILE=1             py-spy profiles of the hot endpoints after measuring
    BENCH_SIGN_POOL=20000       dispatched tickets made for the ``sign`` scenario
    BENCH_ACTION_POOL=3000      submitted approvals (``accept``) and registered cases (``file``)
    BENCH_AB=1                  the A/B pass: read scenarios again on a server with one lever
                                off (bench/ab.py LEVERS), beside the same run's figures
    BENCH_RELOAD=1              load again even if the same data is there
    BENCH_SCALE_OUT=1           the same scenarios through PgBouncer, and statistics on a
                                streaming replica while writes load the primary
    BENCH_SCALE_OUT_WORKERS=2   uvicorn workers for those (default: the most of BENCH_WORKERS)

Every scenario reports the serving workers' own CPU time per request (``/proc/<pid>/stat``),
steadier than throughput on a shared machine.

Every figure of a run comes from the same minutes on the same machine; the ratios to
``/healthz`` are what compare across runs on a noisy machine. The harness exits non-zero
only when it fails itself, never for a missed target.
"""

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app.config import Settings
from app.identity.security import create_access_token
from bench import ab, kind_pools, pgbench, pools, report, scale_out, workload, wrk
from bench.database import BenchDatabase, server_facts
from bench.export import measure_export
from bench.load_data import LoadPlan, as_uuid, bench_users, ensure_loaded, read_reference
from bench.profiling import profile_scenario, py_spy
from bench.queries import census
from bench.scenarios import Spec, reads, writes
from bench.server import Server


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)).replace("_", ""))


class Bench:
    def __init__(self) -> None:
        self.db = BenchDatabase.from_env()
        self.plan = LoadPlan.from_env()
        self.seconds = float(os.environ.get("BENCH_SECONDS", "10"))
        self.stats_seconds = float(os.environ.get("BENCH_STATS_SECONDS", "3"))
        self.connections = _env_int("BENCH_CONNECTIONS", 16)
        self.workers = [int(w) for w in os.environ.get("BENCH_WORKERS", "1,2").split(",") if w]
        # PgBouncer and a streaming replica (bench/scale_out.py), with this many workers.
        self.scale_out = os.environ.get("BENCH_SCALE_OUT", "1") == "1"
        self.scale_out_workers = _env_int("BENCH_SCALE_OUT_WORKERS", max(self.workers or [2]))
        self.export = os.environ.get("BENCH_EXPORT", "1") == "1"
        self.profile = os.environ.get("BENCH_PROFILE", "1") == "1" and py_spy() is not None
        self.sign_pool = _env_int("BENCH_SIGN_POOL", 20_000)
        self.action_pool = _env_int("BENCH_ACTION_POOL", 3_000)
        self.ab = os.environ.get("BENCH_AB", "1") == "1"
        self.deep_paths: list[str] = []
        self.workdir = Path(
            os.environ.get("BENCH_WORKDIR") or tempfile.mkdtemp(prefix="govflow-bench-")
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.secret = secrets.token_urlsafe(48)
        self.load = wrk.Load(threads=2, connections=self.connections, seconds=self.seconds)
        self.one = wrk.Load(
            threads=1, connections=1, seconds=self.stats_seconds, timeout_seconds=60
        )

    def server_environment(self) -> dict[str, str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("GOVFLOW_") or key == "GOVFLOW_DB_POOL_SIZE"
        }
        return environment | {
            "GOVFLOW_ENV": "production",
            "GOVFLOW_DATABASE_URL": self.db.url,
            "GOVFLOW_SECRET_KEY": self.secret,
            "GOVFLOW_RUN_SCHEDULER": "false",
            "GOVFLOW_LOG_JSON": "true",
            "GOVFLOW_ADMIN_PASSWORD": secrets.token_urlsafe(24),
            "GOVFLOW_STORAGE_PATH": str(self.workdir / "storage"),
        }

    def token(self, user_id: Any) -> str:
        settings = Settings(
            env="production",
            database_url=self.db.url,
            secret_key=self.secret,
            access_token_minutes=24 * 60,
            _env_file=None,
        )  # type: ignore[call-arg]
        return create_access_token(settings, user_id)[0]

    async def prepare(self) -> None:
        connection = await self.db.connect()
        try:
            self.facts = await server_facts(connection)
            self.users = await bench_users(connection)
            self.reference = await read_reference(connection, self.plan.seed)
            self.kind_actors = await kind_pools.ensure_actors(connection)
            people = self.users | self.kind_actors.people
            self.tokens = {name: self.token(person.id) for name, person in people.items()}
            self.read_paths = await workload.read_paths(connection)
            self.bodies = await workload.post_bodies(connection, self.plan.seed)
            self.other_kinds = [
                table
                for table in ("approvals", "cases")
                if await connection.fetchval(
                    "SELECT reltuples > 0 FROM pg_class WHERE oid = to_regclass($1)", table
                )
            ]
            self.timeline_paths = await workload.timeline_paths(connection, self.other_kinds)
            self.kind_paths = {
                table: await kind_pools.read_paths(connection, table) for table in self.other_kinds
            }
            self.kind_bodies = {
                table[:-1]: await kind_pools.create_bodies(connection, table[:-1], self.kind_actors)
                for table in self.other_kinds
            }
            self.handler_department = as_uuid(
                await connection.fetchval(
                    "SELECT department_id FROM users WHERE username = 'bench-handler'"
                )
            )
        finally:
            await connection.close()

    def scenario(
        self,
        server: Server,
        name: str,
        lines: list[str],
        load: wrk.Load,
        *,
        user: str | None = "bench-operator",
        cpu: bool = True,
        **options: Any,
    ) -> wrk.Result:
        """One wrk run. ``cpu``: charge the workers' CPU time to it (not when another
        scenario runs at the same time)."""
        token = self.tokens[user] if user else None
        script = wrk.script(self.workdir, name, lines, token=token, threads=load.threads, **options)
        cpu_before = server.cpu_seconds()
        result = wrk.run(script, server.base_url, load)
        if cpu and result.requests:
            used = server.cpu_seconds() - cpu_before
            result.cpu_us_per_request = round(used * 1e6 / result.requests, 1)
        print(
            f"bench:   {name:28} {result.rps:9.1f} req/s  p50 {result.p50_ms:8.2f} ms  "
            f"p99 {result.p99_ms:8.2f} ms  errors {result.errors}"
            + (
                ""
                if result.cpu_us_per_request is None
                else f"  CPU {result.cpu_us_per_request:,.0f} us/req"
            ),
            flush=True,
        )
        return result

    def run_pgbench(self) -> dict[str, Any]:
        if shutil.which("pgbench") is None:
            print("bench: pgbench is not installed: no database ceiling", flush=True)
            return {"skipped": "pgbench is not installed (Debian: the postgresql package)"}
        clients = self.connections
        ids = [pools.pgbench_ticket_id(n) for n in range(clients * pools.PGBENCH_PER_CLIENT)]
        asyncio.run(
            pools.add_dispatched(
                self.db,
                self.plan,
                len(ids),
                prefix="BG",
                handler=self.users["bench-handler"],
                department=self.handler_department,
                ids=ids,
            )
        )
        try:
            result = pgbench.run(
                self.db, clients, 2, int(self.seconds), str(self.users["bench-handler"].id)
            )
        finally:
            asyncio.run(pools.reset(self.db))
        print(
            f"bench: pgbench sign transaction {result['rps']:.0f} tx/s, p99 {result['p99_ms']} ms",
            flush=True,
        )
        return result

    def run_spec(self, server: Server, name: str, spec: Spec, **extra: Any) -> wrk.Result:
        load = self.one if spec.one else self.load
        return self.scenario(
            server, name, spec.lines, load, user=spec.user, **spec.options, **extra
        )

    def measure(self, workers: int, first: bool) -> dict[str, Any]:
        asyncio.run(pools.reset(self.db))
        server = Server(workers, self.server_environment(), self.workdir / f"server-{workers}.log")
        results: dict[str, wrk.Result] = {}
        config: dict[str, Any] = {"loadavg_before": os.getloadavg()}
        try:
            server.start()
            print(f"bench: {workers} worker(s) on {server.base_url}", flush=True)
            warm = wrk.Load(2, self.connections, 3)
            self.scenario(server, "warmup", self.read_paths, warm)
            config["rss_mb"] = {"start": server.rss()}
            self.deep_paths, config["deep_walk_seconds"] = workload.deep_cursor_paths(
                server.base_url, self.tokens["bench-operator"]
            )
            # Statistics read rollups as the worker keeps them, every scheduler interval.
            config["rollup_refresh_seconds"] = self.db.refresh_rollups()
            for name, spec in reads(self).items():
                results[name] = self.run_spec(server, name, spec)
            if self.export and first:
                config["export"] = measure_export(server, self.tokens["bench-operator"])
                print(f"bench:   export {config['export']}", flush=True)
            actions = writes(self)
            for name, spec in actions.items():
                results[name] = self.run_spec(server, name, spec)
                config.setdefault("settle_seconds", {})[name] = server.settle()
            config["rss_mb"]["after"] = server.rss()
            for name in ("get", "list_two_filters", "search"):  # the same again: does RSS grow?
                self.scenario(server, f"repeat_{name}", self.read_lines(name), self.load)
            repeat = server.rss()
            config["rss_mb"]["repeat"] = repeat
            config["rss_mb"]["repeat_growth"] = round(
                max(
                    (repeat[pid] or 0) - (config["rss_mb"]["after"].get(pid) or 0) for pid in repeat
                ),
                1,
            )
            if self.profile and first:
                signs = actions["sign"].lines
                config["profiles"] = self.profiles(server, signs[results["sign"].requests + 64 :])
        finally:
            server.stop()
            asyncio.run(pools.reset(self.db))
        config["scenarios"] = wrk.of_healthz(results)
        config["rss_mb"] = {
            key: ({str(k): v for k, v in value.items()} if isinstance(value, dict) else value)
            for key, value in config["rss_mb"].items()
        }
        return config

    def read_lines(self, name: str) -> list[str]:
        return (self.workdir / f"{name}.lines").read_text(encoding="utf-8").splitlines()

    def sign_paths(self) -> list[str]:
        ids = asyncio.run(
            pools.add_dispatched(
                self.db,
                self.plan,
                self.sign_pool,
                prefix="BS",
                handler=self.users["bench-handler"],
                department=self.handler_department,
            )
        )
        return [f"{workload.LIST}/{record_id}/actions/sign" for record_id in ids]

    def profiles(self, server: Server, spare_signs: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        pid = server.worker_pids()[0]
        profile_load = wrk.Load(2, self.connections, 10)
        plans: list[tuple[str, list[str], dict[str, Any]]] = [
            ("get", self.read_lines("get"), {}),
            ("list_two_filters", self.read_lines("list_two_filters"), {}),
            ("search", self.read_lines("search"), {}),
            (
                "create",
                self.bodies,
                {"user": "bench-intake", "mode": "body", "method": "POST", "path": workload.LIST},
            ),
        ]
        if len(spare_signs) > 2000:
            plans.append(
                (
                    "sign",
                    spare_signs,
                    {"user": "bench-handler", "mode": "sequence", "method": "POST"},
                )
            )
        for name, lines, options in plans:
            found[name] = profile_scenario(
                pid,
                self.workdir / f"profile-{name}.txt",
                profile_load.seconds,
                lambda n=name, l=lines, o=options: self.scenario(  # noqa: E741
                    server, f"profile_{n}", l, profile_load, **o
                ),
            )
        return found

    def machine(self) -> dict[str, Any]:
        memory_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "?",
        )
        return {
            "nproc": os.cpu_count(),
            "cpu": cpu,
            "memory_gb": round(memory_kb / 1024**2, 1),
            "postgres": self.facts,
            "python": sys.version.split()[0],
            "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True)
            .stdout.split("\n")[0]
            .strip(),
        }

    def main(self) -> int:
        started = time.monotonic()
        ensure_loaded(self.db, self.plan)
        asyncio.run(pools.reset(self.db))
        vacuumed = time.monotonic()
        asyncio.run(pools.vacuum(self.db))
        print(f"bench: vacuumed in {time.monotonic() - vacuumed:.0f}s", flush=True)
        asyncio.run(self.prepare())
        run: dict[str, Any] = {
            "tickets": self.plan.tickets,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": self.machine(),
            "load": {
                "connections": self.connections,
                "threads": 2,
                "seconds": self.seconds,
                "stats_connections": 1,
                "stats_seconds": self.stats_seconds,
                "pool_size": os.environ.get("GOVFLOW_DB_POOL_SIZE", "10 (default)"),
            },
            "queries": asyncio.run(census(self.db, self.plan)),
            "pgbench": self.run_pgbench(),
            "configs": {},
        }
        for index, workers in enumerate(self.workers):
            run["configs"][str(workers)] = self.measure(workers, first=index == 0)
        if self.ab and self.workers:
            first = str(self.workers[0])
            run["ab"] = ab.measure(self, self.workers[0], run["configs"][first]["scenarios"])
        if self.scale_out:
            run["scale_out"] = scale_out.measure(self, self.scale_out_workers)
        run["elapsed_seconds"] = round(time.monotonic() - started)
        runs = report.save(run)
        print("\n" + report.table(run), flush=True)
        tables = self.workdir / "performance-tables.md"
        tables.write_text(report.markdown(runs), encoding="utf-8")
        print(f"\nbench: the Markdown tables for docs/performance.md: {tables}", flush=True)
        print(f"\nbench: wrote {report.RESULTS}; scripts, logs and profiles in {self.workdir}")
        return 0


if __name__ == "__main__":
    sys.exit(Bench().main())
