"""Drive a workflow's records to each of its states through the API, and say what each
(state, action, role) must answer according to the declaration.

An ``Office`` holds one person per role (each relating to the records as that role's
scope asks: a department role in the record's department, the citizen its owner), how a
record is created, the actions that walk a fresh record to each state, and a valid body
for every action. Bodies are valid so that what refuses a request is the workflow, never
the request's validation.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.actor import Actor
from app.models.identity import Role
from app.workflow import engine
from app.workflow.definition import SYSTEM_ROLE, Action, Workflow
from tests.conftest import World
from tests.factories import Person

ROLES = tuple(str(role) for role in Role)
Record = dict[str, Any]
Body = Callable[[Record], dict[str, Any]]
# A step of a walk: an action with the default body, an action with its own body, or
# something done to the record between actions (as a caller outside the workflow would).
Step = str | tuple[str, dict[str, Any]] | Callable[[Record], Awaitable[None]]


@dataclass(frozen=True)
class Refusal:
    """A rule refusing an action: 422 ``guard_failed`` with ``reason`` in the detail."""

    state: str
    action: str
    reason: str
    walk: tuple[Step, ...] | None = None  # default: the state's walk
    body: dict[str, Any] | Body | None = None  # default: the action's valid body
    create: Mapping[str, Any] = field(default_factory=dict)
    status: int = 422
    code: str = "guard_failed"


@dataclass
class Office:
    world: World
    workflow: Workflow
    people: dict[str, Person]  # role -> the person acting in that role
    create: Callable[..., Awaitable[Record]]
    walks: dict[str, tuple[Step, ...]]  # state -> steps from the initial state
    bodies: dict[str, Body]
    acting: Callable[[str, str], str]  # (action, state) -> the role that takes it on walks
    # (state, action) -> how to reach a record on which the action may succeed, when the
    # state's walk reaches one on which a rule refuses it (create overrides, steps).
    variants: dict[tuple[str, str], tuple[Mapping[str, Any], tuple[Step, ...]]] = field(
        default_factory=dict
    )
    refusals: tuple[Refusal, ...] = ()

    @property
    def url(self) -> str:
        return f"/api/v1/{self.workflow.collection}"

    def routed_actions(self) -> list[Action]:
        return [a for a in self.workflow.actions.values() if a.roles != {SYSTEM_ROLE}]

    async def post(
        self, record: Record, action: str, role: str, body: dict[str, Any] | None = None
    ) -> Any:
        payload = self.bodies[action](record) if body is None else body
        return await self.world.as_(self.people[role]).post(
            f"{self.url}/{record['id']}/actions/{action}", json=payload
        )

    async def get(self, record: Record) -> Record:
        response = await self.world.as_(self.people["admin"]).get(f"{self.url}/{record['id']}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def walk(self, steps: tuple[Step, ...], **create: Any) -> Record:
        record = await self.create(**create)
        for step in steps:
            if callable(step):
                await step(record)
                record = await self.get(record)
                continue
            action, body = (step, None) if isinstance(step, str) else step
            response = await self.post(record, action, self.acting(action, record["status"]), body)
            assert response.status_code == 200, (action, record["status"], response.text)
            record = response.json()
        return record

    async def reach(self, state: str, action: str | None = None) -> Record:
        create, steps = self.variants.get((state, action or ""), ({}, self.walks[state]))
        record = await self.walk(steps, **create)
        assert record["status"] == state, (state, action, record["status"])
        return record

    async def sees(self, record: Record, role: str) -> bool:
        """Whether the role's scope in the declaration covers the stored record."""
        person = self.people[role]
        actor = Actor(
            person.id, "user", person.username, frozenset(person.roles), person.department_id
        )
        async with self.world.app.state.sessionmaker() as session:
            row = await session.get(self.workflow.model, uuid.UUID(record["id"]))
            assert row is not None
            return engine.may_see(self.workflow, row, actor)


def declared_roles(action: Action) -> frozenset[str]:
    return action.roles.union(*action.roles_by_state.values())


def expected_refusal(action: Action, state: str, role: str, visible: bool) -> int | None:
    """The status the declaration gives the request, or None when it lets it through."""
    if not visible:
        return 404  # a record one may not see is not found, so its existence does not leak
    if state not in action.sources:
        return 409
    if role not in action.roles_from(state):
        return 403
    return None


def roles_to_try(action: Action, state: str) -> list[str]:
    """Every role where the action leaves ``state``; elsewhere the roles that may take it
    (from some state) and the admin, who sees everything and takes no action."""
    if state in action.sources:
        return list(ROLES)
    return sorted(declared_roles(action) | {"admin"})


async def assert_matrix(office: Office) -> int:
    """Run the whole matrix of ``office``'s workflow; returns the number of requests."""
    workflow = office.workflow
    assert set(office.walks) == set(workflow.states), "a walk to every state"
    assert set(office.bodies) >= {a.name for a in office.routed_actions()}, "a body per action"
    requests = 0
    allowed: list[tuple[str, str, str]] = []
    for state in workflow.states:
        record = await office.reach(state)
        visible = {role: await office.sees(record, role) for role in ROLES}
        for action in office.routed_actions():
            for role in roles_to_try(action, state):
                expected = expected_refusal(action, state, role, visible[role])
                if expected is None:
                    allowed.append((state, action.name, role))
                    continue
                response = await office.post(record, action.name, role)
                requests += 1
                where = (workflow.name, state, action.name, role)
                assert response.status_code == expected, (where, response.text)
                problem = response.json()
                if expected == 409:
                    assert problem["code"] == "transition_not_allowed", where
                    assert problem["current_status"] == state, where
                elif expected == 403:
                    assert problem["code"] == "forbidden", where
        after = await office.get(record)
        assert (after["status"], after["version"]) == (state, record["version"]), state
    for state in workflow.open_states:
        assert any(s == state for s, _, _ in allowed), f"nothing leaves {state}"
    for state, name, role in allowed:
        record = await office.reach(state, name)
        response = await office.post(record, name, role)
        requests += 1
        where = (workflow.name, state, name, role)
        assert response.status_code == 200, (where, response.text)
        moved = response.json()
        target = workflow.actions[name].target or state
        assert (moved["status"], moved["version"]) == (target, record["version"] + 1), where
    return requests


async def assert_refusals(office: Office) -> None:
    """Every guard and availability rule of the workflow refuses, with its own reason."""
    ruled = {a.name for a in office.routed_actions() if a.guards or a.available}
    assert ruled <= {r.action for r in office.refusals}, "a refusal for every rule"
    for refusal in office.refusals:
        steps = office.walks[refusal.state] if refusal.walk is None else refusal.walk
        record = await office.walk(steps, **refusal.create)
        assert record["status"] == refusal.state, refusal
        role = office.acting(refusal.action, refusal.state)
        body = refusal.body(record) if callable(refusal.body) else refusal.body
        response = await office.post(record, refusal.action, role, body)
        assert response.status_code == refusal.status, (refusal, response.text)
        problem = response.json()
        assert problem["code"] == refusal.code, (refusal, problem)
        assert refusal.reason in problem["detail"], (refusal.reason, problem["detail"])
        after = await office.get(record)
        assert (after["status"], after["version"]) == (refusal.state, record["version"])
