"""The scenarios of a run, by name: what each sends, as whom, how hard.

Reads are made once per run (``reads``) and can be served again by another server (the
A/B pass, bench/ab.py); writes need fresh pools for each server (``writes``).
"""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bench import kind_pools, workload

if TYPE_CHECKING:
    from bench.run import Bench

# Statistics over every grouping for each kind of period the API's from/to can name: all
# time, a calendar year and month (whole days), and the last 7 days to the second (a
# period whose ends fall inside days).
CHINA = "+08:00"


def stat_periods(now: float | None = None) -> dict[str, dict[str, str]]:
    today = datetime.fromtimestamp(now or time.time(), UTC) + timedelta(hours=8)
    month = today.replace(day=1)
    previous = (month - timedelta(days=1)).replace(day=1)
    seven = today - timedelta(days=7)
    return {
        "": {},
        "_year": {"from": f"{today.year}-01-01T00:00:00{CHINA}"},
        "_month": {
            "from": f"{previous:%Y-%m-01}T00:00:00{CHINA}",
            "to": f"{month:%Y-%m-01}T00:00:00{CHINA}",
        },
        "_7d": {"from": f"{seven:%Y-%m-%dT%H:%M:%S}{CHINA}"},
    }


def stats_paths() -> dict[str, str]:
    """``stats_<group><period>``: ``stats_category`` is all time, as before."""
    return {
        f"stats_{group}{suffix}": f"{workload.stats_path(group)}"
        + (f"&{urlencode(period)}" if period else "")
        for suffix, period in stat_periods().items()
        for group in workload.STAT_GROUPS
    }


@dataclass(frozen=True)
class Spec:
    lines: list[str]
    user: str | None = "bench-operator"
    one: bool = False  # one connection (statistics), else the run's wrk load
    options: dict[str, Any] = field(default_factory=dict)


def post(path: str) -> dict[str, Any]:
    return {"mode": "body", "method": "POST", "path": path}


SEQUENCE = {"mode": "sequence", "method": "POST"}


def reads(bench: "Bench") -> dict[str, Spec]:
    """Every read scenario, in the order they run (page 51 is added once harvested)."""
    found = {
        "healthz": Spec(["/healthz"], user=None),
        "get": Spec(bench.read_paths),
        "get_approval": Spec(bench.kind_paths.get("approvals", []), user="bench-supervisor"),
        "get_case": Spec(bench.kind_paths.get("cases", []), user="bench-supervisor"),
        "list_two_filters": Spec(workload.two_filter_paths()),
        "list_page_51": Spec(bench.deep_paths),
        "search": Spec(workload.search_paths(bench.plan.seed)),
        "tasks_mine": Spec(["/api/v1/tasks/mine"], user="bench-handler"),
        **{name: Spec([path], one=True) for name, path in stats_paths().items()},
        **{
            f"stats_{kind}": Spec([f"/api/v1/stats/{kind}"], user="bench-supervisor", one=True)
            for kind in bench.other_kinds
        },
        "party_timeline": Spec(bench.timeline_paths, user="bench-supervisor"),
    }
    return {name: spec for name, spec in found.items() if spec.lines}


def writes(bench: "Bench") -> dict[str, Spec]:
    """Creates, then each action on a pool made now in the state it starts from."""
    found = {"create": Spec(bench.bodies, user="bench-intake", options=post(workload.LIST))}
    if "approvals" in bench.other_kinds:
        found["create_approval"] = Spec(
            bench.kind_bodies["approval"], user="bench-clerk", options=post(kind_pools.APPROVALS)
        )
    if "cases" in bench.other_kinds:
        found["create_case"] = Spec(
            bench.kind_bodies["case"], user="bench-inspector", options=post(kind_pools.CASES)
        )
    found["sign"] = Spec(bench.sign_paths(), user="bench-handler", options=SEQUENCE)
    if "approvals" in bench.other_kinds:
        ids = asyncio.run(
            kind_pools.add_pool(bench.db, "approval", bench.action_pool, bench.kind_actors)
        )
        paths = [f"{kind_pools.APPROVALS}/{i}/actions/accept" for i in ids]
        found["accept"] = Spec(paths, user="bench-clerk", options=SEQUENCE)
    if "cases" in bench.other_kinds:
        ids = asyncio.run(
            kind_pools.add_pool(bench.db, "case", bench.action_pool, bench.kind_actors)
        )
        paths = [f"{kind_pools.CASES}/{i}/actions/file" for i in ids]
        body = kind_pools.file_body(bench.kind_actors)
        found["file"] = Spec(paths, user="bench-inspector", options={**SEQUENCE, "body": body})
    return found
