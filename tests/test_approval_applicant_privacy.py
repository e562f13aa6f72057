"""Staff see their own department's applications; the applicant's identity is shown in
full only to those entitled, masked elsewhere, and its ID number checked."""

from typing import Any

import pytest

from tests.approval_hall import (
    COMPANY_CODE,
    PERSON_ID,
    act,
    application_body,
    apply_for,
    events_of,
    provincial_system,
    read_record,
)
from tests.conftest import World


async def test_staff_see_and_act_on_their_own_departments_applications_only(
    world: World, hall: dict[str, Any]
) -> None:
    other = hall["other_clerk"]
    application = await apply_for(world, hall["citizen"])
    assert (await world.as_(other).get(f"/api/v1/approvals/{application['id']}")).status_code == 404
    assert (await world.as_(other).get("/api/v1/approvals")).json()["items"] == []
    await act(world, other, application, "accept", expect=404)
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
    application = await apply_for(world, hall["citizen"])
    for who in ("citizen", "clerk", "reviewer", "leader", "supervisor", "admin"):
        seen = await read_record(world, hall[who], application)
        assert seen["applicant"]["id_number"] == PERSON_ID, who
        assert seen["applicant"]["phone"] == "13812345678", who
        [created] = await events_of(world, hall[who], application)
        assert created["payload"]["applicant"]["id_number"] == PERSON_ID, who


async def test_id_number_and_phone_are_masked_for_another_agencys_system(
    world: World, hall: dict[str, Any]
) -> None:
    application = await apply_for(world, hall["citizen"])
    await world.as_(hall["citizen"]).patch(
        f"/api/v1/approvals/{application['id']}", json={"applicant": {"phone": "13900001111"}}
    )
    system = await provincial_system(world, hall)
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


async def test_the_applicants_numbers_written_into_the_text_are_masked_as_the_fields_are(
    world: World, hall: dict[str, Any]
) -> None:
    application = await apply_for(world, hall["citizen"], title=f"王建国（{PERSON_ID}）道路挖掘")
    await act(world, hall["clerk"], application, "accept", comment="电话13812345678已核实")
    system = await provincial_system(world, hall)
    url = f"/api/v1/approvals/{application['id']}"
    seen = (await world.client.get(url, headers=system)).json()
    assert seen["title"] == "王建国（110105********002X）道路挖掘"
    history = (await world.client.get(f"{url}/events", headers=system)).json()["items"]
    accepted = next(event for event in history if event["action"] == "accept")
    assert accepted["comment"] == "电话138****5678已核实"
    assert PERSON_ID not in str(history) and "13812345678" not in str(history)
    staff = await read_record(world, hall["clerk"], application)
    assert staff["title"] == f"王建国（{PERSON_ID}）道路挖掘"


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
