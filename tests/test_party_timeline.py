"""A party's whole history (一件事): approvals, cases and escalated tickets of one person or
organisation, newest first, as far as the caller may see them; and its summary."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from app.actor import Actor
from app.oversight import parties
from tests.approval_hall import application_body, make_hall
from tests.case_bureau import COMPANY, Bureau, make_bureau, today
from tests.conftest import World
from tests.factories import ticket_body

APPLICANT = {"type": "organisation", "name": COMPANY["name"], "id_number": COMPANY["id_number"],
             "phone": "13812345678"}  # fmt: skip
TIMELINE = f"/api/v1/parties/{COMPANY['id_number']}/timeline"


@pytest.fixture
async def history(world: World) -> dict[str, Any]:
    """Oldest first: an application, an escalated ticket (and its case), a decided case."""
    admin = await world.user("admin")
    hall = await make_hall(world, admin)
    applied = await world.as_(hall["clerk"]).post(
        "/api/v1/approvals", json=application_body(applicant=APPLICANT)
    )
    assert applied.status_code == 201, applied.text
    bureau = await make_bureau(world)
    operator = await world.user("operator")
    handler = await world.user("handler", department=bureau.brigade)
    ticket = (await world.as_(operator).post("/api/v1/tickets", json=ticket_body())).json()
    url = f"/api/v1/tickets/{ticket['id']}"
    await world.as_(operator).post(
        f"{url}/actions/dispatch", json={"department_id": str(bureau.brigade["id"])}
    )
    await world.as_(handler).post(f"{url}/actions/sign")
    escalated = await world.as_(handler).post(
        f"{url}/actions/escalate",
        json={"party": COMPANY, "violation_occurred_on": (today() - timedelta(days=1)).isoformat()},
    )
    assert escalated.status_code == 200, escalated.text
    decided = await bureau.decided(party=COMPANY)
    # Someone else's case, which must not appear.
    await bureau.create()
    return {
        "hall": hall,
        "bureau": bureau,
        "application": applied.json(),
        "ticket": escalated.json(),
        "decided": decided,
    }


async def test_the_timeline_holds_every_module_newest_first(
    world: World, history: dict[str, Any]
) -> None:
    bureau: Bureau = history["bureau"]
    answer = await world.as_(bureau.supervisor).get(TIMELINE)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    escalated_case = history["ticket"]["related_case_id"]
    assert [(i["module"], i["id"]) for i in items] == [
        ("case", history["decided"]["id"]),
        ("case", escalated_case),
        ("ticket", history["ticket"]["id"]),
        ("approval", history["application"]["id"]),
    ]
    newest = items[0]
    assert newest["state"] == "decided" and newest["step"] == "decide"
    assert newest["number"] == history["decided"]["number"]
    assert items[-1]["state"] == "submitted" and items[-1]["collection"] == "approvals"
    # Nothing personal beyond the number asked for: no names, phones or addresses.
    text = answer.text
    assert COMPANY["name"] not in text and "13812345678" not in text


async def test_the_timeline_pages_with_a_cursor_without_repeats(
    world: World, history: dict[str, Any]
) -> None:
    supervisor = history["bureau"].supervisor
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = (await world.as_(supervisor).get(TIMELINE, params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 4 and len(set(seen)) == 4


async def test_a_department_sees_only_its_own_records_in_the_timeline(
    world: World, history: dict[str, Any]
) -> None:
    clerk = history["hall"]["clerk"]
    mine = (await world.as_(clerk).get(TIMELINE)).json()["items"]
    assert [i["module"] for i in mine] == ["approval"]
    outsider = history["bureau"].outsider
    assert (await world.as_(outsider).get(TIMELINE)).json()["items"] == []


async def test_the_summary_counts_states_fines_and_open_deadlines(
    world: World, history: dict[str, Any]
) -> None:
    answer = await world.as_(history["bureau"].supervisor).get(
        f"/api/v1/parties/{COMPANY['id_number']}"
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    counts = {(c["module"], c["state"]): c["count"] for c in body["counts"]}
    assert counts == {
        ("approval", "submitted"): 1,
        ("case", "registered"): 1,
        ("case", "decided"): 1,
        ("ticket", "in_progress"): 1,
    }
    assert body["penalties_decided"] == "5000.00" and body["penalties_paid"] == "0.00"
    assert body["permits_held"] == 0
    assert {d["module"] for d in body["open_deadlines"]} >= {"approval", "case"}


@pytest.mark.parametrize("number", ["91110105MA01C3XK2K", "110101199001011238", "123"])
async def test_a_number_with_a_wrong_check_character_is_refused(world: World, number: str) -> None:
    supervisor = await world.user("supervisor")
    answer = await world.as_(supervisor).get(f"/api/v1/parties/{number}/timeline")
    assert answer.status_code == 422


async def _plan(app: Any, query: Any) -> str:
    async with app.state.engine.connect() as connection:
        compiled = query.compile(connection.engine, compile_kwargs={"literal_binds": True})
        if connection.dialect.name == "postgresql":
            # On a nearly empty table a sequential scan is cheapest; forbid it to see
            # whether an index can serve the query at all.
            await connection.execute(text("SET LOCAL enable_seqscan = off"))
            rows = await connection.execute(text(f"EXPLAIN {compiled}"))
            return "\n".join(row[0] for row in rows)
        rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    ("module", "index"),
    [("approval", "ix_approvals_applicant_created"), ("case", "ix_cases_party_created")],
)
async def test_the_timeline_reads_each_module_by_its_party_index(
    app: Any, module: str, index: str
) -> None:
    supervisor = Actor(uuid.uuid4(), "user", "s", frozenset({"supervisor"}), None)
    source = next(s for s in parties.sources(COMPANY["id_number"], supervisor) if s.kind == module)
    assert index in await _plan(
        app, parties.page_query(app.state.registry, source, supervisor, 20, None)
    )


async def test_only_who_sees_the_party_in_full_finds_its_cases_by_its_number(
    world: World, history: dict[str, Any]
) -> None:
    reviewer = history["bureau"].reviewer  # sees cases in review, the party masked
    items = (await world.as_(reviewer).get(TIMELINE)).json()["items"]
    assert "case" not in {item["module"] for item in items}
    summary = (await world.as_(reviewer).get(f"/api/v1/parties/{COMPANY['id_number']}")).json()
    assert summary["penalties_decided"] == "0.00"


async def test_an_api_client_may_not_search_a_party_by_its_number(
    world: World, history: dict[str, Any]
) -> None:
    admin = await world.user("admin")
    client = await world.as_(admin).post(
        "/api/v1/api-clients",
        json={"name": "委办局系统", "scopes": ["cases:read"],
              "department_id": str(history["bureau"].brigade["id"])},
    )  # fmt: skip
    answer = await world.client.get(TIMELINE, headers={"X-API-Key": client.json()["api_key"]})
    assert answer.status_code == 403


async def _delivered_and_rated(
    world: World, hall: dict[str, Any], level: str, real_name: bool
) -> tuple[Any, Any]:
    clerk = hall["clerk"]
    applied = await world.as_(clerk).post(
        "/api/v1/approvals", json=application_body(applicant=APPLICANT)
    )
    url = f"/api/v1/approvals/{applied.json()['id']}/actions"
    for who, step, body in (
        (clerk, "accept", {}),
        (hall["reviewer"], "recommend", {"opinion": "approve"}),
        (hall["leader"], "approve", {}),
        (clerk, "deliver", {"method": "electronic"}),
    ):
        answer = await world.as_(who).post(f"{url}/{step}", json=body)
        assert answer.status_code == 200, answer.text
    rating = await world.as_(clerk).post(
        "/api/v1/ratings",
        json={"kind": "approval", "record_id": applied.json()["id"], "level": level,
              "real_name": real_name},
    )  # fmt: skip
    assert rating.status_code == 201, rating.text
    return applied.json(), rating.json()


async def test_the_timeline_holds_the_ratings_the_party_gave_under_its_name(
    world: World, history: dict[str, Any]
) -> None:
    hall = history["hall"]
    application, rating = await _delivered_and_rated(world, hall, "satisfied", real_name=True)
    # Recorded by callback without the real name: not the party's to be shown.
    await _delivered_and_rated(world, hall, "unsatisfied", real_name=False)
    supervisor = history["bureau"].supervisor
    items = (await world.as_(supervisor).get(TIMELINE, params={"limit": 50})).json()["items"]
    rated = [item for item in items if item["module"] == "rating"]
    assert rated == [
        {
            "module": "rating", "collection": "ratings", "id": rating["id"],
            "number": application["number"], "title": "服务评价：满意", "state": "satisfied",
            "step": "rate", "step_at": rated[0]["created_at"],
            "created_at": rated[0]["created_at"], "due_at": None,
        }
    ]  # fmt: skip
    # Newest first: the second application, then the rating, then the application rated.
    assert [item["id"] for item in items[1:3]] == [rating["id"], application["id"]]
    # Paged one entry at a time, the rating is met once, with the rest.
    seen, cursor = [], None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await world.as_(supervisor).get(TIMELINE, params=params)).json()
        seen += [item["id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [item["id"] for item in items]
    # The department that rates nothing of the party's sees no rating of it.
    outsider = history["bureau"].outsider
    assert (await world.as_(outsider).get(TIMELINE)).json()["items"] == []


async def test_the_timeline_reads_a_partys_ratings_by_the_rater_index(app: Any) -> None:
    supervisor = Actor(uuid.uuid4(), "user", "s", frozenset({"supervisor"}), None)
    query = parties.rating_page_query(
        app.state.registry, COMPANY["id_number"], supervisor, 20, None
    )
    assert "ix_ratings_rater_rated" in await _plan(app, query)
