"""The reorganisation by domain (issue 16) leaves the API a client codes against as it was.

``snapshots/openapi_before_layout.json`` is the OpenAPI document generated on main before
the code moved into domain packages. Every operation and every schema in it must still be
served exactly as it was (operationId, parameters, request body, responses, tags, security;
each schema's fields). Additions are free: new paths, operations and schemas are the API
growing, not changing. A difference that is meant goes into ``JUSTIFIED_DIFFERENCES`` with
its reason, so the change is reviewed rather than slipped in.
"""

import json
from pathlib import Path
from typing import Any

from httpx import AsyncClient

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi_before_layout.json"

# "METHOD /path" or "schema Name" → why it differs from the snapshot.
JUSTIFIED_DIFFERENCES: dict[str, str] = {}


def _differences(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    found = []
    for path, operations in before["paths"].items():
        for method, operation in operations.items():
            key = f"{method.upper()} {path}"
            if now["paths"].get(path, {}).get(method) != operation:
                found.append(key)
    for name, schema in before["components"]["schemas"].items():
        if now["components"]["schemas"].get(name) != schema:
            found.append(f"schema {name}")
    return found


async def test_every_operation_and_schema_of_the_snapshot_is_served_unchanged(
    client: AsyncClient,
) -> None:
    before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    now = (await client.get("/openapi.json")).json()
    unexplained = [key for key in _differences(before, now) if key not in JUSTIFIED_DIFFERENCES]
    assert unexplained == []


def test_the_comparison_sees_a_changed_operation() -> None:
    before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    now = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    path = next(iter(now["paths"]))
    method = next(iter(now["paths"][path]))
    now["paths"][path][method]["operationId"] = "renamed"
    del now["components"]["schemas"][next(iter(now["components"]["schemas"]))]
    assert len(_differences(before, now)) == 2


def test_every_justified_difference_names_an_operation_or_schema_of_the_snapshot() -> None:
    """An entry naming nothing in the snapshot is a typo that would excuse nothing."""
    before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert all(reason.strip() for reason in JUSTIFIED_DIFFERENCES.values())
    assert set(JUSTIFIED_DIFFERENCES) <= {
        *(f"{m.upper()} {p}" for p, ops in before["paths"].items() for m in ops),
        *(f"schema {name}" for name in before["components"]["schemas"]),
    }


async def test_no_component_is_named_after_a_module_unless_published_so(
    client: AsyncClient,
) -> None:
    """A module path in a component name changes whenever the module moves: two models that
    share a class name must be given names of their own, but for those already published."""
    before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    published = {name for name in before["components"]["schemas"] if name.startswith("app__")}
    now = (await client.get("/openapi.json")).json()
    named_after_modules = {name for name in now["components"]["schemas"] if "__" in name}
    assert named_after_modules <= published
