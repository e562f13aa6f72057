"""The benchmark's verdicts (bench/report.py): issue 20's targets judged from a run's figures.

No server and no database: a run is the JSON the harness stores, so its checks, the A/B
table and the Markdown come from figures written here.
"""

from typing import Any

from bench import report


def _scenario(rps: float, p99: float, healthz: float = 1000.0, cpu: float = 2000.0) -> dict:
    return {
        "rps": rps,
        "p50_ms": p99 / 2,
        "p99_ms": p99,
        "max_ms": p99 * 1.5,
        "requests": int(rps * 10),
        "errors": 0,
        "ratio": round(rps / healthz, 4),
        "cpu_us_per_request": cpu,
    }


def _config(get: float, create: float, stats_p99: float) -> dict[str, Any]:
    return {
        "scenarios": {
            "healthz": _scenario(1000, 20),
            "get": _scenario(get, 40),
            "get_case": _scenario(300, 40),
            "create": _scenario(create, 90),
            "accept": _scenario(120, 90),
            "file": _scenario(0, 0),  # every request outlasted the scenario
            "list_two_filters": _scenario(300, 45),
            "search": _scenario(200, 160),
            "tasks_mine": _scenario(300, 99),
            "stats_category": _scenario(20, 60),
            "stats_type_7d": _scenario(10, stats_p99),
            "stats_cases": _scenario(10, 101),
        },
        "rss_mb": {"start": {"1": 150}, "after": {"1": 180}, "repeat_growth": 1.0},
    }


def _run(tickets: int = 1_000_000) -> dict[str, Any]:
    return {
        "tickets": tickets,
        "configs": {"1": _config(260, 110, 95), "2": _config(240, 60, 140)},
        "ab": {
            "core_reads": {
                "workers": 1,
                "off_environment": {"GOVFLOW_CORE_READS": "false"},
                "scenarios": {
                    "get": {"on": _scenario(260, 40, cpu=2000), "off": _scenario(200, 60, cpu=3000)}
                },
            }
        },
    }


def _verdicts(run: dict[str, Any]) -> dict[str, bool | None]:
    return {check.name: check.met for check in report.checks(run, {})}


def test_ratio_latency_and_statistics_targets_are_judged_per_worker_count() -> None:
    found = _verdicts(_run())
    assert found["[1w] GET /tickets/{id} rps vs /healthz"] is True  # 26% >= 25%
    assert found["[2w] GET /tickets/{id} rps vs /healthz"] is False  # 24%
    assert found["[1w] POST /tickets rps vs /healthz"] is True
    assert found["[1w] approval accept rps vs /healthz"] is True
    assert found["[1w] list with two filters, p99"] is True
    assert found["[1w] keyword search, p99"] is False  # 160 > 150 ms
    assert found["[1w] /tasks/mine (busiest department), p99"] is True
    # The slowest statistic decides, whichever period and grouping it is.
    assert found["[1w] ticket statistics, every period x group (slowest of 2), p99"] is True
    assert found["[2w] ticket statistics, every period x group (slowest of 2), p99"] is False
    assert found["[1w] approval and case statistics (slowest of 1), p99"] is False


def test_two_workers_keep_each_ratio_within_the_tolerance() -> None:
    found = _verdicts(_run())
    assert found["[2w vs 1w] GET /tickets/{id} ratio"] is True  # 24% >= 0.9 x 26%
    assert found["[2w vs 1w] POST /tickets ratio"] is False  # 6% < 0.9 x 11%
    assert "[2w vs 1w] ticket sign ratio" not in found  # not measured, not judged
    assert found["[2w vs 1w] case file ratio"] is None  # one worker completed none


def test_a_scenario_that_completed_no_request_misses_its_target() -> None:
    checks = {check.name: check for check in report.checks(_run(), {})}
    assert checks["[1w] case file rps vs /healthz"].met is False
    assert checks["[1w] case file rps vs /healthz"].measured == "no request completed"


def test_targets_named_at_a_million_tickets_are_not_judged_at_ten_thousand() -> None:
    found = _verdicts(_run(10_000))
    assert found["[1w] keyword search, p99"] is None
    assert found["[2w] ticket statistics, every period x group (slowest of 2), p99"] is None
    assert found["[1w] list with two filters, p99"] is True


def test_the_markdown_carries_the_ab_table_and_the_checks() -> None:
    run = _run() | {"started_at": "2026-12-03T08:00:00Z", "load": {}}
    run["checks"] = [check.__dict__ for check in report.checks(run, {})]
    text = report.markdown({"1000000": run})
    assert "| core_reads | get | 260.0 | 200.0 | 40.0 | 60.0 | 26.0% | 20.0% |" in text
    assert "1.50x" in text  # CPU off / on
    assert "| [2w vs 1w] POST /tickets ratio | >= 90% of 1w | 6.0% vs 11.0% | **missed** |" in text
