"""Soak run: steady mixed traffic on PostgreSQL, watched for creeping latency, memory, file
descriptors and database connections, then checked for anything acknowledged but lost.

Creates a database of its own on a PostgreSQL server (``gf_soak_<unique>`` unless
``--database`` or ``GOVFLOW_SOAK_DATABASE`` names one), drops it when done, runs the
migrations, starts the app as deployed (uvicorn, uvloop, httptools, two workers,
production settings) on a loopback port, seeds a city through the API, and drives
open-loop traffic from this process: 70% reads, 30% creations and workflow actions over
tickets, approvals and cases, with a few intended races (409/412). After a warm-up,
every window it records each request's status and latency, each worker's memory, CPU
and open descriptors, and the database's connections; every second, what the app's
transactions wait on when several wait. At the end it checks every acknowledged write
is stored, prints the table and the verdict (rules in docs/reliability.md), and exits
non-zero when a check fails.

    python scripts/soak.py [--rate 40] [--duration 300] [--window 30] [--json PATH]
"""

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from random import Random
from typing import Any

import httpx
from _loopback import (
    AppServer,
    ScratchDatabase,
    connections_by_state,
    cpu_seconds,
    free_port,
    log_problems,
    migrate,
    open_fds,
    production_env,
    reachable,
    rss_mb,
    waits,
)
from _soak_flows import Flows
from _soak_report import cpu_percent, judge, operations, print_report, summary, windows
from _soak_seed import build_city
from _soak_traffic import Traffic
from _soak_verify import verify_nothing_lost

