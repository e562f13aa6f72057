"""An approval hall to drive applications through the API: services, staff, applicants.

Shared by every test file about approvals (the workflow, exports).
"""

from typing import Any

from tests.conftest import World
from tests.factories import Person

PERSON_ID = "11010519491231002X"  # GB 11643's own example
COMPANY_CODE = "91350100M000100Y43"
FORM = {"code": "shenqingshu", "name": "申请书", "required": True}
PLAN = {"code": "shigong_fangan", "name": "施工方案", "required": True}
PROXY = {"code": "weituoshu", "name": "授权委托书", "required": False}


async def add_service(
    world: World, admin: Person, department: dict[str, Any], **fields: Any
) -> Any:
    body = {
        "code": "daolu_wajue",
        "name": "城市道路占用、挖掘审批",
        "department_id": str(department["id"]),
        "legal_limit_days": 20,
        "committed_limit_days": 5,
        "required_materials": [FORM, PLAN, PROXY],
        **fields,
    }
    response = await world.as_(admin).post("/api/v1/approval-services", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def make_hall(world: World, admin: Person) -> dict[str, Any]:
    """An approval hall: the city-management department's people and services, and another's."""
    urban = await world.department("CG-SP", name="城管局审批科")
    housing = await world.department("ZJ-SP", name="住建局审批科")
    return {
        "admin": admin,
        "urban": urban,
        "road": await add_service(world, admin, urban),
        "spot": await add_service(
            world,
            admin,
            urban,
            code="zhaopai_jiban",
            name="门头招牌设置（即办件）",
            committed_limit_days=0,
            on_the_spot=True,
            required_materials=[FORM],
        ),
        "sign": await add_service(
            world,
            admin,
            urban,
            code="huwai_guanggao",
            name="设置大型户外广告审批",
            committed_limit_days=7,
            required_materials=[FORM],
        ),
        "housing_service": await add_service(world, admin, housing, code="shigong_xuke"),
        "clerk": await world.user("clerk", department=urban),
        "reviewer": await world.user("reviewer", department=urban),
        "leader": await world.user("leader", department=urban),
        "other_clerk": await world.user("clerk", department=housing),
        "supervisor": await world.user("supervisor"),
        "citizen": await world.user("citizen"),
        "other_citizen": await world.user("citizen"),
    }


def application_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_code": "daolu_wajue",
        "applicant": {
            "type": "person",
            "name": "王建国",
            "id_number": PERSON_ID,
            "phone": "13812345678",
        },
        "title": "建国路管线维修临时挖掘道路",
        "materials": [{"code": "shenqingshu"}, {"code": "shigong_fangan"}],
    }
    body.update(overrides)
    return body
