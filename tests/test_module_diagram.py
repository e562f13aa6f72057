"""docs/architecture.md is generated from the code: it is up to date, and it changes when an
import between packages does."""

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "module_diagram", ROOT / "scripts" / "module_diagram.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("module_diagram", module)
    spec.loader.exec_module(module)
    return module


def test_the_committed_module_diagram_is_up_to_date() -> None:
    script = _script()
    assert script.OUTPUT.read_text(encoding="utf-8") == script.document(ROOT), (
        "docs/architecture.md is stale: run `python scripts/module_diagram.py`"
    )


def test_the_diagram_draws_each_layer_and_the_imports_between_packages() -> None:
    text = _script().document(ROOT)
    assert "    main --> kinds" in text and "    kinds --> tickets" in text
    assert "    workflow --> core" in text and "    core --> models" in text
    # Imports the contract still ignores are drawn dotted, never as kept ones.
    assert "    tickets -.-> oversight" in text and "    tickets --> oversight" not in text
    assert "documents" in text and "    workflow --> documents" not in text
    assert "    workflow -.-> documents" not in text
    assert "    workflow --> kinds" not in text and "    workflow --> main" not in text


def test_a_new_import_between_packages_makes_the_committed_diagram_stale(tmp_path: Path) -> None:
    script = _script()
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert script.document(tmp_path) == script.document(ROOT)
    with (tmp_path / "app" / "core" / "calendar.py").open("a", encoding="utf-8") as source:
        source.write("\nimport app.records.tasks  # noqa\n")
    changed = script.document(tmp_path)
    assert changed != script.document(ROOT)
    assert "    core --> records" in changed
