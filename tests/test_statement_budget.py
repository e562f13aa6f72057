"""How many SQL statements the hot requests send, each a round trip to the database.

docs/performance.md measures these requests under load; a change that makes one of them
send more statements fails here first, with the statements listed.

On PostgreSQL an action's UPDATE, its event and its outbox message are one statement, and a
create's event and outbox message another (``app.workflow.audit.append_after``); SQLite has
no data-modifying CTEs, and no round trips to save, so it sends them one by one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.approval_hall import act, application_body, apply_for, make_hall
from tests.case_bureau import make_bureau
from tests.conftest import World
from tests.factories import Person, ticket_body

PAGE = 20


def on_postgres(app: Any) -> bool:
    return bool(app.state.engine.dialect.name == "postgresql")


def budget_for(app: Any, postgres: dict[str, int], sqlite_more: dict[str, int]) -> dict[str, int]:
    """The PostgreSQL budget, or SQLite's: ``sqlite_more`` statements more per request."""
    if on_postgres(app):
        return postgres
    return {name: count + sqlite_more.get(name, 0) for name, count in postgres.items()}


def over_budget(sent: dict[str, list[str]], budget: dict[str, int]) -> dict[str, list[str]]:
    return {name: statements for name, statements in sent.items() if len(statements) > budget[name]}


@contextmanager
def statements_of(app: Any) -> Iterator[list[str]]:
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement.split("\n")[0][:120])

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_hot_ticket_requests_stay_within_their_statements(world: World) -> None:
    department = await world.department("CY-CG", name="朝阳城管", districts=["朝阳区"])
    operator = await world.user("operator")
    handler = await world.user("handler", department=department)
    api, handler_api = world.as_(operator), world.as_(handler)
    warm = await api.post("/api/v1/tickets", json=ticket_body())  # fills the process caches
    to_department = {"department_id": str(department["id"])}
    await api.post(f"/api/v1/tickets/{warm.json()['id']}/actions/dispatch", json=to_department)
    # The actor's row brings the process caches' tokens (the calendar's) along; an action
    # is its locked read, then one statement. Dispatch reads the receiving department.
    budget = budget_for(
        world.app,
        {"create": 4, "get": 2, "list": 2, "dispatch": 4, "sign": 3},
        {"create": 1, "dispatch": 2, "sign": 2},
    )
    sent: dict[str, list[str]] = {}
    with statements_of(world.app) as create:
        ticket = (await api.post("/api/v1/tickets", json=ticket_body())).json()
    sent["create"] = create
    url = f"/api/v1/tickets/{ticket['id']}"
    with statements_of(world.app) as get:
        assert (await api.get(url)).status_code == 200
    sent["get"] = get
    with statements_of(world.app) as listing:
        page = await api.get("/api/v1/tickets", params={"status": "new", "district": "朝阳区"})
        assert page.status_code == 200 and page.json()["items"]
    sent["list"] = listing
    with statements_of(world.app) as dispatch:
        response = await api.post(f"{url}/actions/dispatch", json=to_department)
        assert response.status_code == 200, response.text
    sent["dispatch"] = dispatch
    with statements_of(world.app) as sign:
        response = await handler_api.post(f"{url}/actions/sign", json={})
        assert response.status_code == 200, response.text
    sent["sign"] = sign
    assert not over_budget(sent, budget), sent


async def test_an_application_and_a_case_and_their_first_actions_stay_within_their_statements(
    world: World, admin: Person
) -> None:
    hall = await make_hall(world, admin)
    bureau = await make_bureau(world)
    await act(world, hall["clerk"], await apply_for(world, hall["citizen"]), "accept")
    await bureau.filed()  # fills the process caches
    budget = budget_for(
        world.app,
        # accept issues its notice (受理通知书) and file its officers' rows and documents:
        # their own statements, beside the engine's three.
        {"apply": 5, "accept": 12, "create case": 5, "file": 18},
        {"apply": 1, "accept": 2, "create case": 1, "file": 2},
    )
    sent: dict[str, list[str]] = {}
    with statements_of(world.app) as sent["apply"]:
        application = await apply_for(world, hall["citizen"])
    with statements_of(world.app) as sent["accept"]:
        await act(world, hall["clerk"], application, "accept")
    with statements_of(world.app) as sent["create case"]:
        case = await bureau.create()
    with statements_of(world.app) as sent["file"]:
        await bureau.act(case, "file", officers=bureau.officers())
    assert not over_budget(sent, budget), sent


async def _listing_statements(
    world: World, who: Person, url: str, limit: int, **params: str
) -> tuple[list[Any], list[str]]:
    with statements_of(world.app) as sent:
        response = await world.as_(who).get(url, params={"limit": limit, **params})
        assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items, sent


async def _assert_page_costs_no_more_than_one_row(
    world: World, who: Person, url: str, budget: int, **params: str
) -> list[Any]:
    """A page of 20 sends as many statements as a page of 1, and no more than ``budget``:
    what a page renders is read for the whole page at once, not row by row."""
    await _listing_statements(world, who, url, 1, **params)  # fills the process caches
    one, sent_for_one = await _listing_statements(world, who, url, 1, **params)
    page, sent_for_page = await _listing_statements(world, who, url, PAGE, **params)
    assert (len(one), len(page)) == (1, PAGE)
    assert len(sent_for_page) == len(sent_for_one), (sent_for_one, sent_for_page)
    assert len(sent_for_page) <= budget, sent_for_page
    return page


async def test_a_page_of_tickets_costs_what_one_ticket_costs(world: World) -> None:
    operator = await world.user("operator")
    for _ in range(PAGE + 1):
        assert (await world.as_(operator).post("/api/v1/tickets", json=ticket_body())).is_success
    await _assert_page_costs_no_more_than_one_row(world, operator, "/api/v1/tickets", 2)


async def test_a_page_of_applications_costs_what_one_application_costs(
    world: World, admin: Person
) -> None:
    hall = await make_hall(world, admin)
    for _ in range(PAGE + 1):
        response = await world.as_(hall["citizen"]).post(
            "/api/v1/approvals", json=application_body()
        )
        assert response.status_code == 201, response.text
    await _assert_page_costs_no_more_than_one_row(world, hall["clerk"], "/api/v1/approvals", 2)


async def test_a_page_of_cases_costs_what_one_case_costs(world: World) -> None:
    """The officers of the whole page come in one query, each case's in their order."""
    bureau = await make_bureau(world)
    for _ in range(PAGE - 2):
        await bureau.create()
    filed = await bureau.filed()
    other_order = await bureau.create()
    other_order = await bureau.act(
        other_order, "file", officers=bureau.officers(bureau.partner, bureau.inspector)
    )
    await bureau.create()
    page = await _assert_page_costs_no_more_than_one_row(
        world, bureau.inspector, "/api/v1/cases", 3
    )
    listed = {case["id"]: case["officers"] for case in page}
    assert listed[filed["id"]] == filed["officers"] and len(filed["officers"]) == 2
    assert listed[other_order["id"]] == other_order["officers"]
    assert [o["user_id"] for o in other_order["officers"]] == [
        str(bureau.partner.id),
        str(bureau.inspector.id),
    ]
    assert sum(1 for officers in listed.values() if not officers) == PAGE - 2
