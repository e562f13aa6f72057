"""A hotline to drive tickets through the API: two departments, the people who work a
ticket, and shortcuts to create one and act on it.

Shared by every test file about tickets (intake, return, callback, protection, figures).
"""

from typing import Any

from tests.conftest import World
from tests.factories import Person, ticket_body


async def make_hotline(world: World) -> dict[str, Any]:
    """A hotline with two departments and the people who work a ticket."""
    chaoyang = await world.department("CY-CG", name="朝阳城管", districts=["朝阳区"])
    haidian = await world.department("HD-CG", name="海淀城管", districts=["海淀区"])
    return {
        "chaoyang": chaoyang,
        "haidian": haidian,
        "operator": await world.user("operator"),
        "supervisor": await world.user("supervisor"),
        "handler": await world.user("handler", department=chaoyang),
        "other_handler": await world.user("handler", department=haidian),
        "citizen": await world.user("citizen"),
    }


async def create(world: World, who: Person, **overrides: Any) -> dict[str, Any]:
    response = await world.as_(who).post("/api/v1/tickets", json=ticket_body(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def act(
    world: World, who: Person, ticket: dict[str, Any], action: str, expect: int = 200, **body: Any
) -> dict[str, Any]:
    response = await world.as_(who).post(
        f"/api/v1/tickets/{ticket['id']}/actions/{action}", json=body
    )
    assert response.status_code == expect, response.text
    return dict(response.json())
