"""The issue's targets, checked against a run; the printed table; bench/results.json.

results.json keeps the latest run of each size (``runs["10000"]``, ``runs["1000000"]``),
so the list's p99 at 1,000,000 rows can be compared with its p99 at 10,000.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"
BIG, SMALL = "1000000", "10000"


@dataclass(frozen=True)
class Check:
    name: str
    target: str
    measured: str
    met: bool | None  # None: not measurable in this run

    def line(self) -> str:
        verdict = {True: "met", False: "MISSED", None: "n/a"}[self.met]
        return f"  {verdict:7} {self.name:48} target {self.target:14} measured {self.measured}"


def _scenario(config: dict[str, Any], name: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = config["scenarios"].get(name)
    return found


def checks(run: dict[str, Any], runs: dict[str, dict[str, Any]]) -> list[Check]:
    found: list[Check] = []
    big = str(run["tickets"]) == BIG
    for workers, config in run["configs"].items():
        tag = f"[{workers}w]"
        for name, share, label in (
            ("get", 0.20, "GET /tickets/{id} rps vs /healthz"),
            ("create", 0.08, "POST /tickets rps vs /healthz"),
            ("sign", 0.08, "sign action rps vs /healthz"),
        ):
            result = _scenario(config, name)
            if result:
                ratio = result["ratio"]
                found.append(
                    Check(f"{tag} {label}", f">= {share:.0%}", f"{ratio:.1%}", ratio >= share)
                )
        for name, limit, label, only_big in (
            ("list_two_filters", 50, "list with two filters, p99", False),
            ("list_page_51", 50, "list 50 pages deep (cursor), p99", False),
            ("search", 200, "keyword search, p99", True),
        ):
            result = _scenario(config, name)
            if result:
                met = result["p99_ms"] <= limit if (big or not only_big) else None
                found.append(
                    Check(f"{tag} {label}", f"<= {limit} ms", f"{result['p99_ms']:.1f} ms", met)
                )
        for name, result in config["scenarios"].items():
            if name.startswith("stats_"):
                met = result["max_ms"] <= 1000 if big else None
                found.append(
                    Check(
                        f"{tag} {name} (slowest of {result['requests']})",
                        "<= 1000 ms",
                        f"{result['max_ms']:.0f} ms",
                        met,
                    )
                )
        export = config.get("export")
        if export:
            complete = export["rows"] >= run["tickets"] and not export.get("error")
            measured = f"{export['rss_growth_mb']:.1f} MB in {export['seconds']:.0f} s"
            if not complete:
                measured += f", FAILED after {export['rows']:,} rows: {export.get('error')}"
            met = complete and export["rss_growth_mb"] < 50
            found.append(
                Check(f"{tag} export of all tickets, RSS growth", "< 50 MB", measured, met)
            )
        after = [mb for mb in config["rss_mb"]["after"].values() if mb]
        if after:
            found.append(
                Check(
                    f"{tag} RSS per worker after the run",
                    "< 250 MB",
                    f"{max(after):.0f} MB",
                    max(after) < 250,
                )
            )
        growth = config["rss_mb"].get("repeat_growth")
        if growth is not None:
            found.append(
                Check(
                    f"{tag} RSS growth over a repeated pass",
                    "none (< 5 MB)",
                    f"{growth:+.1f} MB",
                    growth < 5,
                )
            )
    if BIG in runs and SMALL in runs:
        for workers in runs[BIG]["configs"]:
            big_list = runs[BIG]["configs"][workers]["scenarios"].get("list_two_filters")
            small_config = runs[SMALL]["configs"].get(workers)
            small_list = small_config["scenarios"].get("list_two_filters") if small_config else None
            if big_list and small_list:
                ratio = big_list["p99_ms"] / small_list["p99_ms"]
                found.append(
                    Check(
                        f"[{workers}w] list p99 at 1,000,000 vs 10,000 rows",
                        "<= 1.5x",
                        f"{ratio:.2f}x",
                        ratio <= 1.5,
                    )
                )
    return found


def table(run: dict[str, Any]) -> str:
    lines = [
        f"govflow bench: {run['tickets']:,} tickets, {run['load']['connections']} connections, "
        f"{run['load']['seconds']:g} s per scenario; {run['machine']['nproc']} cores, "
        f"{run['machine']['memory_gb']} GB, PostgreSQL {run['machine']['postgres']['version']}",
        "",
        f"{'workers':>7} {'scenario':28} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
        f"{'/healthz':>9} {'errors':>7} {'CPU us/req':>10}",
    ]
    pg = run.get("pgbench")
    if pg and "rps" in pg:
        lines.append(
            f"{'db':>7} {'pgbench sign transaction':28} {pg['rps']:9.0f} "
            f"{pg['p50_ms']:9.2f} {pg['p99_ms']:9.2f} {'':>9} {'':>7}"
        )
    for workers, config in run["configs"].items():
        for name, result in config["scenarios"].items():
            lines.append(
                f"{workers:>7} {name:28} {result['rps']:9.1f} {result['p50_ms']:9.2f} "
                f"{result['p99_ms']:9.2f} {result['ratio']:9.1%} {result['errors']:7d} "
                f"{_cpu(result):>10}"
            )
        rss = config["rss_mb"]
        lines.append(
            f"{workers:>7} RSS MB per worker: start {_mb(rss['start'])}, after the run "
            f"{_mb(rss['after'])}, repeat growth {rss.get('repeat_growth')}"
        )
        export = config.get("export")
        if export:
            lines.append(
                f"{workers:>7} export csv: {export['rows']:,} rows, {export['megabytes']:.0f} MB "
                f"in {export['seconds']:.1f} s ({export['rows_per_second']:,.0f} rows/s), "
                f"RSS growth {export['rss_growth_mb']:.1f} MB"
                + (f", FAILED: {export['error']}" if export.get("error") else "")
            )
        if config.get("deep_walk_seconds"):
            walks = config["deep_walk_seconds"]
            lines.append(
                f"{workers:>7} 50-page walks (httpx, one client): "
                f"{min(walks):.2f}-{max(walks):.2f} s each"
            )
    lines += scale_out_lines(run.get("scale_out"))
    lines += ["", "targets (issue 9):"]
    lines += [check.line() for check in run["checks"]]
    return "\n".join(lines)


def _cpu(result: dict[str, Any]) -> str:
    value = result.get("cpu_us_per_request")
    return "-" if value is None else f"{value:,.0f}"


def scale_out_lines(scale: dict[str, Any] | None) -> list[str]:
    """PgBouncer beside the direct run, and statistics on the primary or the replica."""
    if not scale:
        return []
    lines = []
    bouncer = scale.get("pgbouncer")
    if bouncer:
        lines += ["", f"through PgBouncer (transaction mode), {bouncer['workers']} worker(s):"]
        for name, r in bouncer["scenarios"].items():
            ratio = "-" if r.get("ratio") is None else f"{r['ratio']:.1%}"
            lines.append(
                f"{'pgb':>7} {name:28} {r['rps']:9.1f} {r['p50_ms']:9.2f} {r['p99_ms']:9.2f} "
                f"{ratio:>9} {r['errors']:7d} {_cpu(r):>10}"
            )
    replica = scale.get("replica")
    if replica:
        lines += ["", f"statistics while create loads the primary, {replica['workers']} worker(s):"]
        for label in ("primary", "replica"):
            phase = replica.get(f"reads_on_{label}")
            if not phase:
                continue
            for name, r in phase["scenarios"].items():
                served = r.get("replica_transactions")
                lines.append(
                    f"{label:>7} {name:28} {r['rps']:9.1f} {r['p50_ms']:9.2f} "
                    f"{r['p99_ms']:9.2f} {'':>9} {r['errors']:7d}"
                    + ("" if served is None else f"  replica served {served} tx")
                )
            lag = phase["lag"]
            lines.append(
                f"{label:>7} replica lag: max {lag['replay_lag_ms_max']} ms (mean "
                f"{lag['replay_lag_ms_mean']} ms), at most {lag['behind_bytes_max']} bytes of "
                f"WAL behind, {lag['samples']} samples, streaming {lag['streaming']}"
            )
    return lines


def _mb(values: dict[str, float | None]) -> str:
    return "/".join(f"{v:.0f}" if v else "?" for v in values.values()) or "?"


def save(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Store this run under its size, next to the other sizes' latest runs."""
    stored: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            stored = json.loads(RESULTS.read_text())
        except ValueError:
            stored = {}
    runs: dict[str, dict[str, Any]] = stored.get("runs", {})
    runs[str(run["tickets"])] = run
    run["checks"] = [check.__dict__ for check in checks(run, runs)]
    RESULTS.write_text(
        json.dumps({"latest": str(run["tickets"]), "runs": runs}, indent=1, ensure_ascii=False)
    )
    run["checks"] = [Check(**check) for check in run["checks"]]
    return runs


