"""Approval applications (行政审批): every path of the workflow, its deadlines, who sees what.

Deadlines are checked against the calendar API, which counts statutory working days.
"""

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from app.models.approval import ApprovalApplication
from app.workflow.sweeper import sweep_overdue
from tests.approval_hall import (
    COMPANY_CODE,
    PERSON_ID,
    application_body,
    make_hall,
)
from tests.conftest import World
from tests.factories import Person

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def hall(world: World, admin: Person) -> dict[str, Any]:
    return await make_hall(world, admin)


async def _apply(world: World, who: Person, **overrides: Any) -> dict[str, Any]:
    response = await world.as_(who).post("/api/v1/approvals", json=application_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def _act(
    world: World, who: Person, record: dict[str, Any], action: str, expect: int = 200, **body: Any
) -> dict[str, Any]:
    response = await world.as_(who).post(
        f"/api/v1/approvals/{record['id']}/actions/{action}", json=body
    )
    assert response.status_code == expect, response.text
    return response.json()


async def _read(world: World, who: Person, record: dict[str, Any]) -> dict[str, Any]:
    response = await world.as_(who).get(f"/api/v1/approvals/{record['id']}")
    assert response.status_code == 200, response.text
    return response.json()


async def _events(world: World, who: Person, record: dict[str, Any]) -> list[dict[str, Any]]:
    response = await world.as_(who).get(f"/api/v1/approvals/{record['id']}/events")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def _deadline(world: World, who: Person, start: str, days: int) -> datetime:
    """What the statutory calendar says: ``days`` working days after ``start``."""
    response = await world.as_(who).get(
        "/api/v1/calendar/add", params={"start": start, "days": days}
    )
    assert response.status_code == 200, response.text
    return datetime.fromisoformat(response.json()["due_at"])


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _force(app: Any, record: dict[str, Any], **values: Any) -> None:
    """Move an application's clock, as time passing would."""
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(ApprovalApplication)
            .where(ApprovalApplication.id == uuid.UUID(record["id"]))  # type: ignore[arg-type]
            .values(**values)
        )
        await session.commit()


