"""An application is accepted within 5 working days, or everything missing is notified at
once (一次性告知, 第三十二条); unanswered it is deemed accepted; refused, it ends."""

import uuid
from datetime import date, timedelta
from typing import Any

from app.workflow.sweeper import sweep_overdue
from tests.approval_hall import (
    ZONE,
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


async def test_online_application_is_numbered_with_a_five_working_day_acceptance_deadline(
    world: World, hall: dict[str, Any]
) -> None:
    application = await apply_for(world, hall["citizen"])
    year = at(application["created_at"]).astimezone(ZONE).year
    assert application["number"] == f"SP{year}-000001"
    assert application["status"] == "submitted" and application["channel"] == "online"
    assert application["department_id"] == str(hall["urban"]["id"])
    assert application["clock_phase"] == "acceptance" and application["clock_status"] == "running"
    expected = await deadline_after(world, hall["clerk"], application["created_at"], 5)
    assert at(application["acceptance_due_at"]) == expected == at(application["due_at"])
    assert application["allowed_actions"] == ["withdraw"]
    as_clerk = await read_record(world, hall["clerk"], application)
    assert as_clerk["allowed_actions"] == ["accept", "request_supplement", "refuse"]
    [created] = await events_of(world, hall["clerk"], application)
    assert created["action"] == "created" and created["payload"]["service_code"] == "daolu_wajue"


async def test_accept_without_every_required_material_is_422_naming_them(
    world: World, hall: dict[str, Any]
) -> None:
    application = await apply_for(
        world, hall["citizen"], materials=[{"code": "shenqingshu"}, {"code": "weituoshu"}]
    )
    problem = await act(world, hall["clerk"], application, "accept", expect=422)
    assert problem["code"] == "guard_failed"
    assert problem["missing_materials"] == ["shigong_fangan"]
    assert "施工方案" in problem["detail"] and "申请书" not in problem["detail"]


async def test_uploaded_files_count_as_provided_materials_at_acceptance(
    world: World, hall: dict[str, Any]
) -> None:
    citizen = hall["citizen"]
    application = await apply_for(
        world, citizen, materials=[{"code": "shenqingshu"}, {"code": "weituoshu"}]
    )
    uploaded = await world.as_(citizen).post(
        f"/api/v1/approvals/{application['id']}/attachments",
        files={"file": ("施工方案.pdf", b"%PDF-1.4\n" + b"0" * 300, "application/pdf")},
        data={"kind": "shigong_fangan"},
    )
    assert uploaded.status_code == 201, uploaded.text
    accepted = await act(world, hall["clerk"], application, "accept")
    assert accepted["status"] == "under_review"


async def test_supplement_pauses_acceptance_and_resubmission_restarts_it(
    world: World, hall: dict[str, Any]
) -> None:
    citizen, clerk = hall["citizen"], hall["clerk"]
    application = await apply_for(world, citizen, materials=[{"code": "shenqingshu"}])
    await act(world, clerk, application, "request_supplement", expect=422, missing_materials=[])
    waiting = await act(
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
    assert (await read_record(world, citizen, application))["allowed_actions"] == [
        "resubmit",
        "withdraw",
    ]
    await act(world, citizen, application, "resubmit", expect=422, materials=[{"code": "x"}])
    resubmitted = await act(
        world, citizen, application, "resubmit", materials=[{"code": "shigong_fangan"}]
    )
    assert resubmitted["status"] == "submitted" and resubmitted["clock_status"] == "running"
    assert {m["code"] for m in resubmitted["materials"]} == {"shenqingshu", "shigong_fangan"}
    assert at(resubmitted["received_at"]) > at(application["received_at"])
    # 第三十二条: the 5 working days count again from the supplemented materials.
    assert at(resubmitted["acceptance_due_at"]) == await deadline_after(
        world, clerk, resubmitted["received_at"], 5
    )
    accepted = await act(world, clerk, application, "accept")
    assert accepted["status"] == "under_review"


async def test_a_second_notice_may_not_ask_for_anything_new(
    world: World, hall: dict[str, Any]
) -> None:
    citizen, clerk = hall["citizen"], hall["clerk"]
    application = await apply_for(world, citizen, materials=[{"code": "shenqingshu"}])
    notice = [{"code": "shigong_fangan"}]
    await act(world, clerk, application, "request_supplement", missing_materials=notice)
    await act(
        world,
        citizen,
        application,
        "resubmit",
        materials=[{"code": "shigong_fangan", "provided": False}],
    )
    problem = await act(
        world,
        clerk,
        application,
        "request_supplement",
        expect=422,
        missing_materials=[{"code": "shigong_fangan"}, {"code": "weituoshu"}],
    )
    assert "at once" in problem["detail"] and "weituoshu" in problem["detail"]
    again = await act(world, clerk, application, "request_supplement", missing_materials=notice)
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
    application = await apply_for(world, citizen, materials=[{"code": "shenqingshu"}])
    url = f"/api/v1/approvals/{application['id']}/attachments"
    pdf = b"%PDF-1.4\n" + b"0" * 300

    async def upload(kind: str) -> Any:
        return await world.as_(citizen).post(
            url, files={"file": ("施工方案.pdf", pdf, "application/pdf")}, data={"kind": kind}
        )

    assert (await upload("not_a_material")).status_code == 422
    await act(
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
    problem = await act(world, citizen, application, "resubmit", expect=422, materials=wrong)
    assert problem["code"] == "unknown_file"
    named = [{"code": "shigong_fangan", "file_id": file_id}]
    resubmitted = await act(world, citizen, application, "resubmit", materials=named)
    assert {"code": "shigong_fangan", "provided": True, "file_id": file_id} in resubmitted[
        "materials"
    ]
    await act(world, clerk, application, "accept")
    late = await upload("shigong_fangan")
    assert late.status_code == 422 and late.json()["code"] == "attachment_not_allowed"


async def test_refusal_is_terminal_with_its_reason(world: World, hall: dict[str, Any]) -> None:
    application = await apply_for(world, hall["citizen"])
    await act(world, hall["clerk"], application, "refuse", expect=422, reason="")
    refused = await act(world, hall["clerk"], application, "refuse", reason="不属于本机关职权范围")
    assert refused["status"] == "not_accepted" and refused["allowed_actions"] == []
    assert refused["not_accepted_reason"] == "不属于本机关职权范围"
    assert refused["acceptance_due_at"] == application["acceptance_due_at"]
    await act(world, hall["citizen"], application, "withdraw", expect=409)


async def test_deemed_acceptance_dates_from_receipt_across_the_national_day_holiday(
    app: Any, world: World, hall: dict[str, Any]
) -> None:
    """Received on Monday 28 September 2026: 1-7 October are off, Saturday 10 October works."""
    clerk = hall["clerk"]
    application = await apply_for(
        world, hall["citizen"], service_code="huwai_guanggao", materials=[{"code": "shenqingshu"}]
    )
    received = "2026-09-28T10:00:00+08:00"
    acceptance_due = await deadline_after(world, clerk, received, 5)
    assert acceptance_due.date() == date(2026, 10, 10)
    await force_fields(app, application, received_at=at(received), due_at=acceptance_due)

    assert await sweep_overdue(app.state.sessionmaker, app.state.registry, app.state.settings) >= 1

    deemed = await read_record(world, clerk, application)
    assert deemed["status"] == "under_review" and deemed["deemed_accepted"] is True
    assert at(deemed["accepted_at"]) == at(received)
    assert at(deemed["acceptance_due_at"]) == acceptance_due
    decision_due = await deadline_after(world, clerk, received, 7)
    assert decision_due.date() == date(2026, 10, 13)
    assert at(deemed["decision_due_at"]) == decision_due
    assert deemed["is_overdue"] is True
    [*_, event] = await events_of(world, clerk, application)
    assert event["action"] == "deemed_accepted" and event["actor"]["type"] == "system"
    assert event["payload"]["deemed_accepted"] is True


async def test_an_application_awaiting_supplement_is_never_deemed_accepted(
    app: Any, world: World, hall: dict[str, Any]
) -> None:
    application = await apply_for(world, hall["citizen"], materials=[{"code": "shenqingshu"}])
    noticed = await act(
        world,
        hall["clerk"],
        application,
        "request_supplement",
        missing_materials=[{"code": "shigong_fangan"}],
    )
    # Swept well after the acceptance deadline, had it kept running.
    await sweep_overdue(
        app.state.sessionmaker,
        app.state.registry,
        app.state.settings,
        at(noticed["due_at"]) + timedelta(days=30),
    )
    assert (await read_record(world, hall["clerk"], application))["status"] == "awaiting_supplement"


async def test_acceptance_deadline_skips_a_holiday_the_administrator_enters(
    world: World, hall: dict[str, Any]
) -> None:
    before = await apply_for(world, hall["citizen"])
    due = at(before["acceptance_due_at"])
    first_counted = await world.as_(hall["clerk"]).get(
        "/api/v1/calendar/workdays",
        params={
            "from": (at(before["created_at"]).astimezone(ZONE).date() + timedelta(days=1)),
            "to": due.astimezone(ZONE).date(),
        },
    )
    holiday = first_counted.json()["workdays"][0]
    entered = await world.as_(hall["admin"]).put(
        f"/api/v1/calendar/days/{holiday}", json={"kind": "holiday", "name": "临时休假"}
    )
    assert entered.status_code == 200
    after = await apply_for(world, hall["citizen"])
    assert at(after["acceptance_due_at"]) > due
    assert at(after["acceptance_due_at"]) == await deadline_after(
        world, hall["clerk"], after["created_at"], 5
    )


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
    door = await apply_for(world, clerk, channel="door_to_door")
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


async def test_details_are_edited_before_acceptance_only_and_audited(
    world: World, hall: dict[str, Any]
) -> None:
    citizen = hall["citizen"]
    application = await apply_for(world, citizen)
    url = f"/api/v1/approvals/{application['id']}"
    edited = await world.as_(citizen).patch(url, json={"applicant": {"phone": "13900001111"}})
    assert edited.status_code == 200 and edited.json()["applicant"]["phone"] == "13900001111"
    [*_, updated] = await events_of(world, citizen, application)
    assert updated["action"] == "updated"
    assert updated["changes"]["applicant_phone"] == {
        "before": "13812345678",
        "after": "13900001111",
    }
    await act(world, hall["clerk"], application, "accept")
    late = await world.as_(citizen).patch(url, json={"title": "改名"})
    assert late.status_code == 422 and late.json()["code"] == "not_editable"
    status_edit = await world.as_(hall["clerk"]).patch(url, json={"status": "approved"})
    assert status_edit.status_code == 422
