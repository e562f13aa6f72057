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


async def test_the_reporter_written_into_the_text_is_shown_as_the_reporter_is(
    world: World, hotline: dict[str, Any]
) -> None:
    """保护举报人: operators take the caller down in the text ("李先生（139…）举报"); the
    department must not read there what the reporter's fields hide from it."""
    operator, handler = hotline["operator"], hotline["handler"]
    chaoyang = str(hotline["chaoyang"]["id"])
    words = "举报人李先生（13912345678，身份证110101199001011237）称：餐馆夜间排污。"
    report = await create(
        world, operator, type="report", title="李先生举报夜间排污", content=words,
        reporter={"name": "李先生", "phone": "13912345678"},
    )  # fmt: skip
    await act(world, operator, report, "dispatch", department_id=chaoyang, comment="李先生要求回电")
    seen = (await world.as_(handler).get(f"/api/v1/tickets/{report['id']}")).json()
    assert seen["title"] == "［已隐去］举报夜间排污"
    assert seen["content"] == "举报人［已隐去］（［已隐去］，身份证［已隐去］）称：餐馆夜间排污。"
    events = (await world.as_(handler).get(f"/api/v1/tickets/{report['id']}/events")).text
    exported = await world.as_(handler).get("/api/v1/tickets/export", params={"format": "csv"})
    assert exported.status_code == 200 and "夜间排污" in exported.text
    for shown in (str(seen), events, exported.text):
        for secret in ("李先生", "13912345678", "110101199001011237"):
            assert secret not in shown, (secret, shown)
    # A plain complaint: the department sees the phone masked, in the text as in the field.
    plain = await create(
        world,
        operator,
        content="王女士（13812345678）反映占道",
        reporter={"name": "王女士", "phone": "13812345678"},
    )
    await act(world, operator, plain, "dispatch", department_id=chaoyang)
    masked = (await world.as_(handler).get(f"/api/v1/tickets/{plain['id']}")).json()
    assert masked["content"] == "王女士（138****5678）反映占道"
    full = (await world.as_(operator).get(f"/api/v1/tickets/{report['id']}")).json()
    assert full["content"] == words and full["title"] == "李先生举报夜间排污"
    assert (
        "李先生要求回电"
        in (await world.as_(operator).get(f"/api/v1/tickets/{report['id']}/events")).text
    )
