"""The service catalogue, the lists' filters and search, and the statistics against the
committed limits."""

from typing import Any

from tests.approval_hall import (
    COMPANY_CODE,
    accepted_application,
    act,
    application_body,
    apply_for,
)
from tests.conftest import World


async def test_seeded_services_take_applications_once_assigned_a_department(
    world: World, hall: dict[str, Any]
) -> None:
    services = (await world.as_(hall["citizen"]).get("/api/v1/approval-services")).json()
    seeded = {s["name"]: s for s in services if s["department_id"] is None}
    assert {
        "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批",
        "城市道路占用、挖掘审批",
        "建筑垃圾处置核准",
    } <= set(seeded)
    waste = seeded["建筑垃圾处置核准"]
    assert waste["fee"] == "0.00" and waste["committed_limit_days"] <= waste["legal_limit_days"]
    body = application_body(service_code=waste["code"], materials=[{"code": "shenqingshu"}])
    refused = await world.as_(hall["citizen"]).post("/api/v1/approvals", json=body)
    assert refused.status_code == 422 and refused.json()["code"] == "service_not_assigned"
    assigned = await world.as_(hall["admin"]).patch(
        f"/api/v1/approval-services/{waste['id']}",
        json={"department_id": str(hall["urban"]["id"])},
        headers={"If-Match": f'"{waste["version"]}"'},
    )
    assert assigned.status_code == 200
    accepted = await world.as_(hall["citizen"]).post("/api/v1/approvals", json=body)
    assert accepted.status_code == 201


async def test_service_catalogue_is_admin_managed_with_consistent_money(
    world: World, hall: dict[str, Any]
) -> None:
    admin = world.as_(hall["admin"])
    body = {
        "code": "linshi_jianzhu",
        "name": "临时建筑审批",
        "department_id": str(hall["urban"]["id"]),
        "legal_limit_days": 20,
        "committed_limit_days": 10,
        "fee": 12.5,
    }
    created = await admin.post("/api/v1/approval-services", json=body)
    assert created.status_code == 201 and created.json()["fee"] == "12.50"
    service = created.json()
    read = await admin.get(f"/api/v1/approval-services/{service['id']}")
    assert read.json()["fee"] == "12.50" and read.headers["ETag"] == '"1"'
    duplicate = await admin.post("/api/v1/approval-services", json=body)
    assert duplicate.status_code == 409
    too_long = {**body, "code": "other", "committed_limit_days": 30}
    assert (await admin.post("/api/v1/approval-services", json=too_long)).status_code == 422
    fraction = {**body, "code": "other", "fee": "1.005"}
    assert (await admin.post("/api/v1/approval-services", json=fraction)).status_code == 422
    url = f"/api/v1/approval-services/{service['id']}"
    raised = await admin.patch(url, json={"committed_limit_days": 25})
    assert raised.status_code == 422
    stale = await admin.patch(url, json={"fee": "0"}, headers={"If-Match": '"9"'})
    assert stale.status_code == 412
    free = await admin.patch(url, json={"fee": "0"})
    assert free.json()["fee"] == "0.00" and free.json()["version"] == 2
    clerk_post = await world.as_(hall["clerk"]).post("/api/v1/approval-services", json=body)
    assert clerk_post.status_code == 403
    inactive = await admin.patch(url, json={"is_active": False})
    assert inactive.status_code == 200
    listed = (await admin.get("/api/v1/approval-services", params={"is_active": "false"})).json()
    assert [s["code"] for s in listed] == ["linshi_jianzhu"]


async def test_list_filters_and_keyword_search(world: World, hall: dict[str, Any]) -> None:
    clerk = hall["clerk"]
    online = await apply_for(world, hall["citizen"], title="管线维修挖掘")
    green = await apply_for(
        world,
        clerk,
        service_code="huwai_guanggao",
        green_channel=True,
        materials=[{"code": "shenqingshu"}],
        applicant={
            "type": "organisation",
            "name": "某某广告有限公司",
            "id_number": COMPANY_CODE,
            "phone": "13700001111",
        },
    )
    await act(world, clerk, online, "accept")
    api = world.as_(clerk)

    async def ids(**params: Any) -> list[str]:
        response = await api.get("/api/v1/approvals", params=params)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]

    assert await ids() == [green["id"], online["id"]]
    assert await ids(status="under_review") == [online["id"]]
    assert await ids(service_code="huwai_guanggao") == [green["id"]]
    assert await ids(channel="online") == [online["id"]]
    assert await ids(green_channel="true") == [green["id"]]
    assert await ids(department_id=str(hall["urban"]["id"])) == [green["id"], online["id"]]
    assert await ids(q="广告有限") == [green["id"]]
    assert await ids(q=online["number"]) == [online["id"]]
    assert await ids(is_overdue="true") == []
    assert await ids(created_to=online["created_at"]) == []
    assert await ids(limit=1) == [green["id"]]
    bad = await api.get("/api/v1/approvals", params={"status": "bogus"})
    assert bad.status_code == 422


async def test_statistics_count_each_outcome_and_time_against_the_committed_limit(
    world: World, hall: dict[str, Any]
) -> None:
    citizen, clerk, reviewer, leader = (
        hall["citizen"],
        hall["clerk"],
        hall["reviewer"],
        hall["leader"],
    )
    spot = await accepted_application(
        world, hall, service_code="zhaopai_jiban", materials=[{"code": "shenqingshu"}]
    )
    await act(world, clerk, spot, "approve")
    rejected = await accepted_application(world, hall)
    await act(world, reviewer, rejected, "recommend", opinion="reject")
    await act(world, leader, rejected, "reject", reason="不符合条件")
    refused = await apply_for(world, citizen)
    await act(world, clerk, refused, "refuse", reason="不属本机关职权")
    withdrawn = await apply_for(world, citizen)
    await act(world, citizen, withdrawn, "withdraw")
    await apply_for(world, citizen)
    await apply_for(world, citizen, service_code="huwai_guanggao", materials=[])

    response = await world.as_(hall["supervisor"]).get(
        "/api/v1/stats/approvals", params={"group_by": "service"}
    )
    assert response.status_code == 200, response.text
    rows = {row["group"]: row for row in response.json()["rows"]}
    assert rows["daolu_wajue"] == {
        "group": "daolu_wajue",
        "received": 4,
        "accepted": 1,
        "approved": 0,
        "rejected": 1,
        "not_accepted": 1,
        "withdrawn": 1,
        "in_progress": 1,
        "overdue": 0,
        "decided": 1,
        "average_decision_working_days": 0.0,
        "average_committed_limit_days": 5.0,
        "on_the_spot_share": 0.0,
    }
    assert rows["zhaopai_jiban"]["approved"] == 1
    assert rows["zhaopai_jiban"]["on_the_spot_share"] == 1.0
    assert rows["zhaopai_jiban"]["average_committed_limit_days"] == 0.0
    assert rows["huwai_guanggao"]["in_progress"] == 1
    channels = (
        await world.as_(hall["supervisor"]).get(
            "/api/v1/stats/approvals", params={"group_by": "channel"}
        )
    ).json()["rows"]
    assert [(row["group"], row["received"]) for row in channels] == [("online", 6)]
    other = (
        await world.as_(hall["other_clerk"]).get(
            "/api/v1/stats/approvals", params={"group_by": "department"}
        )
    ).json()
    assert other["rows"] == []
    future = (
        await world.as_(hall["supervisor"]).get(
            "/api/v1/stats/approvals", params={"from": "2100-01-01T00:00:00Z"}
        )
    ).json()
    assert future["rows"] == []
