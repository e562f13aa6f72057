"""The generic engine: transitions, permissions, history, outbox, deadlines and the queue."""

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.actor import Actor
from app.kinds import REGISTRY
from app.models.audit import Event, OutboxMessage
from app.models.base import utcnow
from app.models.ticket import Ticket
from app.tickets.workflow import TICKET_WORKFLOW
from app.workflow import engine
from app.workflow.sweeper import sweep_overdue
from tests.conftest import IS_POSTGRES, World
from tests.factories import Person, ticket_body


@pytest.fixture
async def desk(world: World) -> dict[str, Any]:
    department = await world.department("CY", districts=["朝阳区"])
    return {
        "department": department,
        "operator": await world.user("operator"),
        "handler": await world.user("handler", department=department),
        "supervisor": await world.user("supervisor"),
    }


async def _ticket(world: World, operator: Person) -> dict[str, Any]:
    response = await world.as_(operator).post("/api/v1/tickets", json=ticket_body())
    assert response.status_code == 201
    return response.json()


async def _dispatch(world: World, desk: dict[str, Any], ticket: dict[str, Any]) -> Any:
    return await world.as_(desk["operator"]).post(
        f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
        json={"department_id": str(desk["department"]["id"])},
    )


def _actor(role: str, department_id: uuid.UUID | None, user_id: uuid.UUID) -> Actor:
    return Actor(user_id, "user", role, frozenset({role}), department_id)


async def test_allowed_actions_depend_on_role_and_department(
    world: World, desk: dict[str, Any]
) -> None:
    ticket = await _ticket(world, desk["operator"])
    dispatched = (await _dispatch(world, desk, ticket)).json()
    assert dispatched["allowed_actions"] == ["cancel"]
    supervisor_view = (
        await world.as_(desk["supervisor"]).get(f"/api/v1/tickets/{ticket['id']}")
    ).json()
    assert supervisor_view["allowed_actions"] == ["urge", "cancel"]
    handler_view = (await world.as_(desk["handler"]).get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert handler_view["allowed_actions"] == ["sign", "return"]


async def test_unknown_action_is_404(world: World, desk: dict[str, Any]) -> None:
    ticket = await _ticket(world, desk["operator"])
    response = await world.as_(desk["operator"]).post(
        f"/api/v1/tickets/{ticket['id']}/actions/teleport", json={}
    )
    assert response.status_code == 404


async def test_action_body_is_validated_with_field_errors(
    world: World, desk: dict[str, Any]
) -> None:
    ticket = await _ticket(world, desk["operator"])
    response = await world.as_(desk["operator"]).post(
        f"/api/v1/tickets/{ticket['id']}/actions/cancel", json={"reason": "", "extra": 1}
    )
    assert response.status_code == 422
    locations = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert ("body", "reason") in locations and ("body", "extra") in locations


async def test_stale_if_match_on_an_action_is_412_and_nothing_changes(
    world: World, desk: dict[str, Any]
) -> None:
    ticket = await _ticket(world, desk["operator"])
    response = await world.as_(desk["operator"]).post(
        f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
        json={"department_id": str(desk["department"]["id"])},
        headers={"If-Match": '"7"'},
    )
    assert response.status_code == 412 and response.json()["code"] == "version_mismatch"
    current = await world.as_(desk["operator"]).get(f"/api/v1/tickets/{ticket['id']}")
    assert current.json()["status"] == "new" and current.headers["ETag"] == '"1"'
    ok = await world.as_(desk["operator"]).post(
        f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
        json={"department_id": str(desk["department"]["id"])},
        headers={"If-Match": '"1"'},
    )
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'


async def test_each_change_has_one_chained_event_and_one_outbox_row(
    app: Any, world: World, desk: dict[str, Any]
) -> None:
    ticket = await _ticket(world, desk["operator"])
    await _dispatch(world, desk, ticket)
    await world.as_(desk["handler"]).post(f"/api/v1/tickets/{ticket['id']}/actions/sign")
    events = (
        await world.as_(desk["operator"]).get(f"/api/v1/tickets/{ticket['id']}/events")
    ).json()["items"]
    assert [(e["seq"], e["action"], e["from_status"], e["to_status"]) for e in events] == [
        (1, "created", None, "new"),
        (2, "dispatch", "new", "dispatched"),
        (3, "sign", "dispatched", "in_progress"),
    ]
    assert events[0]["prev_hash"] is None
    assert [e["prev_hash"] for e in events[1:]] == [e["hash"] for e in events[:-1]]
    assert events[1]["actor"]["roles"] == ["operator"]
    assert events[1]["client_ip"] == "203.0.113.7"
    assert events[1]["changes"]["department_id"]["after"] == str(desk["department"]["id"])
    async with app.state.sessionmaker() as session:
        outbox = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()  # type: ignore[arg-type]
    assert [m.event_type for m in outbox] == ["ticket.created", "ticket.dispatch", "ticket.sign"]
    assert {str(m.event_id) for m in outbox} == {e["id"] for e in events}
    assert "13812345678" not in str([m.payload for m in outbox])


async def test_a_rolled_back_action_leaves_no_event_and_no_outbox_row(
    app: Any, world: World, desk: dict[str, Any]
) -> None:
    ticket = await _ticket(world, desk["operator"])
    operator = _actor("operator", None, desk["operator"].id)
    async with app.state.sessionmaker() as session:
        before = await session.scalar(select(func.count()).select_from(OutboxMessage))
        record = await session.get(Ticket, uuid.UUID(ticket["id"]))
        assert record is not None
        body = TICKET_WORKFLOW.actions["cancel"].body(reason="测试回滚")
        await engine.apply_action(
            session, TICKET_WORKFLOW, record, "cancel", body, operator, settings=app.state.settings
        )
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == before + 1
        await session.rollback()
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == before
        events = await session.scalar(select(func.count()).select_from(Event))
        assert events == 1
        stored = await session.get(Ticket, uuid.UUID(ticket["id"]))
        assert stored is not None and stored.status == "new"


async def test_audit_verify_reports_a_tampered_event(
    app: Any, world: World, desk: dict[str, Any], admin: Person
) -> None:
    ticket = await _ticket(world, desk["operator"])
    await _dispatch(world, desk, ticket)
    api = world.as_(admin)
    clean = (await api.get("/api/v1/audit/verify")).json()
    assert clean["ok"] is True and clean["events_checked"] == 2 and clean["records_checked"] == 1
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Event).where(Event.seq == 2).values(comment="改过的记录")  # type: ignore[arg-type]
        )
        await session.commit()
    report = (
        await api.get("/api/v1/audit/verify", params={"kind": "ticket", "id": ticket["id"]})
    ).json()
    assert report["ok"] is False
    [link] = report["broken_links"]
    assert link["seq"] == 2 and link["record_id"] == ticket["id"]
    assert link["expected_hash"] != link["stored_hash"]
    denied = await world.as_(desk["operator"]).get("/api/v1/audit/verify")
    assert denied.status_code == 403


