"""A department returns a ticket within 2 working days unless the supervisor assigned it by
ruling; the supervisor urges and extends, within the extension limit."""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from tests.conftest import World
from tests.hotline import act, create


async def test_return_then_redispatch_then_ruling_blocks_return(
    world: World, hotline: dict[str, Any]
) -> None:
    operator, supervisor = hotline["operator"], hotline["supervisor"]
    ticket = await create(world, operator)
    await act(world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
    returned = await act(
        world,
        hotline["handler"],
        ticket,
        "return",
        reason_code="wrong_district",
        reason="不在本辖区",
    )
    assert returned["status"] == "returned"
    await act(world, operator, ticket, "dispatch", department_id=str(hotline["haidian"]["id"]))
    await act(
        world,
        hotline["other_handler"],
        ticket,
        "return",
        reason_code="not_our_duty",
        reason="职能不符",
    )
    assigned = await act(
        world,
        supervisor,
        ticket,
        "assign",
        department_id=str(hotline["haidian"]["id"]),
        reason="裁定由海淀办理",
    )
    assert assigned["status"] == "dispatched"
    view = (await world.as_(hotline["other_handler"]).get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert view["allowed_actions"] == ["sign"]
    problem = await act(
        world,
        hotline["other_handler"],
        ticket,
        "return",
        expect=422,
        reason_code="other",
        reason="再退",
    )
    assert problem["code"] == "guard_failed" and "ruling" in problem["detail"]


async def test_return_after_two_working_days_is_refused(
    world: World, hotline: dict[str, Any], app: Any
) -> None:

    from app.models.base import utcnow
    from app.models.ticket import Ticket

    ticket = await create(world, hotline["operator"])
    await act(
        world, hotline["operator"], ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"])
    )
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == uuid.UUID(ticket["id"]))
            .values(return_until=utcnow() - timedelta(minutes=1))
        )
        await session.commit()
    problem = await act(
        world,
        hotline["handler"],
        ticket,
        "return",
        expect=422,
        reason_code="other",
        reason="太晚了",
    )
    assert "2 working days" in problem["detail"]


async def test_urge_extend_and_extension_limit(world: World, hotline: dict[str, Any]) -> None:
    operator, supervisor = hotline["operator"], hotline["supervisor"]
    ticket = await create(world, operator)
    await act(world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
    signed = await act(world, hotline["handler"], ticket, "sign")
    urged = await act(world, supervisor, ticket, "urge", comment="请加快办理")
    assert urged["supervised"] == 1 and urged["status"] == "in_progress"
    extended = await act(world, supervisor, ticket, "extend", reason="需协调", days=6)
    assert extended["due_at"] > signed["due_at"] and extended["extended_days"] == 6
    problem = await act(world, supervisor, ticket, "extend", expect=422, reason="再延", days=5)
    assert "at most 10" in problem["detail"]
    await act(world, supervisor, ticket, "extend", reason="再延", days=4)
