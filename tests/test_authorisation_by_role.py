"""Who may change a record follows their role on it, not merely that they can see it.

Seeing a record lets one read its files; adding and removing them, naming a case's officers
and setting a ticket's priority have rules of their own (issue 15). Every kind of caller is
tried: each staff role, another department's user, a citizen and scoped API keys.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.approval_hall import application_body, make_hall
from tests.case_bureau import LEGAL_BASIS, Bureau, decision_number
from tests.conftest import AuthedClient, World
from tests.factories import Person, ticket_body

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 300
PDF = b"%PDF-1.4\n" + b"0" * 300


async def _api_key(world: World, admin: Person, *scopes: str, department: Any = None) -> Any:
    body: dict[str, Any] = {"name": "对接系统", "scopes": list(scopes)}
    if department is not None:
        body["department_id"] = str(department["id"])
    created = await world.as_(admin).post("/api/v1/api-clients", json=body)
    assert created.status_code == 201, created.text
    return AuthedClient(world.client, {"X-API-Key": created.json()["api_key"]})


async def _attach(api: AuthedClient, url: str, content: bytes = PNG, kind: str = "photo") -> Any:
    return await api.post(
        f"{url}/attachments",
        files={"file": ("现场.png", content, "image/png")},
        data={"kind": kind},
    )


def _attached(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    attachment: dict[str, Any] = response.json()
    return attachment


# Ticket photos


@dataclass
class Hotline:
    world: World
    callers: dict[str, AuthedClient]
    url: str  # the citizen's ticket, dispatched to the handling department


@pytest.fixture
async def hotline(world: World, admin: Person) -> Hotline:
    desk = await world.department("JD", name="建国门街道")
    other = await world.department("HD", name="海淀街道")
    people = {
        "operator": await world.user("operator"),
        "supervisor": await world.user("supervisor"),
        "handler": await world.user("handler", department=desk),
        "other_department_handler": await world.user("handler", department=other),
        "filer": await world.user("citizen"),
        "other_citizen": await world.user("citizen"),
        "admin": admin,
    }
    callers = {name: world.as_(person) for name, person in people.items()}
    callers["tickets_write_key"] = await _api_key(world, admin, "tickets:write")
    callers["tickets_read_key"] = await _api_key(world, admin, "tickets:read")
    filed = await callers["filer"].post("/api/v1/tickets", json=ticket_body(channel="app"))
    assert filed.status_code == 201, filed.text
    url = f"/api/v1/tickets/{filed.json()['id']}"
    dispatched = await callers["operator"].post(
        f"{url}/actions/dispatch", json={"department_id": str(desk["id"])}
    )
    assert dispatched.status_code == 200, dispatched.text
    return Hotline(world, callers, url)


# (upload, remove a photo the operator attached); 404: the caller does not see the ticket.
TICKET_PHOTO_RIGHTS = {
    "operator": (201, 204),
    "handler": (201, 204),
    "filer": (201, 403),
    "supervisor": (403, 403),
    "admin": (403, 403),
    "other_department_handler": (404, 404),
    "other_citizen": (404, 404),
    "tickets_write_key": (201, 403),
    "tickets_read_key": (403, 403),
}


async def test_ticket_photos_are_added_and_removed_by_role_not_by_visibility(
    hotline: Hotline,
) -> None:
    operator = hotline.callers["operator"]
    observed = {}
    for caller in TICKET_PHOTO_RIGHTS:
        api = hotline.callers[caller]
        uploaded = (await _attach(api, hotline.url)).status_code
        staff_photo = _attached(await _attach(operator, hotline.url))
        removed = (await api.delete(f"{hotline.url}/attachments/{staff_photo['id']}")).status_code
        listed = {a["id"] for a in (await operator.get(f"{hotline.url}/attachments")).json()}
        assert (staff_photo["id"] in listed) is (removed != 204), caller
        observed[caller] = (uploaded, removed)
    assert observed == TICKET_PHOTO_RIGHTS


async def test_a_citizen_removes_her_own_photos_but_not_those_staff_attached(
    hotline: Hotline,
) -> None:
    citizen = hotline.callers["filer"]
    for staff in ("operator", "handler"):
        photo = _attached(await _attach(hotline.callers[staff], hotline.url))
        refused = await citizen.delete(f"{hotline.url}/attachments/{photo['id']}")
        assert refused.status_code == 403 and refused.json()["code"] == "attachment_forbidden"
    own = _attached(await _attach(citizen, hotline.url))
    assert (await citizen.delete(f"{hotline.url}/attachments/{own['id']}")).status_code == 204
    second = _attached(await _attach(citizen, hotline.url))
    handler = hotline.callers["handler"]
    assert (await handler.delete(f"{hotline.url}/attachments/{second['id']}")).status_code == 204
    assert len((await citizen.get(f"{hotline.url}/attachments")).json()) == 2
    history = (await hotline.callers["operator"].get(f"{hotline.url}/events")).json()["items"]
    assert [event["action"] for event in history].count("attachment_deleted") == 2


async def test_an_api_client_removes_only_the_photos_it_attached(hotline: Hotline) -> None:
    key = hotline.callers["tickets_write_key"]
    own = _attached(await _attach(key, hotline.url))
    citizens = _attached(await _attach(hotline.callers["filer"], hotline.url))
    refused = await key.delete(f"{hotline.url}/attachments/{citizens['id']}")
    assert refused.status_code == 403 and refused.json()["code"] == "attachment_forbidden"
    assert (await key.delete(f"{hotline.url}/attachments/{own['id']}")).status_code == 204


# Approval materials

# (upload, remove a material the clerk attached) while the application awaits acceptance.
APPROVAL_MATERIAL_RIGHTS = {
    "applicant": (201, 403),
    "clerk": (201, 204),
    "reviewer": (403, 403),
    "leader": (403, 403),
    "supervisor": (403, 403),
    "admin": (403, 403),
    "other_department_clerk": (404, 404),
    "other_citizen": (404, 404),
    "approvals_write_key": (201, 403),
    "approvals_read_key": (403, 403),
}


async def test_approval_materials_come_from_the_applicant_and_the_receiving_clerk(
    world: World, admin: Person
) -> None:
    hall = await make_hall(world, admin)
    people = {
        "applicant": hall["citizen"],
        "other_department_clerk": hall["other_clerk"],
        "admin": admin,
        **{name: hall[name] for name in ("clerk", "reviewer", "leader", "supervisor")},
        "other_citizen": hall["other_citizen"],
    }
    callers = {name: world.as_(person) for name, person in people.items()}
    for scope in ("approvals:write", "approvals:read"):
        key = await _api_key(world, admin, scope, department=hall["urban"])
        callers[f"{scope.replace(':', '_')}_key"] = key
    applied = await callers["applicant"].post("/api/v1/approvals", json=application_body())
    assert applied.status_code == 201, applied.text
    url = f"/api/v1/approvals/{applied.json()['id']}"
    observed = {}
    for caller, api in callers.items():
        uploaded = (await _attach(api, url, PDF, "shigong_fangan")).status_code
        clerks = _attached(await _attach(callers["clerk"], url, PDF, "shigong_fangan"))
        removed = (await api.delete(f"{url}/attachments/{clerks['id']}")).status_code
        observed[caller] = (uploaded, removed)
    assert observed == APPROVAL_MATERIAL_RIGHTS


# Case evidence


@pytest.fixture
async def case_callers(bureau: Bureau, admin: Person) -> dict[str, AuthedClient]:
    world = bureau.world
    other = await world.department("HD-ZF2", name="海淀城管执法二队")
    people = {
        "inspector": bureau.inspector,
        "partner": bureau.partner,
        "unnamed_inspector": await world.user("inspector", department=bureau.brigade),
        "leader": bureau.leader,
        "legal_reviewer": bureau.reviewer,
        "supervisor": bureau.supervisor,
        "other_department_supervisor": await world.user("supervisor", department=other),
        "other_department_leader": await world.user("leader", department=other),
        "other_department_inspector": bureau.outsider,
        "admin": admin,
    }
    callers = {name: world.as_(person) for name, person in people.items()}
    callers["own_department_cases_write_key"] = await _api_key(
        world, admin, "cases:write", department=bureau.brigade
    )
    callers["own_department_cases_read_key"] = await _api_key(
        world, admin, "cases:read", department=bureau.brigade
    )
    callers["other_department_cases_write_key"] = await _api_key(
        world, admin, "cases:write", department=other
    )
    return callers


# Upload during the legal review, where the reviewer sees the case: 404 = does not see it.
EVIDENCE_UPLOAD_IN_LEGAL_REVIEW = {
    "inspector": 201,
    "partner": 201,
    "own_department_cases_write_key": 201,
    "unnamed_inspector": 403,
    "leader": 403,
    "legal_reviewer": 403,
    "supervisor": 403,
    "other_department_supervisor": 403,
    "admin": 403,
    "own_department_cases_read_key": 403,
    "other_department_leader": 404,
    "other_department_inspector": 404,
    "other_department_cases_write_key": 404,
}


async def test_evidence_is_added_by_the_cases_own_officers_and_read_by_reviewers(
    bureau: Bureau, case_callers: dict[str, AuthedClient]
) -> None:
    case = await bureau.in_review()
    url = f"/api/v1/cases/{case['id']}"
    evidence = _attached(await _attach(case_callers["inspector"], url, PDF, "document"))
    observed = {}
    for caller in EVIDENCE_UPLOAD_IN_LEGAL_REVIEW:
        api = case_callers[caller]
        response = await _attach(api, url, PDF, "document")
        if response.status_code == 403:
            assert response.json()["code"] in ("attachment_forbidden", "insufficient_scope")
        content = await api.get(f"{url}/attachments/{evidence['id']}/content")
        sees = response.status_code != 404
        assert content.status_code == (200 if sees else 404), caller
        assert not sees or content.content == PDF
        observed[caller] = response.status_code
    assert observed == EVIDENCE_UPLOAD_IN_LEGAL_REVIEW


# Removal during the investigation, while evidence may still be removed.
EVIDENCE_REMOVAL_IN_INVESTIGATION = {
    "inspector": 204,
    "partner": 204,
    "unnamed_inspector": 403,
    "leader": 403,
    "supervisor": 403,
    "other_department_supervisor": 403,
    "admin": 403,
    "own_department_cases_write_key": 403,
    "other_department_inspector": 404,
}


async def test_evidence_is_removed_only_by_the_cases_officers_during_investigation(
    bureau: Bureau, case_callers: dict[str, AuthedClient]
) -> None:
    case = await bureau.filed()
    url = f"/api/v1/cases/{case['id']}"
    inspector = case_callers["inspector"]
    observed = {}
    for caller in EVIDENCE_REMOVAL_IN_INVESTIGATION:
        photo = _attached(await _attach(inspector, url))
        removed = (
            await case_callers[caller].delete(f"{url}/attachments/{photo['id']}")
        ).status_code
        listed = {a["id"] for a in (await inspector.get(f"{url}/attachments")).json()}
        assert (photo["id"] in listed) is (removed != 204), caller
        observed[caller] = removed
    assert observed == EVIDENCE_REMOVAL_IN_INVESTIGATION


async def test_before_filing_the_departments_inspectors_add_evidence_then_only_its_officers(
    bureau: Bureau, case_callers: dict[str, AuthedClient]
) -> None:
    case = await bureau.create()
    url = f"/api/v1/cases/{case['id']}"
    unnamed = case_callers["unnamed_inspector"]
    found_it = _attached(await _attach(unnamed, url))
    await bureau.act(case, "file", officers=bureau.officers())
    refused = await _attach(unnamed, url)
    assert refused.status_code == 403 and refused.json()["code"] == "attachment_forbidden"
    assert "the case's officers" in refused.json()["detail"]
    officers_photo = _attached(await _attach(case_callers["partner"], url))
    removed = await unnamed.delete(f"{url}/attachments/{officers_photo['id']}")
    assert removed.status_code == 403
    listed = (await unnamed.get(f"{url}/attachments")).json()
    assert [a["id"] for a in listed] == [found_it["id"], officers_photo["id"]]


# The officers of a case


@pytest.mark.parametrize("action", ["file", "decide_on_the_spot"])
async def test_a_cases_officers_belong_to_its_department(bureau: Bureau, action: str) -> None:
    stranger_without_department = await bureau.world.user("inspector")
    extra: dict[str, Any] = {}
    if action == "decide_on_the_spot":
        extra = {"penalty": {"kinds": ["warning"]}, "legal_basis": LEGAL_BASIS}
    case = await bureau.create()
    for outsider in (bureau.outsider, stranger_without_department):
        officers = bureau.officers(bureau.inspector, outsider)
        if action == "decide_on_the_spot":
            extra["decision_number"] = decision_number()
        problem = await bureau.act(case, action, expect=422, officers=officers, **extra)
        assert problem["code"] == "guard_failed" and "第十七条" in problem["detail"]
        assert problem["errors"] == [
            {"loc": ["body", "officers", 1, "user_id"], "msg": problem["detail"]}
        ]
    assert (await bureau.get(case)).json()["status"] == "registered"
    if action == "decide_on_the_spot":
        extra["decision_number"] = decision_number()
    accepted = await bureau.act(case, action, officers=bureau.officers(), **extra)
    assert {o["user_id"] for o in accepted["officers"]} == {
        str(bureau.inspector.id),
        str(bureau.partner.id),
    }


async def test_an_officer_refusal_names_the_officer_field_it_is_about(bureau: Bureau) -> None:
    case = await bureau.create()
    twice = bureau.officers(bureau.inspector, bureau.inspector)
    problem = await bureau.act(case, "file", expect=422, officers=twice)
    assert problem["errors"][0]["loc"] == ["body", "officers", 1, "user_id"]
    same_credential = [{**o, "credential_number": "X1"} for o in bureau.officers()]
    problem = await bureau.act(case, "file", expect=422, officers=same_credential)
    assert problem["errors"][0]["loc"] == ["body", "officers", 1, "credential_number"]
    not_inspector = bureau.officers(bureau.leader, bureau.inspector)
    problem = await bureau.act(case, "file", expect=422, officers=not_inspector)
    assert problem["errors"][0]["loc"] == ["body", "officers", 0, "user_id"]


# Ticket priority


async def test_priority_is_set_by_the_hotline_not_by_the_citizen_filing(
    world: World, admin: Person
) -> None:
    citizen = world.as_(await world.user("citizen"))
    refused = await citizen.post(
        "/api/v1/tickets", json=ticket_body(channel="app", priority="urgent")
    )
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["code"] == "staff_only_field"
    assert problem["errors"][0]["loc"] == ["body", "priority"]
    assert (await citizen.get("/api/v1/tickets")).json()["items"] == []
    for body in (ticket_body(channel="web"), ticket_body(channel="app", priority="normal")):
        filed = await citizen.post("/api/v1/tickets", json=body)
        assert filed.status_code == 201, filed.text
        assert filed.json()["priority"] == "normal"

    # The hotline, and a partner agency's system acting for it, set it; so does a later edit.
    operator = world.as_(await world.user("operator"))
    partner_agency = await _api_key(world, admin, "tickets:write")
    for api in (operator, partner_agency):
        filed = await api.post("/api/v1/tickets", json=ticket_body(priority="urgent"))
        assert filed.status_code == 201, filed.text
        assert filed.json()["priority"] == "urgent"
    url = f"/api/v1/tickets/{filed.json()['id']}"
    desk = await world.department("JD2", name="朝阳门街道")
    ticket = (
        await operator.post(f"{url}/actions/dispatch", json={"department_id": str(desk["id"])})
    ).json()
    sign_within = datetime.fromisoformat(ticket["due_at"]) - datetime.fromisoformat(
        ticket["dispatched_at"]
    )
    assert sign_within == timedelta(minutes=30)
