"""A ticket is registered, numbered and audited, dispatched by rule or by hand, answered,
merged or cancelled; a wrong state is 409 and a wrong role 403."""

from typing import Any

from tests.conftest import World
from tests.factories import Person, ticket_body
from tests.hotline import act, create


async def test_created_ticket_is_new_numbered_and_audited(
    world: World, hotline: dict[str, Any]
) -> None:
    ticket = await create(world, hotline["operator"])
    assert ticket["status"] == "new" and ticket["version"] == 1
    assert ticket["number"].startswith("RX") and ticket["number"].endswith("-00001")
    assert set(ticket["allowed_actions"]) == {"dispatch", "merge", "urge", "cancel"} - {"urge"}
    events = (
        await world.as_(hotline["operator"]).get(f"/api/v1/tickets/{ticket['id']}/events")
    ).json()["items"]
    assert [e["action"] for e in events] == ["created"]
    assert events[0]["payload"]["title"] == "早市占道经营"


async def test_full_life_dispatch_sign_reply_close(world: World, hotline: dict[str, Any]) -> None:
    operator, handler = hotline["operator"], hotline["handler"]
    ticket = await create(world, operator)
    dispatched = await act(
        world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"])
    )
    assert dispatched["status"] == "dispatched"
    assert dispatched["clock_status"] == "running" and dispatched["due_at"]
    as_handler = (await world.as_(handler).get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert set(as_handler["allowed_actions"]) == {"sign", "return"}
    signed = await act(world, handler, ticket, "sign")
    assert signed["status"] == "in_progress"
    assert signed["due_at"] > dispatched["due_at"]
    replied = await act(
        world, handler, ticket, "reply", reply="已清理摊贩", resolution_mode="service"
    )
    assert replied["status"] == "replied" and replied["clock_status"] == "stopped"
    closed = await act(world, operator, ticket, "close", satisfaction="satisfied")
    assert closed["status"] == "closed" and closed["allowed_actions"] == []
    history = (await world.as_(operator).get(f"/api/v1/tickets/{ticket['id']}/events")).json()
    assert [e["action"] for e in history["items"]] == [
        "created",
        "dispatch",
        "sign",
        "reply",
        "close",
    ]
    assert all(e["request_id"] for e in history["items"])


async def test_dispatch_without_department_uses_most_specific_routing_rule(
    world: World, hotline: dict[str, Any], admin: Person
) -> None:
    api = world.as_(admin)
    await api.post("/api/v1/routing-rules", json={"department_id": str(hotline["haidian"]["id"])})
    await api.post(
        "/api/v1/routing-rules",
        json={
            "category_code": "zhandao_jingying",
            "district": "朝阳区",
            "department_id": str(hotline["chaoyang"]["id"]),
        },
    )
    ticket = await create(world, hotline["operator"])
    dispatched = await act(world, hotline["operator"], ticket, "dispatch")
    assert dispatched["department_id"] == str(hotline["chaoyang"]["id"])


async def test_dispatch_without_department_or_rule_is_a_clear_422(
    world: World, hotline: dict[str, Any]
) -> None:
    ticket = await create(world, hotline["operator"])
    problem = await act(world, hotline["operator"], ticket, "dispatch", expect=422)
    assert problem["code"] == "no_routing_rule"


async def test_wrong_state_is_409_with_allowed_actions(
    world: World, hotline: dict[str, Any]
) -> None:
    ticket = await create(world, hotline["operator"])
    problem = await act(
        world, hotline["operator"], ticket, "close", expect=409, satisfaction="satisfied"
    )
    assert problem["code"] == "transition_not_allowed"
    assert problem["current_status"] == "new"
    assert "dispatch" in problem["allowed_actions"]


async def test_wrong_role_is_403(world: World, hotline: dict[str, Any]) -> None:
    ticket = await create(world, hotline["operator"])
    problem = await act(
        world,
        hotline["supervisor"],
        ticket,
        "dispatch",
        expect=403,
        department_id=str(hotline["chaoyang"]["id"]),
    )
    assert problem["code"] == "forbidden"


async def test_consultation_answered_directly_but_complaint_cannot_be(
    world: World, hotline: dict[str, Any]
) -> None:
    operator = hotline["operator"]
    question = await create(world, operator, type="consultation", category_code="zixun")
    assert "answer" in question["allowed_actions"]
    answered = await act(world, operator, question, "answer", reply="请到政务大厅办理")
    assert answered["status"] == "replied"
    complaint = await create(world, operator)
    assert "answer" not in complaint["allowed_actions"]
    await act(world, operator, complaint, "answer", expect=422, reply="x")


async def test_merge_duplicate_into_open_ticket(world: World, hotline: dict[str, Any]) -> None:
    operator = hotline["operator"]
    original = await create(world, operator)
    duplicate = await create(world, operator)
    merged = await act(world, operator, duplicate, "merge", duplicate_of=original["id"])
    assert merged["status"] == "merged" and merged["duplicate_of"] == original["id"]
    view = (await world.as_(operator).get(f"/api/v1/tickets/{original['id']}")).json()
    assert view["duplicates"] == [duplicate["id"]]
    another = await create(world, operator)
    await act(world, operator, another, "merge", duplicate_of=original["id"])
    both = sorted([duplicate["id"], another["id"]])
    view = (await world.as_(operator).get(f"/api/v1/tickets/{original['id']}")).json()
    assert sorted(view["duplicates"]) == both
    listed = (await world.as_(operator).get("/api/v1/tickets", params={"status": "new"})).json()
    by_id = {item["id"]: item for item in listed["items"]}
    assert sorted(by_id[original["id"]]["duplicates"]) == both
    urged = await act(world, hotline["supervisor"], original, "urge", comment="催办")
    assert sorted(urged["duplicates"]) == both
    third = await create(world, operator)
    assert third["duplicates"] == []
    problem = await act(world, operator, third, "merge", expect=422, duplicate_of=duplicate["id"])
    assert "open ticket" in problem["detail"]
    await act(world, operator, third, "merge", expect=422, duplicate_of=third["id"])


async def test_cancel_is_terminal(world: World, hotline: dict[str, Any]) -> None:
    ticket = await create(world, hotline["operator"])
    cancelled = await act(world, hotline["supervisor"], ticket, "cancel", reason="重复来电")
    assert cancelled["status"] == "cancelled" and cancelled["allowed_actions"] == []
    await act(world, hotline["supervisor"], ticket, "urge", expect=409, comment="x")


async def test_unknown_category_is_refused(world: World, hotline: dict[str, Any]) -> None:
    response = await world.as_(hotline["operator"]).post(
        "/api/v1/tickets", json=ticket_body(category_code="nope")
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_category"
