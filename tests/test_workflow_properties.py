"""Random walks through the ticket workflow keep the engine's invariants."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.tickets.workflow import TICKET_WORKFLOW
from tests.conftest import World
from tests.factories import ticket_body, truncate_all

# A valid body for each action, and who performs it.
STEPS: dict[str, tuple[str, dict[str, Any]]] = {
    "dispatch": ("operator", {"department_id": "{department}"}),
    "answer": ("operator", {"reply": "已答复"}),
    "sign": ("handler", {}),
    "return": ("handler", {"reason_code": "other", "reason": "不属本部门"}),
    "assign": ("supervisor", {"department_id": "{department}", "reason": "裁定"}),
    "reply": ("handler", {"reply": "已处理", "resolution_mode": "service"}),
    "extend": ("supervisor", {"reason": "协调", "days": 2}),
    "close": ("operator", {"satisfaction": "satisfied"}),
    "reopen": ("operator", {"reason": "不满意"}),
    "urge": ("supervisor", {"comment": "督办"}),
    "cancel": ("supervisor", {"reason": "重复"}),
}


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    walk=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=10),
    ticket_type=st.sampled_from(["complaint", "consultation"]),
)
async def test_random_action_sequences_keep_the_invariants(
    app: Any, world: World, walk: list[str], ticket_type: str
) -> None:
    await truncate_all(app)
    department = await world.department("WALK")
    people = {
        "operator": await world.user("operator"),
        "handler": await world.user("handler", department=department),
        "supervisor": await world.user("supervisor"),
        "admin": await world.user("admin"),
    }
    created = await world.as_(people["operator"]).post(
        "/api/v1/tickets", json=ticket_body(type=ticket_type)
    )
    ticket = created.json()
    url = f"/api/v1/tickets/{ticket['id']}"
    changes = 1
    for name in walk:
        role, body = STEPS[name]
        body = {k: str(department["id"]) if v == "{department}" else v for k, v in body.items()}
        seen = await world.as_(people[role]).get(url)
        response = await world.as_(people[role]).post(f"{url}/actions/{name}", json=body)
        if seen.status_code == 404:  # e.g. a handler before dispatch to their department
            assert response.status_code == 404
            continue
        before = seen.json()
        if name not in before["allowed_actions"]:
            assert response.status_code in (409, 422), (name, before["status"], response.text)
            if before["status"] in TICKET_WORKFLOW.terminal:
                assert response.status_code == 409
            continue
        if response.status_code == 422:  # a guard (e.g. the extension limit) refused it
            assert response.json()["code"] == "guard_failed"
            continue
        assert response.status_code == 200, response.text
        changes += 1
        after = response.json()
        action = TICKET_WORKFLOW.actions[name]
        assert after["status"] == (action.target or before["status"])
        assert after["status"] in TICKET_WORKFLOW.states
        assert after["version"] == before["version"] + 1
        if after["status"] in TICKET_WORKFLOW.terminal:
            assert after["allowed_actions"] == []
    events = (
        await world.as_(people["operator"]).get(f"{url}/events", params={"limit": 100})
    ).json()["items"]
    assert len(events) == changes
    assert [e["seq"] for e in events] == list(range(1, changes + 1))
    report = (await world.as_(people["admin"]).get("/api/v1/audit/verify")).json()
    assert report["ok"] is True
