"""The soak run's figures per window, its verdict and the printed table."""

import argparse
import itertools
import math
from collections import Counter
from typing import Any

from _soak_traffic import MAX_CLIENT_SOCKETS, Answer

# Descriptors other than client and database sockets a worker may gain after warming up.
OTHER_FD_SLACK = 2


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least ``share`` of the values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(answers: list[Answer]) -> dict[str, Any]:
    latencies = [a.latency * 1000 for a in answers if a.status > 0]
    errors = Counter(str(a.status) for a in answers if not (200 <= a.status < 300 or a.intended))
    return {
        "requests": len(answers),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies, default=math.nan), 1),
        "intended_409_412": sum(a.intended for a in answers),
        "errors": dict(errors),
    }


def windows(answers: list[Answer], samples: list[dict[str, Any]], width: float) -> list[Any]:
    """One row per window of ``width`` seconds, with the resources sampled at its end."""
    return [
        {
            "window": f"{index * width:.0f}-{(index + 1) * width:.0f} s",
            **summary([a for a in answers if index * width <= a.at < (index + 1) * width]),
            **resources(after),
            "cpu_percent": cpu_percent(before, after),
        }
        for index, (before, after) in enumerate(itertools.pairwise(samples))
    ]


def cpu_percent(before: dict[str, Any], after: dict[str, Any]) -> list[float | None]:
    """Each worker's CPU use between two samples, in percent of one core."""
    elapsed = after["at"] - before["at"]
    shares: list[float | None] = []
    for pid, worker in after["workers"].items():
        previous = before["workers"].get(pid, {}).get("cpu_seconds")
        used = worker["cpu_seconds"]
        ok = previous is not None and used is not None and elapsed > 0
        shares.append(round(100 * (used - previous) / elapsed) if ok else None)
    return shares


def operations(answers: list[Answer]) -> dict[str, Any]:
    """The whole run by operation, slowest p99 first."""
    by_operation: dict[str, list[Answer]] = {}
    for answer in answers:
        by_operation.setdefault(answer.operation, []).append(answer)
    rows = {operation: summary(found) for operation, found in by_operation.items()}
    return dict(sorted(rows.items(), key=lambda item: -(item[1]["p99_ms"] or 0)))


def resources(sample: dict[str, Any]) -> dict[str, Any]:
    workers = sample["workers"].values()
    return {
        "rss_mb": [round(w["rss_mb"], 1) if w["rss_mb"] else None for w in workers],
        "fds": [w["fds"]["total"] if w["fds"] else None for w in workers],
        "db_connections": sum(sample["db_connections"].values()),
        "db_by_state": sample["db_connections"],
        "load_average": sample["load_average"],
    }


def _check(name: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "ok": bool(ok), "detail": detail}


