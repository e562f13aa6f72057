"""The A/B pass: the same scenarios on a second server with one lever switched off.

Each lever is one line of ``LEVERS``: its name, the environment that switches it off,
and the scenarios it affects (names, or patterns such as ``stats_*``). The lever-off
server runs ``/healthz`` and those scenarios with the first worker count, right after
the main pass; "on" is that pass's own figures, so both sides carry rps, p99, the ratio
to their own server's ``/healthz`` and the workers' CPU µs per request.
"""

import asyncio
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from bench import pools, wrk
from bench.scenarios import reads
from bench.server import Server

if TYPE_CHECKING:
    from bench.run import Bench

LEVERS: tuple[tuple[str, dict[str, str], tuple[str, ...]], ...] = (
    (
        "core_reads",  # the ORM read path instead of the Core one
        {"GOVFLOW_CORE_READS": "false"},
        ("get", "get_approval", "get_case", "list_*", "search", "tasks_mine"),
    ),
    (
        "gc_tuning",  # CPython's collector defaults: full passes over the start-up heap
        {"GOVFLOW_GC_TUNING": "false"},
        ("get", "get_approval", "get_case", "list_*", "search", "tasks_mine"),
    ),
    (
        "stats_rollups",  # the live statistics query instead of the per-day rollups
        {"GOVFLOW_STATS_ROLLUPS": "false"},
        ("stats_*",),
    ),
)
FIGURES = ("rps", "p50_ms", "p99_ms", "ratio", "cpu_us_per_request", "errors", "requests")


def _wanted(name: str, patterns: tuple[str, ...]) -> bool:
    return name != "healthz" and any(fnmatchcase(name, pattern) for pattern in patterns)


def measure(bench: "Bench", workers: int, on: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every lever's scenarios with it off, beside ``on`` (the main pass's scenarios)."""
    found: dict[str, Any] = {}
    specs = reads(bench)
    for lever, environment, patterns in LEVERS:
        names = [name for name in specs if _wanted(name, patterns) and name in on]
        if not names:
            continue
        asyncio.run(pools.reset(bench.db))
        server = Server(
            workers, bench.server_environment() | environment, bench.workdir / f"ab-{lever}.log"
        )
        results: dict[str, wrk.Result] = {}
        try:
            server.start()
            print(f"bench: A/B {lever} off ({environment}), {workers} worker(s)", flush=True)
            bench.scenario(server, "warmup", bench.read_paths, wrk.Load(2, bench.connections, 3))
            results["healthz"] = bench.run_spec(server, "healthz", specs["healthz"])
            for name in names:
                results[name] = bench.run_spec(server, f"{lever}_off_{name}", specs[name])
        finally:
            server.stop()
        off = wrk.of_healthz(results)
        found[lever] = {
            "off_environment": environment,
            "workers": workers,
            "scenarios": {
                name: {
                    "on": {k: on[name].get(k) for k in FIGURES},
                    "off": {k: off[name].get(k) for k in FIGURES},
                }
                for name in ["healthz", *names]
            },
        }
    return found
