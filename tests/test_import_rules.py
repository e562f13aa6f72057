"""Dependencies point one way (issue 16): the import contracts in pyproject.toml hold, and
the check that `make lint` runs (import-linter) fails on a new upward import or cycle."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_code_keeps_every_import_contract() -> None:
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-1000:]
    assert "0 broken" in run.stdout


@pytest.mark.parametrize(
    ("module", "new_import", "broken"),
    [
        # The engine building the app: what diagram.py and the worker used to do.
        ("app/workflow/sweeper.py", "import app.main", "app.workflow is not allowed to import"),
        ("app/workflow/recompute.py", "import app.kinds", "app.workflow is not allowed to import"),
        ("app/cases/stats.py", "import app.routers.cases", "app.cases is not allowed to import"),
        ("app/core/calendar.py", "import app.workflow.engine", "app.core is not allowed"),
        ("app/models/base.py", "import app.tickets.service", "app.models is not allowed"),
        # Shared modules outside the layers may not reach the app either.
        ("app/deps.py", "import app.main", "- app.deps -> app.main"),
        # Two domains importing each other: records is below tickets today.
        ("app/records/tasks.py", "import app.tickets.service", "No cycles are allowed in app."),
        # Something outside the entry points listing the kinds instead of being given them.
        ("app/records/tasks.py", "import app.kinds", "- app.records.tasks -> app.kinds"),
    ],
)
def test_a_new_upward_import_or_cycle_fails_the_check(
    tmp_path: Path, module: str, new_import: str, broken: str
) -> None:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{new_import}  # noqa\n")
    run = _lint_imports(tmp_path)
    assert run.returncode != 0
    assert broken in run.stdout, run.stdout[-3000:]
