"""Service ratings (好差评) and rectification (整改): one rating per delivered approval or
closed ticket, in five levels; a bad real-name rating opens a rectification that the
department verifies and rectifies and a supervisor reviews, within 15 working days
(国办发〔2019〕51号)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from app.workflow.sweeper import sweep_overdue
from tests.approval_hall import application_body, delivered
from tests.conftest import World
from tests.factories import Person, ticket_body


async def _post(world: World, who: Person, url: str, expect: int = 200, **body: Any) -> Any:
    answer = await world.as_(who).post(url, json=body)
    assert answer.status_code == expect, answer.text
    return answer.json()


async def test_a_bad_real_name_rating_opens_a_rectification_due_in_15_working_days(
    world: World, hall: dict[str, Any]
) -> None:
    application = await delivered(world, hall)
    rating = await _post(
        world, hall["citizen"], "/api/v1/ratings", 201,
        kind="approval", record_id=application["id"], level="very_unsatisfied",
        comment="窗口让我跑了三次",
    )  # fmt: skip
    assert rating["source"] == "citizen" and rating["level_label"] == "非常不满意"
    assert rating["rectification_id"] is not None
    task = (await world.as_(hall["clerk"]).get(
        f"/api/v1/rectifications/{rating['rectification_id']}"
    )).json()  # fmt: skip
    assert task["status"] == "open" and task["department_id"] == application["department_id"]
    assert (
        task["source_number"] == application["number"] and task["complaint"] == "窗口让我跑了三次"
    )
    due = await world.as_(hall["clerk"]).get(
        "/api/v1/calendar/add", params={"start": task["created_at"], "days": 15}
    )
    assert datetime.fromisoformat(task["due_at"]) == datetime.fromisoformat(due.json()["due_at"])
    queue = (await world.as_(hall["clerk"]).get("/api/v1/tasks/mine")).json()["items"]
    assert task["id"] in [item["id"] for item in queue]
    # Another department neither sees nor acts on it.
    assert (await world.as_(hall["other_clerk"]).get(
        f"/api/v1/rectifications/{task['id']}"
    )).status_code == 404  # fmt: skip

    actions = f"/api/v1/rectifications/{task['id']}/actions"
    await _post(
        world, hall["clerk"], f"{actions}/verify", founded=True, reasons="属实：材料告知不清"
    )
    await _post(world, hall["clerk"], f"{actions}/rectify", measures="补充一次性告知清单")
    await _post(world, hall["clerk"], f"{actions}/review", 403, comment="自己复核")
    sent_back = await _post(world, hall["supervisor"], f"{actions}/send_back", reason="清单未公示")
    assert sent_back["status"] == "verified" and sent_back["sent_back_count"] == 1
    await _post(world, hall["clerk"], f"{actions}/rectify", measures="清单已在窗口和网站公示")
    closed = await _post(world, hall["supervisor"], f"{actions}/review", comment="整改到位")
    assert closed["status"] == "closed" and closed["is_overdue"] is False

    stats = (await world.as_(hall["supervisor"]).get("/api/v1/stats/ratings")).json()
    [group] = stats["groups"]
    assert group["group"] == application["department_id"]
    assert group["bad"] == 1 and group["bad_rectified_on_time"] == 1
    assert group["by_level"]["very_unsatisfied"] == 1


async def test_a_record_is_rated_once_and_only_when_done(
    world: World, hall: dict[str, Any]
) -> None:
    pending = await _post(world, hall["citizen"], "/api/v1/approvals", 201, **application_body())
    early = await world.as_(hall["citizen"]).post(
        "/api/v1/ratings",
        json={"kind": "approval", "record_id": pending["id"], "level": "satisfied"},
    )
    assert early.status_code == 422 and early.json()["code"] == "not_rateable"
    application = await delivered(world, hall)
    body = {"kind": "approval", "record_id": application["id"], "level": "satisfied"}
    assert (await world.as_(hall["citizen"]).post("/api/v1/ratings", json=body)).status_code == 201
    again = await world.as_(hall["clerk"]).post("/api/v1/ratings", json=body)
    assert again.status_code == 409 and again.json()["code"] == "already_rated"


async def test_someone_elses_application_cannot_be_rated(
    world: World, hall: dict[str, Any]
) -> None:
    application = await delivered(world, hall)
    answer = await world.as_(hall["other_citizen"]).post(
        "/api/v1/ratings",
        json={"kind": "approval", "record_id": application["id"], "level": "very_unsatisfied"},
    )
    assert answer.status_code == 404


async def test_a_good_or_anonymous_rating_opens_no_rectification(
    world: World, hall: dict[str, Any]
) -> None:
    first, second = await delivered(world, hall), await delivered(world, hall)
    good = await _post(
        world, hall["citizen"], "/api/v1/ratings", 201,
        kind="approval", record_id=first["id"], level="basically_satisfied",
    )  # fmt: skip
    anonymous = await _post(world, hall["clerk"], "/api/v1/ratings", 201,
                            kind="approval", record_id=second["id"], level="unsatisfied",
                            real_name=False)  # fmt: skip
    assert good["rectification_id"] is None and anonymous["rectification_id"] is None
    assert anonymous["source"] == "callback"


async def test_a_ticket_callback_is_its_rating(world: World) -> None:
    department = await world.department("CY-CG", districts=["朝阳区"])
    operator = await world.user("operator")
    handler = await world.user("handler", department=department)
    ticket = await _post(world, operator, "/api/v1/tickets", 201, **ticket_body())
    url = f"/api/v1/tickets/{ticket['id']}/actions"
    await _post(world, operator, f"{url}/dispatch", department_id=str(department["id"]))
    await _post(world, handler, f"{url}/sign")
    await _post(world, handler, f"{url}/reply", reply="已处理", resolution_mode="service")
    await _post(world, operator, f"{url}/close", satisfaction="unsatisfied", comment="没人来")
    [rating] = (await world.as_(operator).get("/api/v1/ratings")).json()["items"]
    assert rating["kind"] == "ticket" and rating["record_id"] == ticket["id"]
    assert rating["source"] == "callback" and rating["level"] == "unsatisfied"
    assert rating["rectification_id"] is not None
    refused = await world.as_(operator).post(
        "/api/v1/ratings", json={"kind": "ticket", "record_id": ticket["id"], "level": "satisfied"}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "rated_by_callback"
    mine = (await world.as_(handler).get("/api/v1/rectifications")).json()["items"]
    assert [t["id"] for t in mine] == [rating["rectification_id"]]


async def test_the_provincial_system_pushes_ratings_with_a_scope_of_its_own(
    world: World, hall: dict[str, Any]
) -> None:
    application = await delivered(world, hall)
    created = {}
    for scopes in (["approvals:read"], ["ratings:write"]):
        created[scopes[0]] = await _post(
            world, hall["admin"], "/api/v1/api-clients", 201, name="省好差评系统", scopes=scopes
        )
    body = {"kind": "approval", "record_id": application["id"], "level": "very_satisfied"}
    unscoped = await world.client.post(
        "/api/v1/ratings", json=body, headers={"X-API-Key": created["approvals:read"]["api_key"]}
    )
    assert unscoped.status_code == 403
    pushed = await world.client.post(
        "/api/v1/ratings", json=body, headers={"X-API-Key": created["ratings:write"]["api_key"]}
    )
    assert pushed.status_code == 201, pushed.text
    assert pushed.json()["source"] == "provincial"


async def test_an_unrectified_bad_rating_is_flagged_overdue_by_the_sweeper(
    world: World, hall: dict[str, Any]
) -> None:
    application = await delivered(world, hall)
    rating = await _post(
        world, hall["citizen"], "/api/v1/ratings", 201,
        kind="approval", record_id=application["id"], level="unsatisfied",
    )  # fmt: skip
    later = datetime.now(UTC) + timedelta(days=40)
    assert (
        await sweep_overdue(
            world.app.state.sessionmaker, world.app.state.registry, world.app.state.settings, later
        )
        >= 1
    )
    task = (await world.as_(hall["supervisor"]).get(
        f"/api/v1/rectifications/{rating['rectification_id']}"
    )).json()  # fmt: skip
    assert task["is_overdue"] is True
    overdue = (await world.as_(hall["supervisor"]).get(
        "/api/v1/rectifications", params={"is_overdue": "true"}
    )).json()["items"]  # fmt: skip
    assert [t["id"] for t in overdue] == [task["id"]]
    stats = (await world.as_(hall["supervisor"]).get("/api/v1/stats/ratings")).json()
    assert stats["groups"][0]["bad_rectified_on_time"] == 0


async def test_the_department_rectifying_never_learns_who_rated(
    world: World, hall: dict[str, Any]
) -> None:
    application = await delivered(world, hall)
    rating = await _post(
        world, hall["citizen"], "/api/v1/ratings", 201,
        kind="approval", record_id=application["id"], level="unsatisfied",
    )  # fmt: skip
    url = f"/api/v1/rectifications/{rating['rectification_id']}/events"
    [created] = (await world.as_(hall["clerk"]).get(url)).json()["items"]
    assert created["actor"]["id"] is None and created["actor"]["name"] is None
    assert created["client_ip"] is None
    [seen] = (await world.as_(hall["supervisor"]).get(url)).json()["items"]
    assert seen["actor"]["id"] == str(hall["citizen"].id)
