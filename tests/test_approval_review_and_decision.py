"""Review, suspension (not counted, 第四十五条), one extension, the decision by the leader or
on the spot by the clerk, withdrawal, and delivery."""

from datetime import date, timedelta
from typing import Any

from tests.approval_hall import (
    ZONE,
    accepted_application,
    act,
    application_body,
    apply_for,
    at,
    deadline_after,
    events_of,
    force_fields,
    read_record,
)
from tests.conftest import World


async def test_full_path_accept_review_recommend_approve_deliver(
    world: World, hall: dict[str, Any]
) -> None:
    clerk, reviewer, leader = hall["clerk"], hall["reviewer"], hall["leader"]
    application = await apply_for(world, hall["citizen"])
    accepted = await act(world, clerk, application, "accept")
    assert accepted["status"] == "under_review" and accepted["clock_phase"] == "decision"
    assert accepted["acceptance_due_at"] == application["acceptance_due_at"]
    decision_due = await deadline_after(world, clerk, accepted["accepted_at"], 5)
    assert at(accepted["decision_due_at"]) == decision_due
    assert (await read_record(world, reviewer, application))["allowed_actions"] == [
        "suspend",
        "recommend",
    ]
    pending = await act(world, reviewer, application, "recommend", opinion="approve")
    assert pending["status"] == "pending_decision" and pending["recommendation"] == "approve"
    assert (await read_record(world, leader, application))["allowed_actions"] == [
        "approve",
        "reject",
        "send_back",
    ]
    valid_until = (date.today() + timedelta(days=90)).isoformat()
    approved = await act(
        world, leader, application, "approve", valid_until=valid_until, conditions="夜间施工"
    )
    year = at(approved["decided_at"]).astimezone(ZONE).year
    assert approved["status"] == "approved" and approved["decision"] == "approved"
    assert approved["licence_number"] == f"XK{year}-000001"
    assert approved["valid_until"] == valid_until and approved["decided_on_the_spot"] is False
    assert approved["decision_working_days"] == 0 and approved["clock_phase"] == "delivery"
    assert at(approved["decision_due_at"]) == decision_due
    assert at(approved["delivery_due_at"]) == await deadline_after(
        world, clerk, approved["decided_at"], 10
    )
    completed = await act(world, clerk, application, "deliver", method="electronic")
    assert completed["status"] == "completed" and completed["allowed_actions"] == []
    assert completed["clock_status"] == "stopped" and completed["delivery_method"] == "electronic"
    history = await events_of(world, hall["citizen"], application)
    assert [e["action"] for e in history] == [
        "created",
        "accept",
        "recommend",
        "approve",
        "deliver",
    ]
    assert history[3]["payload"]["licence_number"] == approved["licence_number"]


async def test_suspended_working_days_are_not_counted(
    app: Any, world: World, hall: dict[str, Any]
) -> None:
    reviewer = hall["reviewer"]
    application = await accepted_application(world, hall)
    await act(world, reviewer, application, "suspend", expect=422, reason="holiday")
    suspended = await act(world, reviewer, application, "suspend", reason="expert_review")
    assert suspended["status"] == "suspended" and suspended["clock_status"] == "paused"
    assert suspended["suspension_reason"] == "expert_review"
    # The expert review began two weeks ago.
    paused_at = at(suspended["updated_at"]) - timedelta(days=14)
    await force_fields(app, application, paused_at=paused_at)
    first_day = paused_at.astimezone(ZONE).date() + timedelta(days=1)
    today = at(suspended["updated_at"]).astimezone(ZONE).date()
    workdays = await world.as_(reviewer).get(
        "/api/v1/calendar/workdays",
        params={"from": first_day.isoformat(), "to": today.isoformat()},
    )
    paused = len(workdays.json()["workdays"])
    resumed = await act(world, reviewer, application, "resume")
    assert resumed["status"] == "under_review" and resumed["clock_status"] == "running"
    assert resumed["paused_days"] == paused > 0 and resumed["suspension_reason"] is None
    assert at(resumed["decision_due_at"]) == await deadline_after(
        world, reviewer, suspended["decision_due_at"], paused
    )


async def test_leader_extends_by_ten_working_days_once_only(
    world: World, hall: dict[str, Any]
) -> None:
    leader = hall["leader"]
    application = await accepted_application(world, hall)
    await act(world, hall["reviewer"], application, "extend", expect=403, reason="情况复杂")
    extended = await act(world, leader, application, "extend", reason="需组织专家论证")
    assert extended["status"] == "under_review" and extended["extended"] is True
    assert at(extended["decision_due_at"]) == await deadline_after(
        world, leader, application["decision_due_at"], 10
    )
    assert "extend" not in extended["allowed_actions"]
    problem = await act(world, leader, application, "extend", expect=422, reason="再延一次")
    assert problem["code"] == "guard_failed" and "once" in problem["detail"]


