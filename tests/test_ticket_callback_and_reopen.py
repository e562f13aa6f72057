"""The callback closes a ticket or reopens it with a new deadline; a citizen follows and
rates their own ticket."""

from typing import Any

from tests.conftest import World
from tests.factories import ticket_body
from tests.hotline import act, create


async def test_unsatisfied_callback_reopens_with_new_deadline(
    world: World, hotline: dict[str, Any]
) -> None:
    operator, handler = hotline["operator"], hotline["handler"]
    ticket = await create(world, operator)
    await act(world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
    await act(world, handler, ticket, "sign")
    await act(world, handler, ticket, "reply", reply="已处理", resolution_mode="management")
    reopened = await act(world, operator, ticket, "reopen", reason="回访不满意，摊贩又回来了")
    assert reopened["status"] == "in_progress" and reopened["reopen_count"] == 1
    assert reopened["clock_status"] == "running"
    await act(world, handler, ticket, "reply", reply="已取缔", resolution_mode="enforcement")
    closed = await act(world, operator, ticket, "close", satisfaction="basically_satisfied")
    assert closed["satisfaction"] == "basically_satisfied"


async def test_citizen_files_tracks_reopens_and_rates_own_ticket(
    world: World, hotline: dict[str, Any]
) -> None:
    citizen, operator, handler = hotline["citizen"], hotline["operator"], hotline["handler"]
    refused = await world.as_(citizen).post("/api/v1/tickets", json=ticket_body(channel="phone"))
    assert refused.status_code == 422
    ticket = await create(world, citizen, channel="app")
    other_citizen = await world.user("citizen")
    assert (
        await world.as_(other_citizen).get(f"/api/v1/tickets/{ticket['id']}")
    ).status_code == 404
    await act(world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
    await act(world, handler, ticket, "sign")
    await act(world, handler, ticket, "reply", reply="已处理", resolution_mode="service")
    mine = (await world.as_(citizen).get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert set(mine["allowed_actions"]) == {"close", "reopen"}
    await act(world, citizen, ticket, "reopen", reason="没有处理")
    await act(world, handler, ticket, "reply", reply="已处理完毕", resolution_mode="service")
    closed = await act(world, citizen, ticket, "close", satisfaction="unsatisfied", comment="太慢")
    assert closed["satisfaction_comment"] == "太慢"
