"""Hotline tickets: the whole life of a ticket, who sees what, and the figures."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col

from app.core.process_cache import ProcessCache
from app.models.ticket import TicketCategory
from app.tickets.categories import catalogue
from tests.conftest import World
from tests.factories import Person, ticket_body


@pytest.fixture
async def hotline(world: World) -> dict[str, Any]:
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


async def _create(world: World, who: Person, **overrides: Any) -> dict[str, Any]:
    response = await world.as_(who).post("/api/v1/tickets", json=ticket_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def _act(
    world: World, who: Person, ticket: dict[str, Any], action: str, expect: int = 200, **body: Any
) -> dict[str, Any]:
    response = await world.as_(who).post(
        f"/api/v1/tickets/{ticket['id']}/actions/{action}", json=body
    )
    assert response.status_code == expect, response.text
    return response.json()


async def test_created_ticket_is_new_numbered_and_audited(
    world: World, hotline: dict[str, Any]
) -> None:
    ticket = await _create(world, hotline["operator"])
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
    ticket = await _create(world, operator)
    dispatched = await _act(
        world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"])
    )
    assert dispatched["status"] == "dispatched"
    assert dispatched["clock_status"] == "running" and dispatched["due_at"]
    as_handler = (await world.as_(handler).get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert set(as_handler["allowed_actions"]) == {"sign", "return"}
    signed = await _act(world, handler, ticket, "sign")
    assert signed["status"] == "in_progress"
    assert signed["due_at"] > dispatched["due_at"]
    replied = await _act(
        world, handler, ticket, "reply", reply="已清理摊贩", resolution_mode="service"
    )
    assert replied["status"] == "replied" and replied["clock_status"] == "stopped"
    closed = await _act(world, operator, ticket, "close", satisfaction="satisfied")
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
    ticket = await _create(world, hotline["operator"])
    dispatched = await _act(world, hotline["operator"], ticket, "dispatch")
    assert dispatched["department_id"] == str(hotline["chaoyang"]["id"])


async def test_dispatch_without_department_or_rule_is_a_clear_422(
    world: World, hotline: dict[str, Any]
) -> None:
    ticket = await _create(world, hotline["operator"])
    problem = await _act(world, hotline["operator"], ticket, "dispatch", expect=422)
    assert problem["code"] == "no_routing_rule"


async def test_wrong_state_is_409_with_allowed_actions(
    world: World, hotline: dict[str, Any]
) -> None:
    ticket = await _create(world, hotline["operator"])
    problem = await _act(
        world, hotline["operator"], ticket, "close", expect=409, satisfaction="satisfied"
    )
    assert problem["code"] == "transition_not_allowed"
    assert problem["current_status"] == "new"
    assert "dispatch" in problem["allowed_actions"]


async def test_wrong_role_is_403(world: World, hotline: dict[str, Any]) -> None:
    ticket = await _create(world, hotline["operator"])
    problem = await _act(
        world,
        hotline["supervisor"],
        ticket,
        "dispatch",
        expect=403,
        department_id=str(hotline["chaoyang"]["id"]),
    )
    assert problem["code"] == "forbidden"


async def test_handlers_see_only_their_departments_tickets(
    world: World, hotline: dict[str, Any]
) -> None:
    ticket = await _create(world, hotline["operator"])
    await _act(
        world, hotline["operator"], ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"])
    )
    other = world.as_(hotline["other_handler"])
    assert (await other.get(f"/api/v1/tickets/{ticket['id']}")).status_code == 404
    assert (await other.get("/api/v1/tickets")).json()["items"] == []
    await _act(world, hotline["other_handler"], ticket, "sign", expect=404)
    own = (await world.as_(hotline["handler"]).get("/api/v1/tickets")).json()["items"]
    assert [t["id"] for t in own] == [ticket["id"]]


async def test_return_then_redispatch_then_ruling_blocks_return(
    world: World, hotline: dict[str, Any]
) -> None:
    operator, supervisor = hotline["operator"], hotline["supervisor"]
    ticket = await _create(world, operator)
    await _act(world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
    returned = await _act(
        world,
        hotline["handler"],
        ticket,
        "return",
        reason_code="wrong_district",
        reason="不在本辖区",
    )
    assert returned["status"] == "returned"
    await _act(world, operator, ticket, "dispatch", department_id=str(hotline["haidian"]["id"]))
    await _act(
        world,
        hotline["other_handler"],
        ticket,
        "return",
        reason_code="not_our_duty",
        reason="职能不符",
    )
    assigned = await _act(
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
    problem = await _act(
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
    from sqlalchemy import update

    from app.models.base import utcnow
    from app.models.ticket import Ticket

    ticket = await _create(world, hotline["operator"])
    await _act(
        world, hotline["operator"], ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"])
    )
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == uuid.UUID(ticket["id"]))
            .values(return_until=utcnow() - timedelta(minutes=1))
        )
        await session.commit()
    problem = await _act(
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
    ticket = await _create(world, operator)
    await _act(world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
    signed = await _act(world, hotline["handler"], ticket, "sign")
    urged = await _act(world, supervisor, ticket, "urge", comment="请加快办理")
    assert urged["supervised"] == 1 and urged["status"] == "in_progress"
    extended = await _act(world, supervisor, ticket, "extend", reason="需协调", days=6)
    assert extended["due_at"] > signed["due_at"] and extended["extended_days"] == 6
    problem = await _act(world, supervisor, ticket, "extend", expect=422, reason="再延", days=5)
    assert "at most 10" in problem["detail"]
    await _act(world, supervisor, ticket, "extend", reason="再延", days=4)


async def test_unsatisfied_callback_reopens_with_new_deadline(
    world: World, hotline: dict[str, Any]
) -> None:
    operator, handler = hotline["operator"], hotline["handler"]
    ticket = await _create(world, operator)
    await _act(world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
    await _act(world, handler, ticket, "sign")
    await _act(world, handler, ticket, "reply", reply="已处理", resolution_mode="management")
    reopened = await _act(world, operator, ticket, "reopen", reason="回访不满意，摊贩又回来了")
    assert reopened["status"] == "in_progress" and reopened["reopen_count"] == 1
    assert reopened["clock_status"] == "running"
    await _act(world, handler, ticket, "reply", reply="已取缔", resolution_mode="enforcement")
    closed = await _act(world, operator, ticket, "close", satisfaction="basically_satisfied")
    assert closed["satisfaction"] == "basically_satisfied"


async def test_consultation_answered_directly_but_complaint_cannot_be(
    world: World, hotline: dict[str, Any]
) -> None:
    operator = hotline["operator"]
    question = await _create(world, operator, type="consultation", category_code="zixun")
    assert "answer" in question["allowed_actions"]
    answered = await _act(world, operator, question, "answer", reply="请到政务大厅办理")
    assert answered["status"] == "replied"
    complaint = await _create(world, operator)
    assert "answer" not in complaint["allowed_actions"]
    await _act(world, operator, complaint, "answer", expect=422, reply="x")


async def test_merge_duplicate_into_open_ticket(world: World, hotline: dict[str, Any]) -> None:
    operator = hotline["operator"]
    original = await _create(world, operator)
    duplicate = await _create(world, operator)
    merged = await _act(world, operator, duplicate, "merge", duplicate_of=original["id"])
    assert merged["status"] == "merged" and merged["duplicate_of"] == original["id"]
    view = (await world.as_(operator).get(f"/api/v1/tickets/{original['id']}")).json()
    assert view["duplicates"] == [duplicate["id"]]
    another = await _create(world, operator)
    await _act(world, operator, another, "merge", duplicate_of=original["id"])
    both = sorted([duplicate["id"], another["id"]])
    view = (await world.as_(operator).get(f"/api/v1/tickets/{original['id']}")).json()
    assert sorted(view["duplicates"]) == both
    listed = (await world.as_(operator).get("/api/v1/tickets", params={"status": "new"})).json()
    by_id = {item["id"]: item for item in listed["items"]}
    assert sorted(by_id[original["id"]]["duplicates"]) == both
    urged = await _act(world, hotline["supervisor"], original, "urge", comment="催办")
    assert sorted(urged["duplicates"]) == both
    third = await _create(world, operator)
    assert third["duplicates"] == []
    problem = await _act(world, operator, third, "merge", expect=422, duplicate_of=duplicate["id"])
    assert "open ticket" in problem["detail"]
    await _act(world, operator, third, "merge", expect=422, duplicate_of=third["id"])


async def test_cancel_is_terminal(world: World, hotline: dict[str, Any]) -> None:
    ticket = await _create(world, hotline["operator"])
    cancelled = await _act(world, hotline["supervisor"], ticket, "cancel", reason="重复来电")
    assert cancelled["status"] == "cancelled" and cancelled["allowed_actions"] == []
    await _act(world, hotline["supervisor"], ticket, "urge", expect=409, comment="x")


async def test_citizen_files_tracks_reopens_and_rates_own_ticket(
    world: World, hotline: dict[str, Any]
) -> None:
    citizen, operator, handler = hotline["citizen"], hotline["operator"], hotline["handler"]
    refused = await world.as_(citizen).post("/api/v1/tickets", json=ticket_body(channel="phone"))
    assert refused.status_code == 422
    ticket = await _create(world, citizen, channel="app")
    other_citizen = await world.user("citizen")
    assert (
        await world.as_(other_citizen).get(f"/api/v1/tickets/{ticket['id']}")
    ).status_code == 404
    await _act(world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
    await _act(world, handler, ticket, "sign")
    await _act(world, handler, ticket, "reply", reply="已处理", resolution_mode="service")
    mine = (await world.as_(citizen).get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert set(mine["allowed_actions"]) == {"close", "reopen"}
    await _act(world, citizen, ticket, "reopen", reason="没有处理")
    await _act(world, handler, ticket, "reply", reply="已处理完毕", resolution_mode="service")
    closed = await _act(world, citizen, ticket, "close", satisfaction="unsatisfied", comment="太慢")
    assert closed["satisfaction_comment"] == "太慢"


async def test_reporter_of_a_report_is_hidden_from_the_handling_department(
    world: World, hotline: dict[str, Any]
) -> None:
    operator, handler = hotline["operator"], hotline["handler"]
    report = await _create(
        world, operator, type="report", reporter={"name": "李先生", "phone": "13912345678"}
    )
    await _act(world, operator, report, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
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
    secret = await _create(
        world, operator, reporter={"name": "赵", "phone": "13700001111", "confidential": True}
    )
    plain = await _create(world, operator)
    for ticket in (secret, plain):
        await _act(
            world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"])
        )
    hidden = (await world.as_(handler).get(f"/api/v1/tickets/{secret['id']}")).json()
    assert hidden["reporter"]["name"] is None and hidden["reporter"]["phone"] is None
    masked = (await world.as_(handler).get(f"/api/v1/tickets/{plain['id']}")).json()
    assert masked["reporter"]["phone"] == "138****5678"
    assert masked["reporter"]["name"] == "王女士"
    unmasked = (await world.as_(supervisor).get(f"/api/v1/tickets/{plain['id']}")).json()
    assert unmasked["reporter"]["phone"] == "13812345678"


async def test_list_filters_and_keyword_search(world: World, hotline: dict[str, Any]) -> None:
    operator = hotline["operator"]
    await _create(
        world,
        operator,
        title="井盖缺失",
        category_code="shizheng_sheshi",
        location={"address": "学院路1号", "district": "海淀区"},
    )
    await _create(world, operator, priority="urgent")
    api = world.as_(operator)
    by_district = (await api.get("/api/v1/tickets", params={"district": "海淀区"})).json()
    assert [t["title"] for t in by_district["items"]] == ["井盖缺失"]
    by_keyword = (await api.get("/api/v1/tickets", params={"q": "井盖"})).json()
    assert len(by_keyword["items"]) == 1
    by_address = (await api.get("/api/v1/tickets", params={"q": "学院路"})).json()
    assert len(by_address["items"]) == 1
    urgent = (
        await api.get("/api/v1/tickets", params={"priority": "urgent", "status": "new"})
    ).json()
    assert len(urgent["items"]) == 1
    literal = (await api.get("/api/v1/tickets", params={"q": "%"})).json()
    assert literal["items"] == []
    by_phone = (await api.get("/api/v1/tickets", params={"reporter_phone": "13812345678"})).json()
    assert len(by_phone["items"]) == 2
    forbidden = await world.as_(hotline["handler"]).get(
        "/api/v1/tickets", params={"reporter_phone": "13812345678"}
    )
    assert forbidden.status_code == 403
    bad = await api.get("/api/v1/tickets", params={"status": "bogus"})
    assert bad.status_code == 422


async def test_unknown_category_is_refused(world: World, hotline: dict[str, Any]) -> None:
    response = await world.as_(hotline["operator"]).post(
        "/api/v1/tickets", json=ticket_body(category_code="nope")
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_category"


async def test_category_changes_apply_to_the_next_ticket_in_every_process(
    world: World, hotline: dict[str, Any], admin: Person
) -> None:
    """Each process keeps a copy of the catalogue; a change, here or in another process,
    is seen by the next request."""
    operator = hotline["operator"]
    categories = (await world.as_(admin).get("/api/v1/ticket-categories")).json()["items"]
    category = next(c for c in categories if c["code"] == "shizheng_sheshi")
    assert (await _create(world, operator, category_code="shizheng_sheshi"))["status"] == "new"
    patched = await world.as_(admin).patch(
        f"/api/v1/ticket-categories/{category['id']}", json={"is_active": False}
    )
    assert patched.status_code == 200, patched.text
    refused = await world.as_(operator).post(
        "/api/v1/tickets", json=ticket_body(category_code="shizheng_sheshi")
    )
    assert refused.status_code == 422 and refused.json()["code"] == "unknown_category"
    # Another process turns it back on: its row and a new token, in one transaction.
    async with world.app.state.sessionmaker() as session:
        await session.execute(
            update(TicketCategory)
            .where(col(TicketCategory.code) == "shizheng_sheshi")
            .values(is_active=True)
        )
        await ProcessCache("ticket_categories", catalogue.load).changed(session)
        await session.commit()
    assert (await _create(world, operator, category_code="shizheng_sheshi"))["status"] == "new"


async def test_seeded_categories_include_city_management_tree(
    world: World, hotline: dict[str, Any]
) -> None:
    categories = (await world.as_(hotline["operator"]).get("/api/v1/ticket-categories")).json()[
        "items"
    ]
    names = {c["name"] for c in categories}
    assert {
        "违法建设",
        "占道经营",
        "乱贴乱画小广告",
        "户外广告牌匾",
        "车辆乱停乱放",
        "建筑工地",
        "道路遗撒",
        "立面空间",
        "祭祀焚烧",
        "环境卫生",
        "市政设施",
    } <= names


async def test_statistics_group_rates_and_721_split(world: World, hotline: dict[str, Any]) -> None:
    operator, handler = hotline["operator"], hotline["handler"]
    modes = ["service", "service", "management"]
    for mode in modes:
        ticket = await _create(world, operator)
        await _act(
            world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"])
        )
        await _act(world, handler, ticket, "sign")
        await _act(world, handler, ticket, "reply", reply="ok", resolution_mode=mode)
        satisfaction = "unsatisfied" if mode == "management" else "satisfied"
        await _act(world, operator, ticket, "close", satisfaction=satisfaction)
    await _create(world, operator, type="help", category_code="huanjing_weisheng")
    stats = (
        await world.as_(hotline["supervisor"]).get(
            "/api/v1/stats/tickets", params={"group_by": "category"}
        )
    ).json()
    rows = {row["group"]: row for row in stats["rows"]}
    assert rows["zhandao_jingying"]["received"] == 3
    assert rows["zhandao_jingying"]["closed"] == 3
    assert rows["zhandao_jingying"]["satisfaction_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert rows["zhandao_jingying"]["on_time_closure_rate"] == 1.0
    assert rows["huanjing_weisheng"] == {
        **rows["huanjing_weisheng"],
        "received": 1,
        "open": 1,
        "closed": 0,
    }
    assert stats["resolution_modes"] == {"service": 2, "management": 1, "enforcement": 0}
