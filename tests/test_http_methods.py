"""A method a documented path does not serve answers 405 with ``Allow`` (RFC 9110 §15.5.6)."""

from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories import Person

METHODS = frozenset({"DELETE", "GET", "PATCH", "POST", "PUT"})
# Values that route: a well-formed id, a date, a workflow's name, a format.
PARAMETER_VALUES = {"date": "2026-01-05", "name": "ticket", "format": "json"}
SOME_ID = "5f0c3a4e-9d7b-4c1a-8e2f-6b3d2a1c0e9f"


def _url(path: str) -> str:
    for name, value in PARAMETER_VALUES.items():
        path = path.replace(f"{{{name}}}", value)
    while "{" in path:
        start = path.index("{")
        path = path[:start] + SOME_ID + path[path.index("}", start) + 1 :]
    return path


def _allow(response: Any) -> set[str]:
    return {method.strip() for method in response.headers.get("allow", "").split(",")} - {""}


@pytest.mark.parametrize("collection", ["tickets", "approvals", "cases"])
async def test_patch_on_an_export_answers_405_not_a_422_about_the_id(
    client: AsyncClient, admin: Person, collection: str
) -> None:
    response = await client.patch(
        f"/api/v1/{collection}/export", json={"title": "x"}, headers=admin.headers
    )
    assert response.status_code == 405, response.text
    assert _allow(response) == {"GET"}
    assert response.json()["code"] == "method_not_allowed"
    head = await client.head(f"/api/v1/{collection}/export", headers=admin.headers)
    assert head.status_code == 405 and _allow(head) == {"GET"}


async def test_every_undeclared_method_on_a_documented_path_answers_405_with_allow(
    app: Any, client: AsyncClient, admin: Person
) -> None:
    wrong = []
    for path, operations in app.openapi()["paths"].items():
        declared = {method.upper() for method in operations}
        for method in sorted(METHODS - declared):
            response = await client.request(method, _url(path), headers=admin.headers)
            if response.status_code != 405 or _allow(response) != declared:
                wrong.append(f"{method} {path}: {response.status_code} Allow {_allow(response)}")
    assert not wrong, "\n".join(wrong)


async def test_a_documented_method_on_a_fixed_path_still_reaches_its_route(
    client: AsyncClient, admin: Person
) -> None:
    response = await client.get("/api/v1/tickets/export?format=csv", headers=admin.headers)
    assert response.status_code == 200
    malformed = await client.patch("/api/v1/tickets/not-an-id", json={}, headers=admin.headers)
    assert malformed.status_code == 422
