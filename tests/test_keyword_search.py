"""Keyword search: what it matches, and on PostgreSQL that it reads the trigram indexes.

At a million tickets an unindexed substring search takes seconds (docs/performance.md);
the plan tests fail when a list's search expression and its index drift apart.
"""

import uuid
from typing import Any

import pytest
from sqlalchemy import Select, select, text

from app.actor import Actor
from app.approvals import filters as approvals
from app.cases import filters as cases
from app.models.approval import ApprovalApplication
from app.models.base import utcnow
from app.models.case import EnforcementCase
from app.models.ticket import Ticket
from app.tickets import filters as tickets
from tests.conftest import IS_POSTGRES, World
from tests.factories import ticket_body

SUPERVISOR = Actor(
    id=uuid.uuid4(),
    kind="user",
    name="supervisor",
    roles=frozenset({"supervisor"}),
    department_id=None,
)


def _ticket_search(term: str) -> Select[Any]:
    clauses = tickets.filter_clauses(tickets.TicketFilters(q=term), SUPERVISOR, utcnow())
    return select(Ticket.id).where(*clauses)


def _approval_search(term: str) -> Select[Any]:
    clauses = approvals.filter_clauses(approvals.ApprovalFilters(q=term), SUPERVISOR, utcnow())
    return select(ApprovalApplication.id).where(*clauses)


def _case_search(term: str) -> Select[Any]:
    clauses = cases.filter_clauses(cases.CaseFilters(q=term), SUPERVISOR, utcnow())
    return select(EnforcementCase.id).where(*clauses)


SEARCHES = {"tickets": _ticket_search, "approvals": _approval_search, "cases": _case_search}


async def _plan(app: Any, query: Select[Any]) -> str:
    async with app.state.engine.connect() as connection:
        # On a nearly empty table a sequential scan is cheapest; forbid it to see whether
        # the index can serve the expression at all.
        await connection.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = query.compile(connection.engine, compile_kwargs={"literal_binds": True})
        rows = await connection.execute(text(f"EXPLAIN {compiled}"))
        return "\n".join(row[0] for row in rows)


@pytest.mark.skipif(not IS_POSTGRES, reason="the pg_trgm indexes exist on PostgreSQL only")
@pytest.mark.parametrize("table", sorted(SEARCHES))
async def test_a_keyword_of_three_characters_or_more_reads_the_trigram_index(
    app: Any, table: str
) -> None:
    plan = await _plan(app, SEARCHES[table]("旧宫花园"))
    assert f"ix_{table}_search_trgm" in plan


@pytest.mark.skipif(not IS_POSTGRES, reason="the pg_trgm indexes exist on PostgreSQL only")
@pytest.mark.parametrize("table", sorted(SEARCHES))
async def test_a_shorter_keyword_never_reads_the_trigram_index(app: Any, table: str) -> None:
    # Without a trigram in the term, the index would be read whole (14 s at 1M tickets).
    plan = await _plan(app, SEARCHES[table]("花园"))
    assert "search_trgm" not in plan


async def test_keyword_search_matches_title_content_address_and_number(world: World) -> None:
    api = world.as_(await world.user("operator"))
    bodies = [
        ticket_body(title="旧宫花园井盖缺失"),
        ticket_body(content="旧宫花园门口占道经营"),
        ticket_body(location={"address": "大兴区旧宫花园3号楼", "district": "大兴区"}),
        ticket_body(title="无关的工单"),
    ]
    created = [(await api.post("/api/v1/tickets", json=body)).json() for body in bodies]
    found = (await api.get("/api/v1/tickets", params={"q": "旧宫花园"})).json()["items"]
    assert {t["id"] for t in found} == {t["id"] for t in created[:3]}
    by_number = (await api.get("/api/v1/tickets", params={"q": created[3]["number"]})).json()
    assert [t["id"] for t in by_number["items"]] == [created[3]["id"]]
    short = (await api.get("/api/v1/tickets", params={"q": "花园"})).json()["items"]
    assert {t["id"] for t in short} == {t["id"] for t in created[:3]}


@pytest.mark.parametrize(
    "term", ["O'Brien", "旧宫'; DROP TABLE tickets; --", "%' OR '1'='1", "\\'"]
)
async def test_a_keyword_with_quotes_is_searched_literally(world: World, term: str) -> None:
    api = world.as_(await world.user("operator"))
    mine = (await api.post("/api/v1/tickets", json=ticket_body(title=f"标题{term}"))).json()
    await api.post("/api/v1/tickets", json=ticket_body(title="别的工单"))
    found = await api.get("/api/v1/tickets", params={"q": term})
    assert found.status_code == 200
    assert [t["id"] for t in found.json()["items"]] == [mine["id"]]