def judge(results: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    rows, samples = results["windows"], results["samples"]
    first, last = rows[0], rows[-1]
    # From the end of the second window: caches (compiled statements, schemas) fill in the first.
    warm = samples[2] if len(samples) > 3 else samples[1]
    end = samples[-1]
    errors = sum(sum(row["errors"].values()) for row in [results["warmup"], *rows])
    races = results["races"]
    p99_limit = max(args.p99_factor * first["p99_ms"], first["p99_ms"] + args.p99_slack_ms)

    growth = {}
    fds_other, fds_db, fds_clients = {}, 0, 0
    for pid, worker in end["workers"].items():
        before = warm["workers"].get(pid)
        if before and before["rss_mb"] and worker["rss_mb"]:
            growth[pid] = round(worker["rss_mb"] - before["rss_mb"], 1)
        if before and before["fds"] and worker["fds"]:
            fds_other[pid] = (before["fds"]["other"], worker["fds"]["other"])
    for sample in samples:
        for worker in sample["workers"].values():
            if worker["fds"]:
                fds_db = max(fds_db, worker["fds"]["database"])
                fds_clients = max(fds_clients, worker["fds"]["clients"])
    max_db = max(sum(s["db_connections"].values()) for s in samples)
    pool_limit = args.workers * args.pool_size
    log = results["server_log"]
    background = {**log["background_pool"], **log["background_errors"]}
    lost = results["nothing_lost"]
    pids = results["workers"]
    return [
        _check(
            "no answers but 2xx and the intended 409/412",
            errors == 0,
            f"{errors} unexpected of {results['requests']} requests (warm-up included)",
        ),
        _check(
            "every race had one winner, the other side 409/412",
            races["sent"] > 0 and races["other"] == 0,
            f"{races['sent']} races, {races['one_winner']} clean, {races['other']} not",
        ),
        _check(
            "p99 flat: last window <= max(factor x first, first + slack)",
            last["p99_ms"] <= p99_limit,
            f"first {first['p99_ms']} ms, last {last['p99_ms']} ms, limit {p99_limit:.1f} ms",
        ),
        _check(
            f"memory flat: RSS growth after the second window <= {args.rss_growth_mb} MB a worker",
            len(growth) == args.workers and all(g <= args.rss_growth_mb for g in growth.values()),
            f"growth {list(growth.values())} MB",
        ),
        _check(
            "file descriptors not growing",
            len(fds_other) == args.workers
            and all(after <= before + OTHER_FD_SLACK for before, after in fds_other.values())
            and fds_db <= args.pool_size
            and fds_clients <= MAX_CLIENT_SOCKETS,
            f"other fds (second window -> end) {list(fds_other.values())}, "
            f"most database sockets in a worker {fds_db} (pool {args.pool_size}), "
            f"most client sockets {fds_clients}",
        ),
        _check(
            "no connection-pool exhaustion",
            max_db <= pool_limit and not log["requests_pool"],
            f"most database connections {max_db} (limit {pool_limit}); pool timeouts and "
            f"503s in the log of requests: {log['requests_pool'] or 'none'}",
        ),
        _check(
            "no unhandled errors in the server log",
            not log["requests_errors"],
            f"requests: {log['requests_errors'] or 'none'}",
        ),
        _check(
            "background jobs logged no failures",
            not background,
            f"sweeper and webhook delivery: {background or 'none'}",
        ),
        _check(
            "nothing acknowledged lost, nothing refused written",
            lost["acknowledged"] == lost["found"]
            and lost["refused_but_recorded"] == 0
            and lost["state_mismatches"] == 0,
            f"acknowledged {lost['acknowledged']}, found {lost['found']}; refused "
            f"{lost['refused']}, of them recorded {lost['refused_but_recorded']}; "
            f"stored state differs for {lost['state_mismatches']} records",
        ),
        _check(
            "workers never restarted",
            pids["at_start"] == pids["at_end"]
            and all(sorted(map(int, s["workers"])) == pids["at_start"] for s in samples),
            f"pids {pids['at_start']} -> {pids['at_end']}",
        ),
    ]


def _pair(values: list[Any]) -> str:
    return " / ".join("-" if v is None else f"{v:g}" for v in values)


def print_report(results: dict[str, Any]) -> None:
    settings = results["settings"]
    seconds = results["seconds"]
    print(
        f"soak: {settings['rate']:g} req/s for {settings['duration']:g} s, "
        f"{settings['workers']} workers, pool {settings['pool_size']}, "
        f"load average {results['load_average']['start'][0]:.2f} -> "
        f"{results['load_average']['end'][0]:.2f}; setup {seconds['setup']} s, "
        f"seeding {seconds['seeding']} s, all {seconds['total']} s"
    )
    header = (
        f"{'window':<12}{'requests':>9}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>9}{'409/412':>8}"
        f"{'errors':>8}  {'RSS MB per worker':<19}{'fds':<10}{'CPU %':<10}{'DB conns':>9}"
        f"{'load':>6}"
    )
    print(header)
    start = {**results["warmup"], "window": "warm-up", **resources(results["samples"][0])}
    for row in [start, *results["windows"]]:
        print(
            f"{row['window']:<12}{row['requests']:>9}{row['p50_ms']:>8}{row['p99_ms']:>8}"
            f"{row['max_ms']:>9}{row['intended_409_412']:>8}{sum(row['errors'].values()):>8}  "
            f"{_pair(row['rss_mb']):<19}{_pair(row['fds']):<10}"
            f"{_pair(row.get('cpu_percent', [])):<10}{row['db_connections']:>9}"
            f"{row['load_average']:>6}"
        )
    print("slowest operations (p99 over the run):")
    for operation, row in list(results["operations"].items())[:5]:
        print(
            f"  {operation:<50}{row['requests']:>7}{row['p50_ms']:>8}{row['p99_ms']:>8}"
            f"{row['max_ms']:>9}{sum(row['errors'].values()):>8}"
        )
    lost = results["nothing_lost"]
    for kind, figures in lost["by_kind"].items():
        print(
            f"{kind:<9} created {figures['created_acknowledged']} acknowledged / "
            f"{figures['created_found']} found; actions {figures['actions_acknowledged']} / "
            f"{figures['actions_found']}"
        )
    print(
        f"load generator: {results['requests']} requests, latest start "
        f"{results['max_start_lag_seconds'] * 1000:.0f} ms behind schedule, "
        f"{results['late_starts']} more than 100 ms behind"
    )
    races = results["races"]
    print(
        "races:",
        ", ".join(
            f"{action} {answers} x{n}"
            for action, counts in sorted(races["answers"].items())
            for answers, n in sorted(counts.items())
        )
        or "none",
    )
    stalls = results["stalls"]
    if stalls:
        worst = max(stalls, key=lambda s: sum(s["waits"].values()))
        print(f"database stalls: {len(stalls)} seconds with waiting transactions; worst {worst}")
    for example in results["unexpected"][:10]:
        print("unexpected:", example)
    for excerpt in results["server_log"]["excerpts"]:
        print("server log:", excerpt)
    for check in results["checks"]:
        print(("PASS " if check["ok"] else "FAIL ") + f"{check['name']}: {check['detail']}")
