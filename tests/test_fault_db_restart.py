"""PostgreSQL going away mid-load loses nothing acknowledged (scripts/fault_db_restart.py)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_database_restart_during_load_loses_nothing_and_recovers_by_itself() -> None:
    run = subprocess.run(
        [sys.executable, "scripts/fault_db_restart.py", "--seconds", "12", "--outage", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "FAIL" not in run.stdout
