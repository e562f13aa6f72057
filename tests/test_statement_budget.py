"""How many SQL statements the hot requests send, each a round trip to the database.

docs/performance.md measures these requests under load; a change that makes one of them
send more statements fails here first, with the statements listed.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.conftest import World
from tests.factories import ticket_body


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
    budget = {"create": 6, "get": 2, "list": 2, "dispatch": 7, "sign": 6}
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
    over = {name: statements for name, statements in sent.items() if len(statements) > budget[name]}
    assert not over, over
