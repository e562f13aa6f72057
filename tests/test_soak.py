"""A short soak run under mixed traffic loses nothing and leaks nothing (scripts/soak.py).

The full run (minutes, see docs/reliability.md) is too long for ``make test``; this one
keeps the same checks that hold on any length of run — no answer but 2xx and the
intended race 409/412s, no growth in file descriptors, every acknowledged write stored —
over 12 s of traffic. Latency and memory trends need the long run's windows.

It uses the PostgreSQL server on 127.0.0.1:5432 (``GOVFLOW_SOAK_POSTGRES`` to change),
in a database of its own (``GOVFLOW_SOAK_DATABASE``, else a name unique to the run) that it
drops at the end; where none answers, a throwaway cluster of its own, as the
database-restart test does. It never skips.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test_short_soak_answers_only_as_intended_and_loses_nothing(tmp_path: Path) -> None:
    server = os.environ.get("GOVFLOW_SOAK_POSTGRES", "127.0.0.1:5432")
    host, _, port = server.rpartition(":")
    where = ["--postgres", server] if reachable(host, int(port)) else ["--private-cluster"]
    results_path = tmp_path / "soak.json"
    run = subprocess.run(
        [
            sys.executable,
            "scripts/soak.py",
            *where,
            *("--rate", "20", "--warmup", "2", "--duration", "12", "--window", "4"),
            *("--race-share", "0.1"),
            "--json",
            str(results_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert results_path.exists(), run.stdout + run.stderr
    results = json.loads(results_path.read_text())
    checks = {check["name"]: check for check in results["checks"]}
    for name in (
        "no answers but 2xx and the intended 409/412",
        "every race had one winner, the other side 409/412",
        "file descriptors not growing",
        "no connection-pool exhaustion",
        "no unhandled errors in the server log",
        "nothing acknowledged lost, nothing refused written",
        "workers never restarted",
    ):
        assert checks[name]["ok"], f"{name}: {checks[name]['detail']}\n{run.stdout}{run.stderr}"
    lost = results["nothing_lost"]
    assert lost["acknowledged"] == lost["found"] > 0
    name = results["settings"]["database"].rpartition("/")[2]
    if os.environ.get("GOVFLOW_SOAK_DATABASE"):
        assert name == os.environ["GOVFLOW_SOAK_DATABASE"], "the soak honours its setting"
    if "--postgres" in where:
        assert not database_exists(host, int(port), name), f"the soak left {name} behind"


def database_exists(host: str, port: int, name: str) -> bool:
    async def query() -> bool:
        connection = await asyncpg.connect(host=host, port=port, user="postgres")
        try:
            found = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        finally:
            await connection.close()
        return found is not None

    return asyncio.run(query())
