"""Where a worker's CPU goes under load: py-spy samples, summarised by package and function.

Only the thread holding the GIL is sampled (``--gil``): this is where Python spends CPU,
not where it waits. A leaf in asyncpg's Python code stands for its compiled protocol.
py-spy attaches to the running worker from outside (no code change, a few % overhead)
while wrk drives one scenario; the raw collapsed stacks are kept next to the run's logs.
"""

import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
PACKAGES = (
    "app/",
    "sqlalchemy/",
    "sqlmodel/",
    "asyncpg/",
    "pydantic/",
    "pydantic_core/",
    "fastapi/",
    "starlette/",
    "uvicorn/",
    "structlog/",
    "prometheus_client/",
    "asgi_correlation_id/",
    "jwt/",
    "orjson",
    "uuid.py",
    "json/",
    "asyncio/",
    "uvloop/",
    "logging/",
    "zoneinfo",
)


def _package(file: str) -> str:
    for package in PACKAGES:
        if package in file:
            return package.rstrip("/")
    return "other"


def summarise(raw: str, top: int = 15) -> dict[str, Any]:
    """Share of samples per package (as the leaf, and anywhere on the stack), per function."""
    total = 0
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    own: Counter[str] = Counter()
    app_functions: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [FRAME.match(frame) for frame in stack.split(";")]
        parsed = [(m["function"], m["file"]) for m in frames if m]
        for package in {_package(file) for _, file in parsed}:
            inclusive[package] += count
        for function, file in {(f, fl) for f, fl in parsed if "app/" in fl}:
            app_functions[f"{function} ({file.split('app/', 1)[1]})"] += count
        if parsed:
            function, file = parsed[-1]
            leaves[f"{function} ({file.rsplit('/', 1)[-1]}) [{_package(file)}]"] += count
            own[_package(file)] += count

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return (
            [(name, round(n / total, 3)) for name, n in counter.most_common(top)] if total else []
        )

    return {
        "samples": total,
        "packages_self": shares(own),
        "packages_inclusive": shares(inclusive),
        "app_functions_inclusive": shares(app_functions),
        "leaf_functions": shares(leaves),
    }


def py_spy() -> str | None:
    """py-spy on PATH or beside this interpreter (``make bench`` installs it in the venv)."""
    return shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))


def profile_scenario(
    pid: int, output: Path, seconds: float, drive: Callable[[], Any]
) -> dict[str, Any]:
    """Record ``pid`` with py-spy while ``drive()`` runs the load."""
    command = [
        py_spy() or "py-spy",
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "200",
        "--format",
        "raw",
        "--output",
        str(output),
        "--nonblocking",
        "--gil",
    ]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        drive()
        _, error = recorder.communicate(timeout=seconds + 60)
    finally:
        if recorder.poll() is None:
            recorder.kill()
            recorder.wait()
    if not output.exists():
        return {"error": (error or b"").decode(errors="replace")[-500:]}
    summary = summarise(output.read_text(errors="replace"))
    summary["raw"] = str(output)
    return summary
