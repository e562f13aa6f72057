"""PostgreSQL stopped in fast mode, several times, under eight concurrent writers: every
answer is a 201 or a 503 with Retry-After, never a 500, and nothing acknowledged is lost
(scripts/fault_db_restart.py, on a private cluster of its own on a free loopback port)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_fast_shutdowns_under_concurrent_writers_are_503s_and_lose_nothing_acknowledged() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "scripts/fault_db_restart.py",
            "--seconds",
            "12",
            "--outages",
            "3",
            "--outage",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "FAIL" not in run.stdout
    assert "'500'" not in run.stdout
