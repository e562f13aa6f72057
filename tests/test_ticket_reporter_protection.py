"""Handlers see their department's tickets only; a report's reporter is hidden from the
department, a confidential one protected, phones masked."""

from typing import Any

from tests.conftest import World
from tests.hotline import act, create


async def test_handlers_see_only_their_departments_tickets(
    world: World, hotline: dict[str, Any]
) -> None:
    ticket = await create(world, hotline["operator"])
    await act(
        world, hotline["operator"], ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"])
    )
    other = world.as_(hotline["other_handler"])
    assert (await other.get(f"/api/v1/tickets/{ticket['id']}")).status_code == 404
    assert (await other.get("/api/v1/tickets")).json()["items"] == []
    await act(world, hotline["other_handler"], ticket, "sign", expect=404)
    own = (await world.as_(hotline["handler"]).get("/api/v1/tickets")).json()["items"]
    assert [t["id"] for t in own] == [ticket["id"]]


async def test_reporter_of_a_report_is_hidden_from_the_handling_department(
    world: World, hotline: dict[str, Any]
) -> None:
    operator, handler = hotline["operator"], hotline["handler"]
    report = await create(
        world, operator, type="report", reporter={"name": "李先生", "phone": "13912345678"}
    )
    await act(world, operator, report, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
    seen = (await world.as_(handler).get(f"/api/v1/tickets/{report['id']}")).json()
    assert seen["reporter"]["name"] is None and seen["reporter"]["phone"] is None
    events = (await world.as_(handler).get(f"/api/v1/tickets/{report['id']}/events")).text
    assert "李先生" not in events and "13912345678" not in events
    full = (await world.as_(operator).get(f"/api/v1/tickets/{report['id']}")).json()
    assert full["reporter"] == {
        "name": "李先生",
        "phone": "13912345678",
        "anonymous": False,
        "confidential": False,
    }


async def test_confidential_complaint_is_protected_and_phones_are_masked(
    world: World, hotline: dict[str, Any]
) -> None:
    operator, handler, supervisor = hotline["operator"], hotline["handler"], hotline["supervisor"]
    secret = await create(
        world, operator, reporter={"name": "赵", "phone": "13700001111", "confidential": True}
    )
    plain = await create(world, operator)
    for ticket in (secret, plain):
        await act(world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
    hidden = (await world.as_(handler).get(f"/api/v1/tickets/{secret['id']}")).json()
    assert hidden["reporter"]["name"] is None and hidden["reporter"]["phone"] is None
    masked = (await world.as_(handler).get(f"/api/v1/tickets/{plain['id']}")).json()
    assert masked["reporter"]["phone"] == "138****5678"
    assert masked["reporter"]["name"] == "王女士"
    unmasked = (await world.as_(supervisor).get(f"/api/v1/tickets/{plain['id']}")).json()
    assert unmasked["reporter"]["phone"] == "13812345678"