async def test_deleted_event_breaks_the_chain(
    app: Any, world: World, desk: dict[str, Any], admin: Person
) -> None:
    ticket = await _ticket(world, desk["operator"])
    await _dispatch(world, desk, ticket)
    await world.as_(desk["handler"]).post(f"/api/v1/tickets/{ticket['id']}/actions/sign")
    async with app.state.sessionmaker() as session:
        from sqlalchemy import delete

        await session.execute(delete(Event).where(Event.seq == 2))  # type: ignore[arg-type]
        await session.commit()
    report = (await world.as_(admin).get("/api/v1/audit/verify")).json()
    assert report["ok"] is False
    assert {link["seq"] for link in report["broken_links"]} == {3}


async def test_deleting_the_newest_events_is_reported(
    app: Any, world: World, desk: dict[str, Any], admin: Person
) -> None:
    # The remaining chain is intact; only the head kept on the record shows the loss.
    ticket = await _ticket(world, desk["operator"])
    await _dispatch(world, desk, ticket)
    await world.as_(desk["handler"]).post(f"/api/v1/tickets/{ticket['id']}/actions/sign")
    untouched = await _ticket(world, desk["operator"])
    async with app.state.sessionmaker() as session:
        from sqlalchemy import delete

        await session.execute(
            delete(Event).where(
                Event.record_id == uuid.UUID(ticket["id"]),  # type: ignore[arg-type]
                Event.seq == 3,  # type: ignore[arg-type]
            )
        )
        await session.commit()
    report = (await world.as_(admin).get("/api/v1/audit/verify")).json()
    assert report["ok"] is False
    [link] = report["broken_links"]
    assert (link["record_id"], link["seq"]) == (ticket["id"], 3)
    assert "chain ends at #2" in link["problem"]
    alone = await world.as_(admin).get(
        "/api/v1/audit/verify", params={"kind": "ticket", "id": untouched["id"]}
    )
    assert alone.json()["ok"] is True


