"""Categories apply to the next ticket everywhere; lists filter and search; statistics
group the rates and the 7-2-1 split."""

from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col

from app.core.process_cache import ProcessCache
from app.models.ticket import TicketCategory
from app.tickets.categories import catalogue
from tests.conftest import World
from tests.factories import Person, ticket_body
from tests.hotline import act, create


async def test_list_filters_and_keyword_search(world: World, hotline: dict[str, Any]) -> None:
    operator = hotline["operator"]
    await create(
        world,
        operator,
        title="井盖缺失",
        category_code="shizheng_sheshi",
        location={"address": "学院路1号", "district": "海淀区"},
    )
    await create(world, operator, priority="urgent")
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


async def test_category_changes_apply_to_the_next_ticket_in_every_process(
    world: World, hotline: dict[str, Any], admin: Person
) -> None:
    """Each process keeps a copy of the catalogue; a change, here or in another process,
    is seen by the next request."""
    operator = hotline["operator"]
    categories = (await world.as_(admin).get("/api/v1/ticket-categories")).json()["items"]
    category = next(c for c in categories if c["code"] == "shizheng_sheshi")
    assert (await create(world, operator, category_code="shizheng_sheshi"))["status"] == "new"
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
    assert (await create(world, operator, category_code="shizheng_sheshi"))["status"] == "new"


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
        ticket = await create(world, operator)
        await act(world, operator, ticket, "dispatch", department_id=str(hotline["chaoyang"]["id"]))
        await act(world, handler, ticket, "sign")
        await act(world, handler, ticket, "reply", reply="ok", resolution_mode=mode)
        satisfaction = "unsatisfied" if mode == "management" else "satisfied"
        await act(world, operator, ticket, "close", satisfaction=satisfaction)
    await create(world, operator, type="help", category_code="huanjing_weisheng")
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