async def test_send_back_then_reject_with_reasons_then_deliver_by_mail(
    world: World, hall: dict[str, Any]
) -> None:
    reviewer, leader, clerk = hall["reviewer"], hall["leader"], hall["clerk"]
    application = await accepted_application(world, hall)
    await act(world, reviewer, application, "recommend", opinion="approve", comment="材料齐全")
    await act(world, leader, application, "send_back", expect=422)
    back = await act(world, leader, application, "send_back", comment="请核实施工时段")
    assert back["status"] == "under_review" and back["clock_status"] == "running"
    await act(world, reviewer, application, "recommend", opinion="reject", comment="影响通行")
    await act(world, leader, application, "reject", expect=422)
    rejected = await act(world, leader, application, "reject", reason="高峰时段占道影响交通安全")
    assert rejected["status"] == "rejected" and rejected["decision"] == "rejected"
    assert rejected["decision_reason"] == "高峰时段占道影响交通安全"
    assert rejected["licence_number"] is None
    delivered = await act(world, clerk, application, "deliver", method="mail")
    assert delivered["status"] == "completed"
    actions = [e["action"] for e in await events_of(world, clerk, application)]
    assert actions == [
        "created",
        "accept",
        "recommend",
        "send_back",
        "recommend",
        "reject",
        "deliver",
    ]


async def test_clerk_decides_an_on_the_spot_service_straight_from_review(
    world: World, hall: dict[str, Any]
) -> None:
    clerk, leader = hall["clerk"], hall["leader"]
    application = await accepted_application(
        world, hall, service_code="zhaopai_jiban", materials=[{"code": "shenqingshu"}]
    )
    assert application["on_the_spot"] is True
    assert "approve" in application["allowed_actions"]
    leader_view = await read_record(world, leader, application)
    assert "approve" not in leader_view["allowed_actions"]
    await act(world, leader, application, "approve", expect=403)
    approved = await act(world, clerk, application, "approve")
    assert approved["status"] == "approved" and approved["decided_on_the_spot"] is True
    assert approved["licence_number"].startswith("XK")
    [*_, approve] = await events_of(world, clerk, application)
    assert approve["action"] == "approve" and approve["payload"]["decided_on_the_spot"] is True


async def test_only_on_the_spot_services_skip_the_leaders_decision(
    world: World, hall: dict[str, Any]
) -> None:
    clerk, reviewer = hall["clerk"], hall["reviewer"]
    application = await accepted_application(world, hall)
    assert "approve" not in application["allowed_actions"]
    problem = await act(world, clerk, application, "approve", expect=422)
    assert "on-the-spot" in problem["detail"]
    await act(world, clerk, application, "reject", expect=422, reason="不符合条件")
    await act(world, reviewer, application, "recommend", opinion="approve")
    assert "approve" not in (await read_record(world, clerk, application))["allowed_actions"]
    await act(world, clerk, application, "approve", expect=403)


async def test_green_channel_halves_the_committed_limit_rounded_up(
    world: World, hall: dict[str, Any]
) -> None:
    clerk = hall["clerk"]
    body = {"service_code": "huwai_guanggao", "materials": [{"code": "shenqingshu"}]}
    refused = await world.as_(hall["citizen"]).post(
        "/api/v1/approvals", json=application_body(green_channel=True, **body)
    )
    assert refused.status_code == 403
    green = await apply_for(world, clerk, green_channel=True, **body)
    assert green["channel"] == "counter" and green["green_channel"] is True
    assert green["decision_limit_days"] == 4  # 7 halved, rounded up
    accepted = await act(world, clerk, green, "accept")
    assert at(accepted["decision_due_at"]) == await deadline_after(
        world, clerk, accepted["accepted_at"], 4
    )
    plain = await apply_for(world, clerk, **body)
    assert plain["decision_limit_days"] == 7


async def test_applicant_withdraws_while_in_progress_only(
    world: World, hall: dict[str, Any]
) -> None:
    citizen = hall["citizen"]
    application = await accepted_application(world, hall)
    await act(world, hall["clerk"], application, "withdraw", expect=403)
    await act(world, hall["other_citizen"], application, "withdraw", expect=404)
    withdrawn = await act(world, citizen, application, "withdraw", comment="项目取消")
    assert withdrawn["status"] == "withdrawn" and withdrawn["clock_status"] == "stopped"
    assert withdrawn["decision_due_at"] == application["decision_due_at"]
    pending = await accepted_application(world, hall)
    await act(world, hall["reviewer"], pending, "recommend", opinion="approve")
    await act(world, citizen, pending, "withdraw", expect=409)


async def test_the_workflow_definition_names_every_state_and_action(
    world: World, hall: dict[str, Any]
) -> None:
    definition = (await world.as_(hall["clerk"]).get("/api/v1/workflows/approval")).json()
    actions = {a["name"] for a in definition["actions"]}
    assert {
        "accept",
        "request_supplement",
        "resubmit",
        "refuse",
        "withdraw",
        "suspend",
        "resume",
        "extend",
        "recommend",
        "approve",
        "reject",
        "send_back",
        "deliver",
    } <= actions
    paths = (await world.client.get("/openapi.json")).json()["paths"]
    assert "/api/v1/approvals/{record_id}/actions/approve" in paths
    assert "/api/v1/approvals/{record_id}/actions/deem_accepted" not in paths
