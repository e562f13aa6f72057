"""Scale-out, measured: the app through PgBouncer, and statistics on a streaming replica.

- ``pgbouncer``: the read and write scenarios with N workers through a PgBouncer in
  transaction mode (``GOVFLOW_DB_PGBOUNCER=true``), beside the same run's direct figures
  for the same worker count.
- ``replica``: the statistics and their export while ``create`` loads the primary, first
  with every read on the primary, then with ``GOVFLOW_READ_DATABASE_URL`` on a local
  streaming replica (``bench/replica.py``); the replica's lag is sampled throughout, and
  its transaction count shows it served the statistics.
"""

import asyncio
import threading
from typing import TYPE_CHECKING, Any

from bench import pools, workload, wrk
from bench.pgbouncer import PgBouncer
from bench.replica import Replica
from bench.server import Server

if TYPE_CHECKING:
    from bench.run import Bench

STATS_EXPORT = "/api/v1/stats/tickets/export?format=csv&group_by=category"


def measure_pgbouncer(bench: "Bench", workers: int) -> dict[str, Any]:
    asyncio.run(pools.reset(bench.db))
    pool_size = 20
    results: dict[str, wrk.Result] = {}
    with PgBouncer(bench.db.url, pool_size=pool_size) as bouncer:
        environment = bench.server_environment() | {
            "GOVFLOW_DATABASE_URL": bouncer.url(),
            "GOVFLOW_DB_PGBOUNCER": "true",
        }
        server = Server(workers, environment, bench.workdir / f"server-pgbouncer-{workers}.log")
        try:
            server.start()
            print(f"bench: {workers} worker(s) through PgBouncer on {server.base_url}", flush=True)
            bench.scenario(server, "warmup", bench.read_paths, wrk.Load(2, bench.connections, 3))
            results["healthz"] = bench.scenario(
                server, "healthz", ["/healthz"], bench.load, user=None
            )
            results["get"] = bench.scenario(server, "get", bench.read_paths, bench.load)
            results["list_two_filters"] = bench.scenario(
                server, "list_two_filters", workload.two_filter_paths(), bench.load
            )
            results["tasks_mine"] = bench.scenario(
                server, "tasks_mine", ["/api/v1/tasks/mine"], bench.load, user="bench-handler"
            )
            results["stats_category"] = bench.scenario(
                server, "stats_category", [workload.stats_path("category")], bench.one
            )
            results["create"] = bench.scenario(
                server, "create", bench.bodies, bench.load, user="bench-intake",
                mode="body", method="POST", path=workload.LIST,
            )  # fmt: skip
            results["sign"] = bench.scenario(
                server, "sign", bench.sign_paths(), bench.load, user="bench-handler",
                mode="sequence", method="POST",
            )  # fmt: skip
        finally:
            server.stop()
            asyncio.run(pools.reset(bench.db))
    return {
        "workers": workers,
        "pool_mode": "transaction",
        "default_pool_size": pool_size,
        "app_pool_size_per_worker": bench.server_environment().get("GOVFLOW_DB_POOL_SIZE", "10"),
        "scenarios": wrk.of_healthz(results),
    }


class LagSampler:
    """The replica's lag every half second while the scenarios run, in a thread."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self.samples: list[dict[str, Any]] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.done.is_set():
            self.samples.append(asyncio.run(self.replica.lag()))
            self.done.wait(0.5)

    def __enter__(self) -> "LagSampler":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        self.thread.join()

    def summary(self) -> dict[str, Any]:
        times = [s["replay_lag_ms"] for s in self.samples if s.get("replay_lag_ms") is not None]
        behind = [s["behind_bytes"] for s in self.samples if "behind_bytes" in s]
        return {
            "samples": len(self.samples),
            "streaming": all(s.get("state") == "streaming" for s in self.samples),
            "replay_lag_ms_max": max(times, default=None),
            "replay_lag_ms_mean": round(sum(times) / len(times), 1) if times else None,
            "behind_bytes_max": max(behind, default=None),
        }


def _under_write_load(
    bench: "Bench", server: Server, replica: Replica, label: str
) -> dict[str, Any]:
    """The statistics one after another while ``create`` runs on the primary throughout."""
    reads: list[tuple[str, str]] = [
        (f"stats_{g}", workload.stats_path(g)) for g in ("category", "department")
    ]
    reads.append(("stats_export", STATS_EXPORT))
    seconds = bench.stats_seconds * len(reads) + 4
    writes: dict[str, wrk.Result] = {}

    def write() -> None:
        writes["create"] = bench.scenario(
            server, f"{label}_create_under_reads", bench.bodies,
            wrk.Load(2, max(2, bench.connections // 2), seconds),
            user="bench-intake", mode="body", method="POST", path=workload.LIST, cpu=False,
        )  # fmt: skip

    writer = threading.Thread(target=write)
    results: dict[str, Any] = {}
    # What counting costs: the probe's own connection is a transaction or two on the replica.
    probe = -asyncio.run(replica.transactions()) + asyncio.run(replica.transactions())
    with LagSampler(replica) as lag:
        writer.start()
        for name, path in reads:
            before = asyncio.run(replica.transactions())
            result = bench.scenario(server, f"{label}_{name}", [path], bench.one, cpu=False)
            served = max(0, asyncio.run(replica.transactions()) - before - probe)
            results[name] = {**result.as_dict(), "replica_transactions": served}
        writer.join()
    results["create_under_reads"] = writes["create"].as_dict()
    return {"scenarios": results, "lag": lag.summary()}


def measure_replica(bench: "Bench", workers: int) -> dict[str, Any]:
    replica = Replica(bench.db)
    found: dict[str, Any] = {"workers": workers}
    try:
        replica.start()
        print(f"bench: streaming replica on port {replica.port}", flush=True)
        for label, read_url in (("primary", None), ("replica", replica.url)):
            asyncio.run(pools.reset(bench.db))
            environment = bench.server_environment()
            if read_url:
                environment["GOVFLOW_READ_DATABASE_URL"] = read_url
            server = Server(workers, environment, bench.workdir / f"server-reads-{label}.log")
            try:
                server.start()
                print(f"bench: statistics read from the {label}, writes on the primary", flush=True)
                found[f"reads_on_{label}"] = _under_write_load(bench, server, replica, label)
                print(f"bench:   lag {found[f'reads_on_{label}']['lag']}", flush=True)
            finally:
                server.stop()
    finally:
        replica.stop()
        asyncio.run(pools.reset(bench.db))
    return found


def measure(bench: "Bench", workers: int) -> dict[str, Any]:
    return {
        "pgbouncer": measure_pgbouncer(bench, workers),
        "replica": measure_replica(bench, workers),
    }