async def _force_due(app: Any, ticket_id: str, when: Any) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Ticket).where(Ticket.id == uuid.UUID(ticket_id)).values(due_at=when)
        )  # type: ignore[arg-type]
        await session.commit()


def _past_due(record: dict[str, Any], by: timedelta) -> datetime:
    """A moment ``by`` after the record's deadline: the sweeper is handed its time."""
    return datetime.fromisoformat(record["due_at"]) + by


async def test_sweeper_flags_overdue_once_per_deadline_even_with_two_sweepers(
    app: Any, world: World, desk: dict[str, Any]
) -> None:
    ticket = await _ticket(world, desk["operator"])
    dispatched = (await _dispatch(world, desk, ticket)).json()
    later = _past_due(dispatched, timedelta(minutes=5))
    sessions = app.state.sessionmaker
    await sweep_overdue(
        sessions, app.state.registry, app.state.settings, later - timedelta(minutes=10)
    )  # not yet due: nothing
    await asyncio.gather(
        sweep_overdue(sessions, app.state.registry, app.state.settings, later),
        sweep_overdue(sessions, app.state.registry, app.state.settings, later),
    )
    await sweep_overdue(sessions, app.state.registry, app.state.settings, later)
    events = (
        await world.as_(desk["operator"]).get(f"/api/v1/tickets/{ticket['id']}/events")
    ).json()["items"]
    assert [e["action"] for e in events].count("overdue") == 1
    view = (await world.as_(desk["operator"]).get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert view["is_overdue"] is True
    overdue_list = (
        await world.as_(desk["operator"]).get("/api/v1/tickets", params={"is_overdue": "true"})
    ).json()["items"]
    assert [t["id"] for t in overdue_list] == [ticket["id"]]
    # A new deadline that passes too gets its own overdue event.
    signed = await world.as_(desk["handler"]).post(f"/api/v1/tickets/{ticket['id']}/actions/sign")
    await sweep_overdue(
        sessions,
        app.state.registry,
        app.state.settings,
        _past_due(signed.json(), timedelta(minutes=1)),
    )
    events = (
        await world.as_(desk["operator"]).get(f"/api/v1/tickets/{ticket['id']}/events")
    ).json()["items"]
    assert [e["action"] for e in events].count("overdue") == 2
    async with app.state.sessionmaker() as session:
        types = (await session.scalars(select(OutboxMessage.event_type))).all()
    assert types.count("ticket.overdue") == 2


async def test_twenty_parallel_identical_actions_let_exactly_one_win(
    world: World, desk: dict[str, Any]
) -> None:
    ticket = await _ticket(world, desk["operator"])
    api = world.as_(desk["operator"])

    async def dispatch() -> int:
        response = await api.post(
            f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
            json={"department_id": str(desk["department"]["id"])},
        )
        return int(response.status_code)

    statuses = await asyncio.gather(*(dispatch() for _ in range(20)))
    assert statuses.count(200) == 1
    losers = {409, 412} if IS_POSTGRES else {409, 412, 503}  # SQLite serialises writers
    assert set(statuses) - {200} <= losers
    events = (await api.get(f"/api/v1/tickets/{ticket['id']}/events")).json()["items"]
    assert [e["action"] for e in events] == ["created", "dispatch"]


async def test_workflow_definitions_and_mermaid_diagrams(
    world: World, desk: dict[str, Any]
) -> None:
    api = world.as_(desk["operator"])
    listed = (await api.get("/api/v1/workflows")).json()
    assert "ticket" in {w["name"] for w in listed}
    ticket = (await api.get("/api/v1/workflows/ticket")).json()
    assert {s["name"] for s in ticket["states"] if s["terminal"]} == {
        "closed",
        "merged",
        "cancelled",
    }
    dispatch = next(a for a in ticket["actions"] if a["name"] == "dispatch")
    assert dispatch["from"] == ["new", "returned"] and dispatch["roles"] == ["operator"]
    assert dispatch["clock"][0]["op"] == "start"
    reply = next(a for a in ticket["actions"] if a["name"] == "reply")
    assert reply["required_fields"] == ["reply", "resolution_mode"]
    assert "new --> dispatched: dispatch" in ticket["mermaid"]
    assert (await api.get("/api/v1/workflows/nothing")).status_code == 404


def test_readme_diagrams_are_generated_from_the_definitions() -> None:
    from app.workflow.diagram import README, readme_block

    assert readme_block(REGISTRY.workflows) in README.read_text(encoding="utf-8"), (
        "README diagrams are stale: run `python -m app diagrams`"
    )


async def test_my_tasks_lists_actionable_records_soonest_deadline_first(
    app: Any, world: World, desk: dict[str, Any]
) -> None:
    first, second, untouched = [await _ticket(world, desk["operator"]) for _ in range(3)]
    for ticket in (first, second):
        await _dispatch(world, desk, ticket)
    await _force_due(app, second["id"], utcnow() + timedelta(minutes=10))
    handler_tasks = (await world.as_(desk["handler"]).get("/api/v1/tasks/mine")).json()
    assert [t["id"] for t in handler_tasks["items"]] == [second["id"], first["id"]]
    assert handler_tasks["items"][0]["allowed_actions"] == ["sign", "return"]
    assert handler_tasks["items"][0]["kind"] == "ticket"
    operator_tasks = (
        await world.as_(desk["operator"]).get("/api/v1/tasks/mine", params={"kind": "ticket"})
    ).json()
    assert untouched["id"] in {t["id"] for t in operator_tasks["items"]}
    await _force_due(app, first["id"], utcnow() - timedelta(minutes=10))
    late = (
        await world.as_(desk["handler"]).get("/api/v1/tasks/mine", params={"overdue": "true"})
    ).json()
    assert [t["id"] for t in late["items"]] == [first["id"]]
    page = (await world.as_(desk["handler"]).get("/api/v1/tasks/mine", params={"limit": 1})).json()
    rest = (
        await world.as_(desk["handler"]).get(
            "/api/v1/tasks/mine", params={"limit": 1, "cursor": page["next_cursor"]}
        )
    ).json()
    assert [t["id"] for t in page["items"] + rest["items"]] == [first["id"], second["id"]]


async def test_estimated_deadline_is_recomputed_when_official_days_are_entered(
    app: Any, world: World, desk: dict[str, Any], admin: Person
) -> None:
    from datetime import UTC, datetime

    ticket = await _ticket(world, desk["operator"])
    await _dispatch(world, desk, ticket)
    # A clock started just before the 2027 New Year runs into a year with no schedule yet.
    started = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == uuid.UUID(ticket["id"]))
            .values(  # type: ignore[arg-type]
                clock_started_at=started,
                clock_amount=5,
                clock_unit="working_days",
                deadline_basis="estimated",
                due_at=datetime(2027, 1, 7, 15, 59, 59, tzinfo=UTC),
            )
        )
        await session.commit()
    api = world.as_(admin)
    response = await api.put(
        "/api/v1/calendar/days/2027-01-05", json={"kind": "holiday", "name": "测试假日"}
    )
    assert response.status_code == 200
    view = (await world.as_(desk["operator"]).get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert view["deadline_basis"] == "official"
    assert view["due_at"].startswith("2027-01-08")
    events = (
        await world.as_(desk["operator"]).get(f"/api/v1/tickets/{ticket['id']}/events")
    ).json()["items"]
    recomputed = events[-1]
    assert recomputed["action"] == "deadline_recomputed"
    assert recomputed["actor"]["id"] == str(admin.id)
    assert recomputed["changes"]["due_at"]["before"].startswith("2027-01-07")


async def test_supervision_rights_do_not_fill_the_supervisors_queue(
    world: World, desk: dict[str, Any]
) -> None:
    ticket = await _ticket(world, desk["operator"])
    await _dispatch(world, desk, ticket)
    view = (await world.as_(desk["supervisor"]).get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert "urge" in view["allowed_actions"]
    queue = (await world.as_(desk["supervisor"]).get("/api/v1/tasks/mine")).json()
    assert queue["items"] == []