def markdown(runs: dict[str, dict[str, Any]]) -> str:
    """The figures of every stored run as Markdown tables, for docs/performance.md."""
    out: list[str] = []
    for size in sorted(runs, key=int, reverse=True):
        run = runs[size]
        out.append(f"#### {int(size):,} tickets — run of {run['started_at']}\n")
        pg = run.get("pgbench")
        if pg and "rps" in pg:
            out.append(
                f"pgbench, the `sign` transaction's statements ({pg['clients']} clients): "
                f"**{pg['rps']:,.0f} tx/s**, p50 {pg['p50_ms']} ms, p99 {pg['p99_ms']} ms.\n"
            )
        out.append(
            "| workers | scenario | req/s | p50 ms | p99 ms | of /healthz | errors | CPU µs/req |"
        )
        out.append("|---|---|---:|---:|---:|---:|---:|---:|")
        for workers, config in run["configs"].items():
            for name, r in config["scenarios"].items():
                out.append(
                    f"| {workers} | {name} | {r['rps']:,.1f} | {r['p50_ms']:,.1f} | "
                    f"{r['p99_ms']:,.1f} | {r['ratio']:.1%} | {r['errors']} | {_cpu(r)} |"
                )
        out.append("")
        if run.get("scale_out"):
            out += ["```", *scale_out_lines(run["scale_out"])[1:], "```", ""]
        for workers, config in run["configs"].items():
            rss = config["rss_mb"]
            load = ", ".join(f"{x:.1f}" for x in config.get("loadavg_before", []))
            plural = "s" if workers != "1" else ""
            out.append(
                f"- {workers} worker{plural}: load average before {load}; RSS per worker (MB) "
                f"start {_mb(rss['start'])}, after {_mb(rss['after'])}, growth over a "
                f"repeated pass {rss.get('repeat_growth')}"
            )
            export = config.get("export")
            if export:
                state = f"failed after {export['rows']:,} rows" if export.get("error") else "ok"
                out.append(
                    f"- export csv ({workers} worker): {state}, {export['seconds']} s, "
                    f"RSS growth {export['rss_growth_mb']} MB"
                )
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown(json.loads(RESULTS.read_text())["runs"]))
