"""Keyword search answers the same pages whichever plan PostgreSQL's search takes.

On PostgreSQL a term of three characters or more is searched by a probe of the newest
rows, a capped walk, or the trigram index (app/records/keyword_search.py), chosen by how
often the probe finds it. Each plan is forced here by shrinking the windows, and every
page of every term must equal the plain list filtered by substring, newest first: a plan
that lost, repeated or reordered a row would fail. SQLite has one plan; the same pages
hold there.
"""

from typing import Any

import pytest

from app.records import keyword_search
from tests.conftest import AuthedClient, World
from tests.factories import ticket_body

LONG = "长" * 40 + "Long-Term_100%" + "尾" * 46  # exactly the 100 characters q allows

# Matches spread among the unrelated tickets, so no window happens to hold them all.
TITLES = [
    "旧宫花园井盖缺失",
    "无关的工单一",
    "鼓楼西里噪音扰民",
    "旧宫花园路灯不亮",
    "Garden Court 垃圾满溢",
    "无关的工单二",
    "旧宫花园占道经营",
    "GARDEN 绿化带损毁",
    "折扣100%_\\a'b\"c",
    "旧宫花园积水",
    "无关的工单三",
    "鼓楼西里停车难",
    "旧宫花园电梯故障",
]
TERMS = [
    "旧宫花园",  # common: more matches than a page
    "鼓楼西里",  # rare
    "花园",  # short: no trigram
    "园",
    "garden",  # has case: ILIKE
    "GARDEN",
    "100%",
    "%_\\",
    "%",
    "_",
    "\\",
    "a'b\"c",
    "%%%",  # would match every ticket if % were a wildcard
    "'; --",
    "制表\t符",  # tab, the one control character a query may carry
    LONG,
    LONG[1:],
]

PLANS: dict[str, dict[str, int]] = {
    "as shipped": {},
    "the walk": {"PROBE_ROWS": 1, "WALK_FROM_HITS": 0, "WALK_ROWS": 1000},
    "a walk too short, then the index": {"PROBE_ROWS": 1, "WALK_FROM_HITS": 0, "WALK_ROWS": 3},
    "the trigram index": {"PROBE_ROWS": 1, "WALK_FROM_HITS": 10**6},
    "a probe of two rows": {"PROBE_ROWS": 2},
}


async def _create_tickets(api: AuthedClient) -> None:
    for number, title in enumerate(TITLES):
        content = "制表\t符号在内容里" if number == 5 else f"第{number}号反映"
        if number == 8:
            content = f"很长的内容{LONG}结束"
        address = "大兴区旧宫花园3号楼" if number == 1 else "建国路88号"
        body = ticket_body(
            title=title, content=content, location={"address": address, "district": "朝阳区"}
        )
        answer = await api.post("/api/v1/tickets", json=body)
        assert answer.status_code == 201, answer.text


def _matches(ticket: dict[str, Any], term: str) -> bool:
    fields = [ticket["title"], ticket["content"], ticket["location"]["address"], ticket["number"]]
    return any(term.lower() in field.lower() for field in fields)


async def _pages(api: AuthedClient, params: dict[str, Any]) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        answer = await api.get("/api/v1/tickets", params=query)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append([ticket["id"] for ticket in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("plan", sorted(PLANS))
async def test_every_plan_pages_through_the_same_matches_newest_first(
    world: World, monkeypatch: pytest.MonkeyPatch, plan: str
) -> None:
    api = world.as_(await world.user("operator"))
    await _create_tickets(api)
    everything = (await api.get("/api/v1/tickets", params={"limit": 100})).json()["items"]
    assert len(everything) == len(TITLES)
    for name, value in PLANS[plan].items():
        monkeypatch.setattr(keyword_search, name, value)
    for term in TERMS:
        expected = [ticket["id"] for ticket in everything if _matches(ticket, term)]
        for limit in (2, 3, 100):
            pages = await _pages(api, {"q": term, "limit": limit})
            found = [ticket_id for page in pages for ticket_id in page]
            assert found == expected, (term, limit)
            assert all(len(page) == limit for page in pages[:-1]), (term, limit)


async def test_the_common_term_has_more_matches_than_a_page_and_the_rare_one_fewer(
    world: World,
) -> None:
    # The plan test above is only as good as its terms: one must fill pages, one must not.
    api = world.as_(await world.user("operator"))
    await _create_tickets(api)
    common = await api.get("/api/v1/tickets", params={"q": "旧宫花园", "limit": 3})
    rare = await api.get("/api/v1/tickets", params={"q": "鼓楼西里", "limit": 3})
    assert len(common.json()["items"]) == 3 and common.json()["next_cursor"] is not None
    assert len(rare.json()["items"]) == 2 and rare.json()["next_cursor"] is None


async def test_a_search_with_other_filters_pages_the_same_whichever_plan(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = world.as_(await world.user("operator"))
    await _create_tickets(api)
    params = {"q": "旧宫花园", "district": "朝阳区", "limit": 2}
    shipped = await _pages(api, params)
    for plan in PLANS.values():
        for name, value in plan.items():
            monkeypatch.setattr(keyword_search, name, value)
        assert await _pages(api, params) == shipped
        monkeypatch.undo()
    assert sum(len(page) for page in shipped) == 6


async def test_a_term_longer_than_q_allows_is_refused(world: World) -> None:
    api = world.as_(await world.user("operator"))
    answer = await api.get("/api/v1/tickets", params={"q": LONG + "x"})
    assert answer.status_code == 422
