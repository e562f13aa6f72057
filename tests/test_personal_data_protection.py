"""Personal data and whistle-blower protection: one rule for every module and every caller.

An API client sees what its scopes and department allow, never more than the
least-privileged staff member doing the same work, and never a protected reporter; a
citizen who acted is not named to those who may not see the reporter; citizens see staff
as their department and role.
"""

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.integrations.webhook_delivery import deliver_due
from tests.approval_hall import application_body, make_hall
from tests.case_bureau import PERSON, Bureau, make_bureau
from tests.conftest import World
from tests.factories import Person, ticket_body
from tests.receiver import Receiver, running_receiver

CITIZEN_PHONE = "13900002222"  # the citizen's username: what the event's actor used to show
REPORTER = {"name": "李举报", "phone": "13911112222"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 300


@pytest.fixture
async def city(world: World, admin: Person) -> dict[str, Any]:
    chaoyang = await world.department("CY-CG", name="朝阳城管", districts=["朝阳区"])
    haidian = await world.department("HD-CG", name="海淀城管", districts=["海淀区"])
    return {
        "admin": admin,
        "chaoyang": chaoyang,
        "haidian": haidian,
        "operator": await world.user("operator", username="hotline-wang"),
        "supervisor": await world.user("supervisor"),
        "handler": await world.user("handler", department=chaoyang, username="cy-handler-li"),
        "citizen": await world.user("citizen", username=CITIZEN_PHONE),
    }


async def _api_client(world: World, admin: Person, *scopes: str, **fields: Any) -> dict[str, str]:
    response = await world.as_(admin).post(
        "/api/v1/api-clients", json={"name": "区级平台", "scopes": list(scopes), **fields}
    )
    assert response.status_code == 201, response.text
    return {"X-API-Key": response.json()["api_key"]}


async def _ticket(world: World, who: Person, **overrides: Any) -> dict[str, Any]:
    response = await world.as_(who).post("/api/v1/tickets", json=ticket_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def _dispatch(world: World, city: dict[str, Any], ticket: dict[str, Any], to: str) -> None:
    response = await world.as_(city["operator"]).post(
        f"/api/v1/tickets/{ticket['id']}/actions/dispatch",
        json={"department_id": str(city[to]["id"])},
    )
    assert response.status_code == 200, response.text


async def _citizens_report(world: World, city: dict[str, Any], to: str) -> dict[str, Any]:
    """A citizen reports through the app, confidentially; the hotline dispatches it."""
    report = await _ticket(
        world,
        city["citizen"],
        channel="app",
        type="report",
        reporter={**REPORTER, "confidential": True},
    )
    await _dispatch(world, city, report, to)
    return report


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


async def test_api_client_never_sees_a_confidential_reporter(
    world: World, city: dict[str, Any]
) -> None:
    report = await _citizens_report(world, city, "haidian")
    plain = await _ticket(world, city["operator"])
    await _dispatch(world, city, plain, "haidian")
    platform = await _api_client(world, city["admin"], "tickets:read")  # city-wide
    url = f"/api/v1/tickets/{report['id']}"
    seen = await world.client.get(url, headers=platform)
    assert seen.status_code == 200, seen.text
    assert seen.json()["reporter"]["name"] is None and seen.json()["reporter"]["phone"] is None
    history = await world.client.get(f"{url}/events", headers=platform)
    export = await world.client.get(
        "/api/v1/tickets/export", params={"format": "csv"}, headers=platform
    )
    assert history.status_code == 200 and export.status_code == 200
    for text in (history.text, export.text):
        assert REPORTER["name"] not in text and REPORTER["phone"] not in text
        assert CITIZEN_PHONE not in text
    # No more than the handling department sees: the phone of a plain ticket masked.
    rows = {row["工单编号"]: row for row in _csv_rows(export.text)}
    assert rows[plain["number"]]["联系电话"] == "138****5678"
    assert rows[report["number"]]["反映人"] == "" and rows[report["number"]]["联系电话"] == ""
    listed = await world.client.get("/api/v1/tickets", headers=platform)
    assert "13812345678" not in listed.text and REPORTER["phone"] not in listed.text
    # The hotline itself still sees whom to call back.
    full = (await world.as_(city["operator"]).get(url)).json()["reporter"]
    assert (full["name"], full["phone"]) == (REPORTER["name"], REPORTER["phone"])


async def test_a_departments_client_reads_only_its_own_departments_tickets(
    world: World, city: dict[str, Any]
) -> None:
    theirs = await _citizens_report(world, city, "haidian")
    ours = await _ticket(world, city["operator"])
    await _dispatch(world, city, ours, "chaoyang")
    client = await _api_client(
        world, city["admin"], "tickets:read", department_id=str(city["chaoyang"]["id"])
    )
    for path in ("", "/events", "/attachments"):
        other = await world.client.get(f"/api/v1/tickets/{theirs['id']}{path}", headers=client)
        assert other.status_code == 404, path
    listed = (await world.client.get("/api/v1/tickets", headers=client)).json()["items"]
    assert [t["id"] for t in listed] == [ours["id"]]
    export = await world.client.get(
        "/api/v1/tickets/export", params={"format": "csv"}, headers=client
    )
    assert [row["工单编号"] for row in _csv_rows(export.text)] == [ours["number"]]
    own = (await world.client.get(f"/api/v1/tickets/{ours['id']}", headers=client)).json()
    assert own["reporter"]["phone"] == "138****5678"


async def test_api_client_may_not_search_by_the_reporters_phone(
    world: World, city: dict[str, Any]
) -> None:
    await _citizens_report(world, city, "haidian")
    platform = await _api_client(world, city["admin"], "tickets:read", "tickets:write")
    for path in ("/api/v1/tickets", "/api/v1/tickets/export"):
        refused = await world.client.get(
            path, params={"reporter_phone": REPORTER["phone"], "format": "csv"}, headers=platform
        )
        assert refused.status_code == 403, path
        problem = refused.json()
        assert problem["code"] == "personal_search_refused" and "API clients" in problem["detail"]
        assert refused.headers["content-type"].startswith("application/problem+json")
    found = await world.as_(city["operator"]).get(
        "/api/v1/tickets", params={"reporter_phone": REPORTER["phone"]}
    )
    assert found.status_code == 200 and len(found.json()["items"]) == 1


async def test_api_client_sees_a_cases_party_masked_and_may_not_search_by_id_number(
    world: World,
) -> None:
    bureau: Bureau = await make_bureau(world)
    case = await bureau.create()
    admin = await world.user("admin")
    system = await _api_client(world, admin, "cases:read", department_id=str(bureau.brigade["id"]))
    url = f"/api/v1/cases/{case['id']}"
    party = (await world.client.get(url, headers=system)).json()["party"]
    assert party["name"] == "张**" and party["id_number"] == "110101********1237"
    assert party["phone"] == "138****5678"
    history = await world.client.get(f"{url}/events", headers=system)
    export = await world.client.get(
        "/api/v1/cases/export", params={"format": "csv"}, headers=system
    )
    for response in (history, export):
        assert response.status_code == 200
        assert PERSON["id_number"] not in response.text and PERSON["phone"] not in response.text
        assert PERSON["name"] not in response.text
    search = await world.client.get(
        "/api/v1/cases", params={"party_id_number": PERSON["id_number"]}, headers=system
    )
    assert search.status_code == 403 and search.json()["code"] == "personal_search_refused"
    # The brigade's own inspector still works with the party in full.
    assert (await bureau.get(case)).json()["party"]["id_number"] == PERSON["id_number"]


async def test_a_citizen_reporter_is_not_named_by_the_events_actor(
    world: World, city: dict[str, Any]
) -> None:
    report = await _citizens_report(world, city, "chaoyang")
    url = f"/api/v1/tickets/{report['id']}/events"
    history = await world.as_(city["handler"]).get(url)
    assert history.status_code == 200
    assert CITIZEN_PHONE not in history.text and str(city["citizen"].id) not in history.text
    created = history.json()["items"][0]
    assert created["action"] == "created"
    assert created["actor"] == {"type": "user", "id": None, "name": None, "roles": ["citizen"]}
    assert created["client_ip"] is None
    platform = await _api_client(world, city["admin"], "tickets:read")
    assert CITIZEN_PHONE not in (await world.client.get(url, headers=platform)).text
    # Those who see the reporter see who filed it, and the citizen sees themself.
    for who in ("operator", "supervisor", "citizen"):
        [first, *_] = (await world.as_(city[who]).get(url)).json()["items"]
        assert first["actor"]["name"] == CITIZEN_PHONE, who


async def test_a_citizens_photo_does_not_name_the_reporter(
    world: World, city: dict[str, Any]
) -> None:
    report = await _citizens_report(world, city, "chaoyang")
    url = f"/api/v1/tickets/{report['id']}/attachments"
    uploaded = await world.as_(city["citizen"]).post(
        url, files={"file": ("现场.png", PNG, "image/png")}, data={"kind": "photo"}
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["uploaded_by_name"] == CITIZEN_PHONE  # the uploader sees themself
    [seen] = (await world.as_(city["handler"]).get(url)).json()
    assert seen["uploaded_by_name"] is None and seen["uploaded_by_id"] is None
    [full] = (await world.as_(city["operator"]).get(url)).json()
    assert full["uploaded_by_name"] == CITIZEN_PHONE


async def test_citizens_see_staff_as_their_department_and_role(
    world: World, city: dict[str, Any]
) -> None:
    ticket = await _ticket(world, city["citizen"], channel="app")
    await _dispatch(world, city, ticket, "chaoyang")
    signed = await world.as_(city["handler"]).post(f"/api/v1/tickets/{ticket['id']}/actions/sign")
    assert signed.status_code == 200, signed.text
    history = await world.as_(city["citizen"]).get(f"/api/v1/tickets/{ticket['id']}/events")
    assert history.status_code == 200
    for secret in ("hotline-wang", "cy-handler-li", str(city["handler"].id)):
        assert secret not in history.text
    created, dispatched, sign = history.json()["items"]
    assert created["actor"]["name"] == CITIZEN_PHONE  # their own act
    assert dispatched["actor"]["roles"] == ["operator"] and dispatched["actor"]["name"] is None
    assert sign["actor"] == {
        "type": "user",
        "id": None,
        "name": None,
        "roles": ["handler"],
        "department": {"id": str(city["chaoyang"]["id"]), "name": "朝阳城管"},
    }
    assert all(event["client_ip"] is None for event in (dispatched, sign))
    staff_view = (
        await world.as_(city["supervisor"]).get(f"/api/v1/tickets/{ticket['id']}/events")
    ).json()["items"]
    assert staff_view[2]["actor"]["name"] == "cy-handler-li"
    assert staff_view[2]["client_ip"] == "203.0.113.7"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


async def test_webhook_payloads_never_carry_a_citizen_actors_identity(
    world: World, city: dict[str, Any], app: Any, receiver: Receiver
) -> None:
    subscribed = await world.as_(city["admin"]).post(
        "/api/v1/webhooks", json={"url": receiver.url, "event_types": ["ticket.*"]}
    )
    assert subscribed.status_code == 201, subscribed.text
    await _citizens_report(world, city, "chaoyang")
    while await deliver_due(app.state.sessionmaker, app.state.settings, app.state.registry):
        pass
    bodies = [request["body"].decode() for request in receiver.received]
    assert len(bodies) == 2  # created, dispatched
    for body in bodies:
        assert CITIZEN_PHONE not in body and str(city["citizen"].id) not in body
        assert REPORTER["phone"] not in body and REPORTER["name"] not in body
    assert '"name":"hotline-wang"' in bodies[1]  # staff act in their official capacity


async def test_an_online_applicant_is_not_named_to_another_agencys_system(
    world: World, admin: Person
) -> None:
    hall = await make_hall(world, admin)
    applied = await world.as_(hall["citizen"]).post("/api/v1/approvals", json=application_body())
    assert applied.status_code == 201, applied.text
    system = await _api_client(
        world, admin, "approvals:read", department_id=str(hall["urban"]["id"])
    )
    url = f"/api/v1/approvals/{applied.json()['id']}"
    seen = (await world.client.get(url, headers=system)).json()
    assert seen["created_by_id"] is None
    assert seen["applicant"]["id_number"] == "110105********002X"
    history = await world.client.get(f"{url}/events", headers=system)
    assert str(hall["citizen"].id) not in history.text
    assert hall["citizen"].username not in history.text
    clerk_view = (await world.as_(hall["clerk"]).get(url)).json()
    assert clerk_view["created_by_id"] == str(hall["citizen"].id)


async def test_a_protected_reporters_letter_lists_no_recipient_name_to_those_who_may_not_see_them(
    world: World, city: dict[str, Any]
) -> None:
    ticket = await _ticket(
        world, city["operator"], reporter={"name": "钱多多", "phone": "13911113333",
                                           "confidential": True},
    )  # fmt: skip
    await _dispatch(world, city, ticket, "chaoyang")
    for action, body in (
        ("sign", {}),
        ("reply", {"reply": "已处理。", "resolution_mode": "enforcement", "in_writing": True}),
    ):
        response = await world.as_(city["handler"]).post(
            f"/api/v1/tickets/{ticket['id']}/actions/{action}", json=body
        )
        assert response.status_code == 200, response.text
    url = f"/api/v1/tickets/{ticket['id']}/documents"
    client = await _api_client(
        world, city["admin"], "tickets:read", department_id=str(city["chaoyang"]["id"])
    )
    for seen in (
        await world.as_(city["handler"]).get(url),
        await world.as_(city["admin"]).get(url),
        await world.client.get(url, headers=client),
    ):
        assert seen.status_code == 200, seen.text
        [letter] = seen.json()["items"]
        assert letter["recipient"]["name"] is None
        assert "钱" not in seen.text
    # The hotline, who calls the reporter back, still sees the name.
    [full] = (await world.as_(city["operator"]).get(url)).json()["items"]
    assert full["recipient"]["name"] == "钱多多"