async def _accepted(world: World, hall: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    application = await _apply(world, hall["citizen"], **overrides)
    return await _act(world, hall["clerk"], application, "accept")


async def test_online_application_is_numbered_with_a_five_working_day_acceptance_deadline(
    world: World, hall: dict[str, Any]
) -> None:
    application = await _apply(world, hall["citizen"])
    year = _at(application["created_at"]).astimezone(ZONE).year
    assert application["number"] == f"SP{year}-000001"
    assert application["status"] == "submitted" and application["channel"] == "online"
    assert application["department_id"] == str(hall["urban"]["id"])
    assert application["clock_phase"] == "acceptance" and application["clock_status"] == "running"
    expected = await _deadline(world, hall["clerk"], application["created_at"], 5)
    assert _at(application["acceptance_due_at"]) == expected == _at(application["due_at"])
    assert application["allowed_actions"] == ["withdraw"]
    as_clerk = await _read(world, hall["clerk"], application)
    assert as_clerk["allowed_actions"] == ["accept", "request_supplement", "refuse"]
    [created] = await _events(world, hall["clerk"], application)
    assert created["action"] == "created" and created["payload"]["service_code"] == "daolu_wajue"


async def test_full_path_accept_review_recommend_approve_deliver(
    world: World, hall: dict[str, Any]
) -> None:
    clerk, reviewer, leader = hall["clerk"], hall["reviewer"], hall["leader"]
    application = await _apply(world, hall["citizen"])
    accepted = await _act(world, clerk, application, "accept")
    assert accepted["status"] == "under_review" and accepted["clock_phase"] == "decision"
    assert accepted["acceptance_due_at"] == application["acceptance_due_at"]
    decision_due = await _deadline(world, clerk, accepted["accepted_at"], 5)
    assert _at(accepted["decision_due_at"]) == decision_due
    assert (await _read(world, reviewer, application))["allowed_actions"] == [
        "suspend",
        "recommend",
    ]
    pending = await _act(world, reviewer, application, "recommend", opinion="approve")
    assert pending["status"] == "pending_decision" and pending["recommendation"] == "approve"
    assert (await _read(world, leader, application))["allowed_actions"] == [
        "approve",
        "reject",
        "send_back",
    ]
    valid_until = (date.today() + timedelta(days=90)).isoformat()
    approved = await _act(
        world, leader, application, "approve", valid_until=valid_until, conditions="夜间施工"
    )
    year = _at(approved["decided_at"]).astimezone(ZONE).year
    assert approved["status"] == "approved" and approved["decision"] == "approved"
    assert approved["licence_number"] == f"XK{year}-000001"
    assert approved["valid_until"] == valid_until and approved["decided_on_the_spot"] is False
    assert approved["decision_working_days"] == 0 and approved["clock_phase"] == "delivery"
    assert _at(approved["decision_due_at"]) == decision_due
    assert _at(approved["delivery_due_at"]) == await _deadline(
        world, clerk, approved["decided_at"], 10
    )
    completed = await _act(world, clerk, application, "deliver", method="electronic")
    assert completed["status"] == "completed" and completed["allowed_actions"] == []
    assert completed["clock_status"] == "stopped" and completed["delivery_method"] == "electronic"
    history = await _events(world, hall["citizen"], application)
    assert [e["action"] for e in history] == [
        "created",
        "accept",
        "recommend",
        "approve",
        "deliver",
    ]
    assert history[3]["payload"]["licence_number"] == approved["licence_number"]


async def test_accept_without_every_required_material_is_422_naming_them(
    world: World, hall: dict[str, Any]
) -> None:
    application = await _apply(
        world, hall["citizen"], materials=[{"code": "shenqingshu"}, {"code": "weituoshu"}]
    )
    problem = await _act(world, hall["clerk"], application, "accept", expect=422)
    assert problem["code"] == "guard_failed"
    assert problem["missing_materials"] == ["shigong_fangan"]
    assert "施工方案" in problem["detail"] and "申请书" not in problem["detail"]


async def test_uploaded_files_count_as_provided_materials_at_acceptance(
    world: World, hall: dict[str, Any]
) -> None:
    citizen = hall["citizen"]
    application = await _apply(
        world, citizen, materials=[{"code": "shenqingshu"}, {"code": "weituoshu"}]
    )
    uploaded = await world.as_(citizen).post(
        f"/api/v1/approvals/{application['id']}/attachments",
        files={"file": ("施工方案.pdf", b"%PDF-1.4\n" + b"0" * 300, "application/pdf")},
        data={"kind": "shigong_fangan"},
    )
    assert uploaded.status_code == 201, uploaded.text
    accepted = await _act(world, hall["clerk"], application, "accept")
    assert accepted["status"] == "under_review"


async def test_supplement_pauses_acceptance_and_resubmission_restarts_it(
    world: World, hall: dict[str, Any]
) -> None:
    citizen, clerk = hall["citizen"], hall["clerk"]
    application = await _apply(world, citizen, materials=[{"code": "shenqingshu"}])
    await _act(world, clerk, application, "request_supplement", expect=422, missing_materials=[])
    waiting = await _act(
        world,
        clerk,
        application,
        "request_supplement",
        missing_materials=[{"code": "shigong_fangan", "note": "需附占道位置平面图"}],
    )
    assert waiting["status"] == "awaiting_supplement" and waiting["clock_status"] == "paused"
    assert waiting["missing_materials"] == [
        {"code": "shigong_fangan", "note": "需附占道位置平面图"}
    ]
    assert (await _read(world, citizen, application))["allowed_actions"] == [
        "resubmit",
        "withdraw",
    ]
    await _act(world, citizen, application, "resubmit", expect=422, materials=[{"code": "x"}])
    resubmitted = await _act(
        world, citizen, application, "resubmit", materials=[{"code": "shigong_fangan"}]
    )
    assert resubmitted["status"] == "submitted" and resubmitted["clock_status"] == "running"
    assert {m["code"] for m in resubmitted["materials"]} == {"shenqingshu", "shigong_fangan"}
    assert _at(resubmitted["received_at"]) > _at(application["received_at"])
    # 第三十二条: the 5 working days count again from the supplemented materials.
    assert _at(resubmitted["acceptance_due_at"]) == await _deadline(
        world, clerk, resubmitted["received_at"], 5
    )
    accepted = await _act(world, clerk, application, "accept")
    assert accepted["status"] == "under_review"


async def test_a_second_notice_may_not_ask_for_anything_new(
    world: World, hall: dict[str, Any]
) -> None:
    citizen, clerk = hall["citizen"], hall["clerk"]
    application = await _apply(world, citizen, materials=[{"code": "shenqingshu"}])
    notice = [{"code": "shigong_fangan"}]
    await _act(world, clerk, application, "request_supplement", missing_materials=notice)
    await _act(
        world,
        citizen,
        application,
        "resubmit",
        materials=[{"code": "shigong_fangan", "provided": False}],
    )
    problem = await _act(
        world,
        clerk,
        application,
        "request_supplement",
        expect=422,
        missing_materials=[{"code": "shigong_fangan"}, {"code": "weituoshu"}],
    )
    assert "at once" in problem["detail"] and "weituoshu" in problem["detail"]
    again = await _act(world, clerk, application, "request_supplement", missing_materials=notice)
    assert again["status"] == "awaiting_supplement"


async def test_material_files_are_attached_under_their_code_and_named_on_resubmission(
    world: World, hall: dict[str, Any]
) -> None:
    citizen, clerk = hall["citizen"], hall["clerk"]
    with_file = await world.as_(citizen).post(
        "/api/v1/approvals",
        json=application_body(materials=[{"code": "shenqingshu", "file_id": str(uuid.uuid4())}]),
    )
    assert with_file.status_code == 422 and with_file.json()["code"] == "unknown_file"
    application = await _apply(world, citizen, materials=[{"code": "shenqingshu"}])
    url = f"/api/v1/approvals/{application['id']}/attachments"
    pdf = b"%PDF-1.4\n" + b"0" * 300

    async def upload(kind: str) -> Any:
        return await world.as_(citizen).post(
            url, files={"file": ("施工方案.pdf", pdf, "application/pdf")}, data={"kind": kind}
        )

    assert (await upload("not_a_material")).status_code == 422
    await _act(
        world,
        clerk,
        application,
        "request_supplement",
        missing_materials=[{"code": "shigong_fangan"}],
    )
    attached = await upload("shigong_fangan")
    assert attached.status_code == 201, attached.text
    file_id = attached.json()["id"]
    wrong = [{"code": "shenqingshu", "file_id": file_id}]
    problem = await _act(world, citizen, application, "resubmit", expect=422, materials=wrong)
    assert problem["code"] == "unknown_file"
    named = [{"code": "shigong_fangan", "file_id": file_id}]
    resubmitted = await _act(world, citizen, application, "resubmit", materials=named)
    assert {"code": "shigong_fangan", "provided": True, "file_id": file_id} in resubmitted[
        "materials"
    ]
    await _act(world, clerk, application, "accept")
    late = await upload("shigong_fangan")
    assert late.status_code == 422 and late.json()["code"] == "attachment_not_allowed"


async def test_refusal_is_terminal_with_its_reason(world: World, hall: dict[str, Any]) -> None:
    application = await _apply(world, hall["citizen"])
    await _act(world, hall["clerk"], application, "refuse", expect=422, reason="")
    refused = await _act(world, hall["clerk"], application, "refuse", reason="不属于本机关职权范围")
    assert refused["status"] == "not_accepted" and refused["allowed_actions"] == []
    assert refused["not_accepted_reason"] == "不属于本机关职权范围"
    assert refused["acceptance_due_at"] == application["acceptance_due_at"]
    await _act(world, hall["citizen"], application, "withdraw", expect=409)


async def test_suspended_working_days_are_not_counted(
    app: Any, world: World, hall: dict[str, Any]
) -> None:
    reviewer = hall["reviewer"]
    application = await _accepted(world, hall)
    await _act(world, reviewer, application, "suspend", expect=422, reason="holiday")
    suspended = await _act(world, reviewer, application, "suspend", reason="expert_review")
    assert suspended["status"] == "suspended" and suspended["clock_status"] == "paused"
    assert suspended["suspension_reason"] == "expert_review"
    # The expert review began two weeks ago.
    paused_at = _at(suspended["updated_at"]) - timedelta(days=14)
    await _force(app, application, paused_at=paused_at)
    first_day = paused_at.astimezone(ZONE).date() + timedelta(days=1)
    today = _at(suspended["updated_at"]).astimezone(ZONE).date()
    workdays = await world.as_(reviewer).get(
        "/api/v1/calendar/workdays",
        params={"from": first_day.isoformat(), "to": today.isoformat()},
    )
    paused = len(workdays.json()["workdays"])
    resumed = await _act(world, reviewer, application, "resume")
    assert resumed["status"] == "under_review" and resumed["clock_status"] == "running"
    assert resumed["paused_days"] == paused > 0 and resumed["suspension_reason"] is None
    assert _at(resumed["decision_due_at"]) == await _deadline(
        world, reviewer, suspended["decision_due_at"], paused
    )


async def test_leader_extends_by_ten_working_days_once_only(
    world: World, hall: dict[str, Any]
) -> None:
    leader = hall["leader"]
    application = await _accepted(world, hall)
    await _act(world, hall["reviewer"], application, "extend", expect=403, reason="情况复杂")
    extended = await _act(world, leader, application, "extend", reason="需组织专家论证")
    assert extended["status"] == "under_review" and extended["extended"] is True
    assert _at(extended["decision_due_at"]) == await _deadline(
        world, leader, application["decision_due_at"], 10
    )
    assert "extend" not in extended["allowed_actions"]
    problem = await _act(world, leader, application, "extend", expect=422, reason="再延一次")
    assert problem["code"] == "guard_failed" and "once" in problem["detail"]


async def test_send_back_then_reject_with_reasons_then_deliver_by_mail(
    world: World, hall: dict[str, Any]
) -> None:
    reviewer, leader, clerk = hall["reviewer"], hall["leader"], hall["clerk"]
    application = await _accepted(world, hall)
    await _act(world, reviewer, application, "recommend", opinion="approve", comment="材料齐全")
    await _act(world, leader, application, "send_back", expect=422)
    back = await _act(world, leader, application, "send_back", comment="请核实施工时段")
    assert back["status"] == "under_review" and back["clock_status"] == "running"
    await _act(world, reviewer, application, "recommend", opinion="reject", comment="影响通行")
    await _act(world, leader, application, "reject", expect=422)
    rejected = await _act(world, leader, application, "reject", reason="高峰时段占道影响交通安全")
    assert rejected["status"] == "rejected" and rejected["decision"] == "rejected"
    assert rejected["decision_reason"] == "高峰时段占道影响交通安全"
    assert rejected["licence_number"] is None
    delivered = await _act(world, clerk, application, "deliver", method="mail")
    assert delivered["status"] == "completed"
    actions = [e["action"] for e in await _events(world, clerk, application)]
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
    application = await _accepted(
        world, hall, service_code="zhaopai_jiban", materials=[{"code": "shenqingshu"}]
    )
    assert application["on_the_spot"] is True
    assert "approve" in application["allowed_actions"]
    leader_view = await _read(world, leader, application)
    assert "approve" not in leader_view["allowed_actions"]
    await _act(world, leader, application, "approve", expect=403)
    approved = await _act(world, clerk, application, "approve")
    assert approved["status"] == "approved" and approved["decided_on_the_spot"] is True
    assert approved["licence_number"].startswith("XK")
    [*_, approve] = await _events(world, clerk, application)
    assert approve["action"] == "approve" and approve["payload"]["decided_on_the_spot"] is True


async def test_only_on_the_spot_services_skip_the_leaders_decision(
    world: World, hall: dict[str, Any]
) -> None:
    clerk, reviewer = hall["clerk"], hall["reviewer"]
    application = await _accepted(world, hall)
    assert "approve" not in application["allowed_actions"]
    problem = await _act(world, clerk, application, "approve", expect=422)
    assert "on-the-spot" in problem["detail"]
    await _act(world, clerk, application, "reject", expect=422, reason="不符合条件")
    await _act(world, reviewer, application, "recommend", opinion="approve")
    assert "approve" not in (await _read(world, clerk, application))["allowed_actions"]
    await _act(world, clerk, application, "approve", expect=403)


async def test_green_channel_halves_the_committed_limit_rounded_up(
    world: World, hall: dict[str, Any]
) -> None:
    clerk = hall["clerk"]
    body = {"service_code": "huwai_guanggao", "materials": [{"code": "shenqingshu"}]}
    refused = await world.as_(hall["citizen"]).post(
        "/api/v1/approvals", json=application_body(green_channel=True, **body)
    )
    assert refused.status_code == 403
    green = await _apply(world, clerk, green_channel=True, **body)
    assert green["channel"] == "counter" and green["green_channel"] is True
    assert green["decision_limit_days"] == 4  # 7 halved, rounded up
    accepted = await _act(world, clerk, green, "accept")
    assert _at(accepted["decision_due_at"]) == await _deadline(
        world, clerk, accepted["accepted_at"], 4
    )
    plain = await _apply(world, clerk, **body)
    assert plain["decision_limit_days"] == 7


async def test_deemed_acceptance_dates_from_receipt_across_the_national_day_holiday(
    app: Any, world: World, hall: dict[str, Any]
) -> None:
    """Received on Monday 28 September 2026: 1-7 October are off, Saturday 10 October works."""
    clerk = hall["clerk"]
    application = await _apply(
        world, hall["citizen"], service_code="huwai_guanggao", materials=[{"code": "shenqingshu"}]
    )
    received = "2026-09-28T10:00:00+08:00"
    acceptance_due = await _deadline(world, clerk, received, 5)
    assert acceptance_due.date() == date(2026, 10, 10)
    await _force(app, application, received_at=_at(received), due_at=acceptance_due)

    assert await sweep_overdue(app.state.sessionmaker) >= 1

    deemed = await _read(world, clerk, application)
    assert deemed["status"] == "under_review" and deemed["deemed_accepted"] is True
    assert _at(deemed["accepted_at"]) == _at(received)
    assert _at(deemed["acceptance_due_at"]) == acceptance_due
    decision_due = await _deadline(world, clerk, received, 7)
    assert decision_due.date() == date(2026, 10, 13)
    assert _at(deemed["decision_due_at"]) == decision_due
    assert deemed["is_overdue"] is True
    [*_, event] = await _events(world, clerk, application)
    assert event["action"] == "deemed_accepted" and event["actor"]["type"] == "system"
    assert event["payload"]["deemed_accepted"] is True


async def test_an_application_awaiting_supplement_is_never_deemed_accepted(
    app: Any, world: World, hall: dict[str, Any]
) -> None:
    application = await _apply(world, hall["citizen"], materials=[{"code": "shenqingshu"}])
    await _act(
        world,
        hall["clerk"],
        application,
        "request_supplement",
        missing_materials=[{"code": "shigong_fangan"}],
    )
    await _force(app, application, due_at=_at("2026-10-10T15:59:59+00:00"))
    await sweep_overdue(app.state.sessionmaker)
    assert (await _read(world, hall["clerk"], application))["status"] == "awaiting_supplement"


async def test_acceptance_deadline_skips_a_holiday_the_administrator_enters(
    world: World, hall: dict[str, Any]
) -> None:
    before = await _apply(world, hall["citizen"])
    due = _at(before["acceptance_due_at"])
    first_counted = await world.as_(hall["clerk"]).get(
        "/api/v1/calendar/workdays",
        params={
            "from": (_at(before["created_at"]).astimezone(ZONE).date() + timedelta(days=1)),
            "to": due.astimezone(ZONE).date(),
        },
    )
    holiday = first_counted.json()["workdays"][0]
    entered = await world.as_(hall["admin"]).put(
        f"/api/v1/calendar/days/{holiday}", json={"kind": "holiday", "name": "临时休假"}
    )
    assert entered.status_code == 200
    after = await _apply(world, hall["citizen"])
    assert _at(after["acceptance_due_at"]) > due
    assert _at(after["acceptance_due_at"]) == await _deadline(
        world, hall["clerk"], after["created_at"], 5
    )


async def test_applicant_withdraws_while_in_progress_only(
    world: World, hall: dict[str, Any]
) -> None:
    citizen = hall["citizen"]
    application = await _accepted(world, hall)
    await _act(world, hall["clerk"], application, "withdraw", expect=403)
    await _act(world, hall["other_citizen"], application, "withdraw", expect=404)
    withdrawn = await _act(world, citizen, application, "withdraw", comment="项目取消")
    assert withdrawn["status"] == "withdrawn" and withdrawn["clock_status"] == "stopped"
    assert withdrawn["decision_due_at"] == application["decision_due_at"]
    pending = await _accepted(world, hall)
    await _act(world, hall["reviewer"], pending, "recommend", opinion="approve")
    await _act(world, citizen, pending, "withdraw", expect=409)


async def test_staff_see_and_act_on_their_own_departments_applications_only(
    world: World, hall: dict[str, Any]
) -> None:
    other = hall["other_clerk"]
    application = await _apply(world, hall["citizen"])
    assert (await world.as_(other).get(f"/api/v1/approvals/{application['id']}")).status_code == 404
    assert (await world.as_(other).get("/api/v1/approvals")).json()["items"] == []
    await _act(world, other, application, "accept", expect=404)
    events = await world.as_(other).get(f"/api/v1/approvals/{application['id']}/events")
    assert events.status_code == 404
    other_citizen = await world.as_(hall["other_citizen"]).get(
        f"/api/v1/approvals/{application['id']}"
    )
    assert other_citizen.status_code == 404
    for who in ("clerk", "reviewer", "leader", "supervisor", "admin"):
        listed = (await world.as_(hall[who]).get("/api/v1/approvals")).json()["items"]
        assert [a["id"] for a in listed] == [application["id"]], who
    registered = await world.as_(other).post("/api/v1/approvals", json=application_body())
    assert registered.status_code == 403


async def test_applicant_data_is_shown_in_full_only_to_those_entitled(
    world: World, hall: dict[str, Any]
) -> None:
    application = await _apply(world, hall["citizen"])
    for who in ("citizen", "clerk", "reviewer", "leader", "supervisor", "admin"):
        seen = await _read(world, hall[who], application)
        assert seen["applicant"]["id_number"] == PERSON_ID, who
        assert seen["applicant"]["phone"] == "13812345678", who
        [created] = await _events(world, hall[who], application)
        assert created["payload"]["applicant"]["id_number"] == PERSON_ID, who


async def test_id_number_and_phone_are_masked_for_another_agencys_system(
    world: World, hall: dict[str, Any]
) -> None:
    application = await _apply(world, hall["citizen"])
    await world.as_(hall["citizen"]).patch(
        f"/api/v1/approvals/{application['id']}", json={"applicant": {"phone": "13900001111"}}
    )
    created = await world.as_(hall["admin"]).post(
        "/api/v1/api-clients",
        json={
            "name": "省政务服务平台",
            "scopes": ["approvals:read"],
            "department_id": str(hall["urban"]["id"]),
        },
    )
    assert created.status_code == 201, created.text
    system = {"X-API-Key": created.json()["api_key"]}
    url = f"/api/v1/approvals/{application['id']}"
    seen = (await world.client.get(url, headers=system)).json()
    assert seen["applicant"] == {
        "type": "person",
        "name": "王建国",
        "id_number": "110105********002X",
        "phone": "139****1111",
        "contact": None,
    }
    history = await world.client.get(f"{url}/events", headers=system)
    assert PERSON_ID not in history.text
    assert "13812345678" not in history.text and "13900001111" not in history.text
    created_event, updated_event = history.json()["items"]
    assert created_event["payload"]["applicant"]["phone"] == "138****5678"
    assert updated_event["changes"]["applicant_phone"] == {
        "before": "138****5678",
        "after": "139****1111",
    }


@pytest.mark.parametrize(
    ("applicant_type", "id_number", "accepted"),
    [
        ("person", PERSON_ID, True),
        ("person", PERSON_ID.lower(), True),
        ("person", "110105194912310021", False),  # wrong check digit
        ("person", "110105194902301234", False),  # 30 February
        ("person", COMPANY_CODE, False),
        ("organisation", COMPANY_CODE, True),
        ("organisation", "91350100M000100Y44", False),  # wrong check character
        ("organisation", PERSON_ID, False),
    ],
)
async def test_id_numbers_are_validated_by_their_check_digit(
    world: World, hall: dict[str, Any], applicant_type: str, id_number: str, accepted: bool
) -> None:
    applicant = {
        "type": applicant_type,
        "name": "申请人",
        "id_number": id_number,
        "phone": "13812345678",
    }
    response = await world.as_(hall["citizen"]).post(
        "/api/v1/approvals", json=application_body(applicant=applicant)
    )
    assert response.status_code == (201 if accepted else 422), response.text
    if accepted:
        assert response.json()["applicant"]["id_number"] == id_number.upper()
    else:
        assert response.json()["errors"][0]["loc"][:2] == ["body", "applicant"]


async def test_channels_follow_who_files(world: World, hall: dict[str, Any]) -> None:
    citizen, clerk = hall["citizen"], hall["clerk"]
    refused = await world.as_(citizen).post(
        "/api/v1/approvals", json=application_body(channel="counter")
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_channel"
    online_by_clerk = await world.as_(clerk).post(
        "/api/v1/approvals", json=application_body(channel="online")
    )
    assert online_by_clerk.status_code == 422
    door = await _apply(world, clerk, channel="door_to_door")
    assert door["channel"] == "door_to_door" and door["created_by_id"] == str(clerk.id)
    reviewer = await world.as_(hall["reviewer"]).post("/api/v1/approvals", json=application_body())
    assert reviewer.status_code == 403


async def test_unknown_materials_and_services_are_refused(
    world: World, hall: dict[str, Any]
) -> None:
    api = world.as_(hall["citizen"])
    unknown = await api.post("/api/v1/approvals", json=application_body(service_code="nope"))
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_service"
    material = await api.post("/api/v1/approvals", json=application_body(materials=[{"code": "x"}]))
    assert material.status_code == 422 and material.json()["code"] == "unknown_material"


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


async def test_details_are_edited_before_acceptance_only_and_audited(
    world: World, hall: dict[str, Any]
) -> None:
    citizen = hall["citizen"]
    application = await _apply(world, citizen)
    url = f"/api/v1/approvals/{application['id']}"
    edited = await world.as_(citizen).patch(url, json={"applicant": {"phone": "13900001111"}})
    assert edited.status_code == 200 and edited.json()["applicant"]["phone"] == "13900001111"
    [*_, updated] = await _events(world, citizen, application)
    assert updated["action"] == "updated"
    assert updated["changes"]["applicant_phone"] == {
        "before": "13812345678",
        "after": "13900001111",
    }
    await _act(world, hall["clerk"], application, "accept")
    late = await world.as_(citizen).patch(url, json={"title": "改名"})
    assert late.status_code == 422 and late.json()["code"] == "not_editable"
    status_edit = await world.as_(hall["clerk"]).patch(url, json={"status": "approved"})
    assert status_edit.status_code == 422


async def test_list_filters_and_keyword_search(world: World, hall: dict[str, Any]) -> None:
    clerk = hall["clerk"]
    online = await _apply(world, hall["citizen"], title="管线维修挖掘")
    green = await _apply(
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
    await _act(world, clerk, online, "accept")
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
    spot = await _accepted(
        world, hall, service_code="zhaopai_jiban", materials=[{"code": "shenqingshu"}]
    )
    await _act(world, clerk, spot, "approve")
    rejected = await _accepted(world, hall)
    await _act(world, reviewer, rejected, "recommend", opinion="reject")
    await _act(world, leader, rejected, "reject", reason="不符合条件")
    refused = await _apply(world, citizen)
    await _act(world, clerk, refused, "refuse", reason="不属本机关职权")
    withdrawn = await _apply(world, citizen)
    await _act(world, citizen, withdrawn, "withdraw")
    await _apply(world, citizen)
    await _apply(world, citizen, service_code="huwai_guanggao", materials=[])

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
