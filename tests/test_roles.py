"""The roles: described from the workflow definitions, served by the API, enforced on users."""

from app.kinds import REGISTRY
from app.models.identity import Role
from app.workflow.definition import SYSTEM_ROLE, Workflow
from app.workflow.diagram import README, ROLES_BEGIN, ROLES_DOC, roles_block, roles_document
from tests.conftest import World
from tests.factories import Person

STRONG = "湖畔 晨跑 七点 整"


def _workflows() -> list[Workflow]:
    return REGISTRY.workflows


def test_roles_document_is_generated_from_the_workflow_definitions() -> None:
    assert ROLES_DOC.read_text(encoding="utf-8") == roles_document(_workflows()), (
        "docs/roles.md is stale: run `python -m app diagrams`"
    )
    readme = README.read_text(encoding="utf-8")
    if ROLES_BEGIN in readme:  # the README carries the same table once it is pasted there
        assert roles_block(_workflows()) in readme, "run `python -m app diagrams`"


async def test_roles_endpoint_lists_every_action_each_role_may_take(
    world: World, admin: Person
) -> None:
    response = await world.as_(admin).get("/api/v1/roles")
    assert response.status_code == 200
    roles = {role["name"]: role for role in response.json()}
    assert set(roles) == {*(str(role) for role in Role), SYSTEM_ROLE}
    for workflow in _workflows():
        for action in workflow.actions.values():
            for role in action.roles | {r for rs in action.roles_by_state.values() for r in rs}:
                assert action.name in roles[role]["actions"][workflow.name], (role, action.name)
    assert roles["handler"]["needs_department"] and roles["inspector"]["needs_department"]
    assert not roles["operator"]["needs_department"] and not roles["citizen"]["needs_department"]
    assert roles[SYSTEM_ROLE]["assignable"] is False
    assert "deem_accepted" in roles[SYSTEM_ROLE]["actions"]["approval"]
    assert "sweeper" in roles[SYSTEM_ROLE]["description"]


async def test_user_with_a_department_role_but_no_department_is_refused(
    world: World, admin: Person
) -> None:
    api = world.as_(admin)
    body = {"username": "clerk-nowhere", "password": STRONG, "roles": ["clerk"]}
    refused = await api.post("/api/v1/users", json=body)
    assert refused.status_code == 422
    assert refused.json()["code"] == "department_required"
    assert refused.json()["errors"][0]["loc"] == ["body", "department_id"]
    listed = (await api.get("/api/v1/users", params={"limit": 100})).json()["items"]
    assert "clerk-nowhere" not in {user["username"] for user in listed}

    department = await world.department("CG-SP")
    created = await api.post("/api/v1/users", json={**body, "department_id": str(department["id"])})
    assert created.status_code == 201
    cleared = await api.patch(f"/api/v1/users/{created.json()['id']}", json={"department_id": None})
    assert cleared.status_code == 422 and cleared.json()["code"] == "department_required"


async def test_operator_needs_no_department(world: World, admin: Person) -> None:
    body = {"username": "hotline-1", "password": STRONG, "roles": ["operator"]}
    assert (await world.as_(admin).post("/api/v1/users", json=body)).status_code == 201