ADMIN_PASSWORD = "soak-admin-password-0123456789"
# Seconds in which this many transactions of the app waited (on a lock, the disk, the
# app) are listed with what they waited for.
STALL_WAITERS = 3


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=40, help="requests a second (default 40)")
    parser.add_argument("--duration", type=float, default=300, help="seconds of traffic")
    parser.add_argument("--window", type=float, default=30, help="seconds per window")
    parser.add_argument(
        "--warmup", type=float, default=15, help="seconds of traffic before the first window"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool-size", type=int, default=10, help="GOVFLOW_DB_POOL_SIZE")
    parser.add_argument("--race-share", type=float, default=0.03, help="of the writes")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument(
        "--database",
        default=os.environ.get("GOVFLOW_SOAK_DATABASE") or f"gf_soak_{uuid.uuid4().hex[:12]}",
        help="created afresh and dropped at the end; must start with gf_soak "
        "(GOVFLOW_SOAK_DATABASE; default: a name of its own per run)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("GOVFLOW_SOAK_POSTGRES", "127.0.0.1:5432"),
        help="host:port of the PostgreSQL server, user postgres (GOVFLOW_SOAK_POSTGRES)",
    )
    parser.add_argument(
        "--private-cluster",
        action="store_true",
        help="start a throwaway PostgreSQL cluster instead (as scripts/fault_db_restart.py)",
    )
    parser.add_argument("--no-scheduler", action="store_true", help="GOVFLOW_RUN_SCHEDULER=false")
    parser.add_argument("--p99-factor", type=float, default=1.5)
    parser.add_argument("--p99-slack-ms", type=float, default=50)
    parser.add_argument("--rss-growth-mb", type=float, default=20)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log here")
    return parser.parse_args(argv)


@contextlib.contextmanager
def postgres(args: argparse.Namespace) -> Iterator[tuple[str, int]]:
    if not args.private_cluster:
        host, _, port = args.postgres.rpartition(":")
        if not reachable(host, int(port)):
            raise SystemExit(f"PostgreSQL is not reachable at {args.postgres}")
        yield host, int(port)
        return
    # Imported here: it looks for the PostgreSQL binaries when imported.
    from fault_db_restart import Cluster

    folder = Path(tempfile.mkdtemp(prefix="govflow-soak-pg-"))
    cluster = Cluster(folder, free_port())
    cluster.init()
    cluster.start()
    try:
        yield "127.0.0.1", cluster.port
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def sample(server: AppServer, database: ScratchDatabase, monitor: Any) -> dict[str, Any]:
    workers = server.worker_pids()
    return {
        "workers": {
            str(pid): {
                "cpu_seconds": cpu_seconds(pid),
                "rss_mb": rss_mb(pid),
                "fds": open_fds(pid, server.port, database.port),
            }
            for pid in workers
        },
        "db_connections": await connections_by_state(monitor, database.name),
        "load_average": round(os.getloadavg()[0], 2),
    }


async def soak(
    args: argparse.Namespace, database: ScratchDatabase, server: AppServer
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
        seed_started = time.monotonic()
        city = await build_city(http, ADMIN_PASSWORD)
        seeding_seconds = time.monotonic() - seed_started
    rng = Random(args.seed)
    traffic = Traffic(
        city, server.base_url, rng, Flows(city, rng, f"S{args.seed}"), race_share=args.race_share
    )
    monitor = await database.connect("postgres")
    # Cold code paths, statement caches and the pools fill up here, reported apart.
    before_warmup = {"at": -args.warmup, **await sample(server, database, monitor)}
    await traffic.run(args.rate, args.warmup)
    warmup, traffic.answers = traffic.answers, []
    samples = [{"at": 0.0, **await sample(server, database, monitor)}]

    stalls: list[dict[str, Any]] = []

    async def watch() -> None:
        started = time.monotonic()
        for k in range(1, int(-(-args.duration // args.window)) + 1):
            await asyncio.sleep(max(0.0, started + k * args.window - time.monotonic()))
            samples.append({"at": k * args.window, **await sample(server, database, monitor)})

    async def watch_waits() -> None:
        """Every second: transactions waiting on anything but their own query running."""
        started = time.monotonic()
        while True:
            await asyncio.sleep(1)
            found = await waits(waits_monitor, database.name)
            if sum(n for wait, n in found.items() if wait != "running") >= STALL_WAITERS:
                stalls.append({"at": round(time.monotonic() - started, 1), "waits": found})

    waits_monitor = await database.connect("postgres")
    wait_watcher = asyncio.create_task(watch_waits())
    try:
        watcher = asyncio.create_task(watch())
        await traffic.run(args.rate, args.duration)
        await watcher
    finally:
        wait_watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await wait_watcher
        await waits_monitor.close()
        await traffic.close()
        await monitor.close()
    return {
        "seeding_seconds": round(seeding_seconds, 1),
        "warmup": warmup,
        "before_warmup": before_warmup,
        "traffic": traffic,
        "samples": samples,
        "stalls": stalls,
        "nothing_lost": await verify_nothing_lost(database, traffic),
    }


async def drop(database: ScratchDatabase) -> None:
    connection = await database.connect("postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
    finally:
        await connection.close()


def run_on(
    args: argparse.Namespace, database: ScratchDatabase, folder: Path, started: float
) -> tuple[dict[str, Any], AppServer, tuple[float, list[int], list[int]]]:
    """Migrate, start the app as deployed, soak it, stop it."""
    env = production_env(
        database.app_url,
        admin_password=ADMIN_PASSWORD,
        db_pool_size=str(args.pool_size),
        run_scheduler="false" if args.no_scheduler else "true",
        access_token_minutes=str(min(24 * 60, int(args.duration / 60) + 30)),
    )
    migrate(env)
    server = AppServer(env, folder / "app.log", workers=args.workers)
    try:
        server.start()
        setup_seconds = time.monotonic() - started
        pids_at_start = server.worker_pids()
        outcome = asyncio.run(soak(args, database, server))
        pids_at_end = server.worker_pids()
    finally:
        server.stop()
    return outcome, server, (setup_seconds, pids_at_start, pids_at_end)


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    folder = Path(tempfile.mkdtemp(prefix="govflow-soak-"))
    try:
        return soak_and_report(args, folder)
    except BaseException:
        _print_log_tail(folder / "app.log")
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _print_log_tail(log: Path, lines: int = 80) -> None:
    """What the server said before a failed run, since its folder goes with the run."""
    if log.exists():
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        print(f"--- the last {len(tail)} lines of the server's log ---", file=sys.stderr)
        print("\n".join(tail), file=sys.stderr)


def soak_and_report(args: argparse.Namespace, folder: Path) -> int:
    load_at_start = os.getloadavg()
    started = time.monotonic()
    with postgres(args) as (host, port):
        database = ScratchDatabase(host, port, args.database)
        asyncio.run(database.reset())
        try:
            outcome, server, timings = run_on(args, database, folder, started)
        finally:
            asyncio.run(drop(database))
    setup_seconds, pids_at_start, pids_at_end = timings
    load_at_end = os.getloadavg()
    traffic: Traffic = outcome["traffic"]
    results = {
        "settings": {
            "rate": args.rate,
            "duration": args.duration,
            "window": args.window,
            "warmup": args.warmup,
            "workers": args.workers,
            "pool_size": args.pool_size,
            "race_share": args.race_share,
            "scheduler": not args.no_scheduler,
            "database": f"{database.host}:{database.port}/{database.name}",
            "seed": args.seed,
        },
        "load_average": {"start": list(load_at_start), "end": list(load_at_end)},
        "seconds": {
            "setup": round(setup_seconds, 1),
            "seeding": outcome["seeding_seconds"],
            "total": round(time.monotonic() - started, 1),
        },
        "requests": len(outcome["warmup"]) + len(traffic.answers),
        "max_start_lag_seconds": round(traffic.max_start_lag, 3),
        "late_starts": traffic.late_starts,
        "warmup": {
            **summary(outcome["warmup"]),
            "cpu_percent": cpu_percent(outcome["before_warmup"], outcome["samples"][0]),
        },
        "windows": windows(traffic.answers, outcome["samples"], args.window),
        "operations": operations(outcome["warmup"] + traffic.answers),
        "samples": outcome["samples"],
        "stalls": outcome["stalls"],
        "races": {**traffic.races, "answers": traffic.race_answers},
        "unexpected": traffic.unexpected,
        "nothing_lost": outcome["nothing_lost"],
        "server_log": log_problems(server.log_path),
        "workers": {"at_start": pids_at_start, "at_end": pids_at_end},
    }
    results["checks"] = judge(results, args)
    print_report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if args.keep_log:
        shutil.copy(server.log_path, args.keep_log)
    if all(check["ok"] for check in results["checks"]):
        return 0
    _print_log_tail(server.log_path)
    return 1


if __name__ == "__main__":
    sys.exit(main())
