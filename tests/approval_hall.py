"""An approval hall to drive applications through the API: services, staff, applicants,
and shortcuts to apply, act, read and walk an application to its delivered decision.

Shared by every test file about approvals (the workflow, documents, ratings, exports).
"""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.models.approval import ApprovalApplication
from tests.conftest import World
from tests.factories import Person, set_stored

ZONE = ZoneInfo("Asia/Shanghai")

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


async def apply_for(world: World, who: Person, **overrides: Any) -> dict[str, Any]:
    response = await world.as_(who).post("/api/v1/approvals", json=application_body(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def act(
    world: World, who: Person, record: dict[str, Any], action: str, expect: int = 200, **body: Any
) -> dict[str, Any]:
    response = await world.as_(who).post(
        f"/api/v1/approvals/{record['id']}/actions/{action}", json=body
    )
    assert response.status_code == expect, response.text
    return dict(response.json())


async def read_record(world: World, who: Person, record: dict[str, Any]) -> dict[str, Any]:
    response = await world.as_(who).get(f"/api/v1/approvals/{record['id']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def events_of(world: World, who: Person, record: dict[str, Any]) -> list[dict[str, Any]]:
    response = await world.as_(who).get(f"/api/v1/approvals/{record['id']}/events")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def deadline_after(world: World, who: Person, start: str, days: int) -> datetime:
    """What the statutory calendar says: ``days`` working days after ``start``."""
    response = await world.as_(who).get(
        "/api/v1/calendar/add", params={"start": start, "days": days}
    )
    assert response.status_code == 200, response.text
    return datetime.fromisoformat(response.json()["due_at"])


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def force_fields(app: Any, record: dict[str, Any], **values: Any) -> None:
    """Set an application's stored dates, as time passing would.

    The engine reads the time itself (``utcnow()``), not the app's injected clock, so a
    deadline is passed by moving the stored dates back rather than the clock forward."""
    await set_stored(app, ApprovalApplication, record["id"], **values)


async def accepted_application(
    world: World, hall: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    application = await apply_for(world, hall["citizen"], **overrides)
    return await act(world, hall["clerk"], application, "accept")


async def approve(
    world: World,
    people: Mapping[str, Person],
    record: dict[str, Any],
    valid_until: date | None = None,
) -> dict[str, Any]:
    """Accept, review and grant ``record``: ``people`` gives the clerk, reviewer and leader."""
    body = {"valid_until": valid_until.isoformat()} if valid_until else {}
    for action, role, step_body in (
        ("accept", "clerk", {}),
        ("recommend", "reviewer", {"opinion": "approve"}),
        ("approve", "leader", body),
    ):
        record = await act(world, people[role], record, action, **step_body)
    return record


async def deliver(
    world: World, people: Mapping[str, Person], record: dict[str, Any]
) -> dict[str, Any]:
    """Grant ``record`` and deliver the decision electronically: completed."""
    granted = await approve(world, people, record)
    return await act(world, people["clerk"], granted, "deliver", method="electronic")


async def approved(
    world: World, hall: dict[str, Any], valid_until: date | None = None
) -> dict[str, Any]:
    """An application of the hall's citizen, accepted, reviewed and granted."""
    return await approve(world, hall, await apply_for(world, hall["citizen"]), valid_until)


async def delivered(world: World, hall: dict[str, Any]) -> dict[str, Any]:
    """An application of the hall's citizen, granted and delivered."""
    return await deliver(world, hall, await apply_for(world, hall["citizen"]))


async def provincial_system(world: World, hall: dict[str, Any]) -> dict[str, str]:
    """The headers of another agency's system reading the urban department's applications."""
    created = await world.as_(hall["admin"]).post(
        "/api/v1/api-clients",
        json={
            "name": "省政务服务平台",
            "scopes": ["approvals:read"],
            "department_id": str(hall["urban"]["id"]),
        },
    )
    assert created.status_code == 201, created.text
    return {"X-API-Key": created.json()["api_key"]}
