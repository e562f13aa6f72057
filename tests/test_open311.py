"""Open311 GeoReport v2: an Open311 client files and follows hotline tickets over HTTP."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response

from app.config import Settings
from app.errors import UnprocessableEntity
from app.models.base import utcnow
from app.tickets import service as tickets
from tests.conftest import IS_POSTGRES, World
from tests.factories import Person

BASE = "/open311/v2"
REPORTER = {"first_name": "丽", "last_name": "王", "phone": "138 1234 5678", "email": "w@x.cn"}
PERSONAL = ("王丽", "13812345678", "138 1234 5678", "w@x.cn")
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url",
}  # fmt: skip


async def _api_client(world: World, admin: Person, *scopes: str) -> dict[str, Any]:
    response = await world.as_(admin).post(
        "/api/v1/api-clients", json={"name": "随手拍 app", "scopes": list(scopes)}
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def writer(world: World, admin: Person) -> dict[str, Any]:
    return await _api_client(world, admin, "tickets:write")


def _form(key: str, **fields: Any) -> dict[str, Any]:
    form = {
        "api_key": key,
        "jurisdiction_id": "beijing.gov.cn",
        "service_code": "zhandao_jingying",
        "lat": "39.9087",
        "long": "116.4605",
        "address_string": "建国路88号",
        "description": "早市占道经营\n每天早上商贩占满人行道，行人只能走机动车道。",
        **REPORTER,
    }
    form.update(fields)
    return {name: value for name, value in form.items() if value is not None}


async def _file(client: AsyncClient, key: str, fmt: str = "json", **fields: Any) -> Response:
    return await client.post(f"{BASE}/requests.{fmt}", data=_form(key, **fields))


async def _filed_id(client: AsyncClient, key: str, **fields: Any) -> str:
    response = await _file(client, key, **fields)
    assert response.status_code == 200, response.text
    [created] = response.json()
    return str(created["service_request_id"])


async def _search(client: AsyncClient, key: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{BASE}/requests.json", params={"api_key": key, **params})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def _xml(response: Response, root: str) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    element = ET.fromstring(response.content)
    assert element.tag == root
    return element


def _assert_standard_error(response: Response, status: int) -> None:
    assert response.status_code == status, response.text
    if response.headers["content-type"].startswith("text/xml"):
        [error] = _xml(response, "errors")
        assert error.tag == "error"
        assert error.findtext("code") == str(status) and error.findtext("description")
    else:
        [error] = response.json()
        assert set(error) == {"code", "description"}
        assert error["code"] == status and error["description"]


async def _ticket(world: World, operator: Person, number: str) -> dict[str, Any]:
    listed = await world.as_(operator).get("/api/v1/tickets", params={"q": number})
    [ticket] = listed.json()["items"]
    return dict(ticket)


async def _act(world: World, who: Person, ticket: dict[str, Any], action: str, **body: Any) -> None:
    response = await world.as_(who).post(
        f"/api/v1/tickets/{ticket['id']}/actions/{action}", json=body
    )
    assert response.status_code == 200, response.text


async def test_discovery_names_the_georeport_v2_endpoint_in_json_and_xml(client: Any) -> None:
    document = (await client.get(f"{BASE}/discovery.json")).json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(document)
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://test/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert datetime.fromisoformat(endpoint["changeset"]).tzinfo is not None
    xml = _xml(await client.get(f"{BASE}/discovery.xml"), "discovery")
    assert xml.findtext("endpoints/endpoint/specification") == endpoint["specification"]
    assert [f.text for f in xml.findall("endpoints/endpoint/formats/format")] == endpoint["formats"]


async def test_services_are_the_active_ticket_categories(
    world: World, admin: Person, client: Any
) -> None:
    services = (await client.get(f"{BASE}/services.json")).json()
    by_code = {service["service_code"]: service for service in services}
    assert by_code["zhandao_jingying"] == {
        "service_code": "zhandao_jingying",
        "service_name": "占道经营",
        "description": "城市管理 / 占道经营",
        "metadata": False,
        "type": "realtime",
        "keywords": "占道经营, 城市管理, zhandao_jingying",
        "group": "城市管理",
    }
    assert {"weifa_jianshe", "zixun", "qita"} <= set(by_code)
    xml = _xml(await client.get(f"{BASE}/services.xml"), "services")
    assert [s.findtext("service_code") for s in xml.findall("service")] == list(by_code)
    assert xml.find("service/metadata") is not None
    assert xml.findtext("service/metadata") == "false"

    categories = (await world.as_(admin).get("/api/v1/ticket-categories")).json()["items"]
    [other] = [c for c in categories if c["code"] == "qita"]
    deactivated = await world.as_(admin).patch(
        f"/api/v1/ticket-categories/{other['id']}", json={"is_active": False}
    )
    assert deactivated.status_code == 200, deactivated.text
    services = (await client.get(f"{BASE}/services.json")).json()
    assert "qita" not in {service["service_code"] for service in services}
    _assert_standard_error(await client.get(f"{BASE}/services/qita.json"), 404)


async def test_service_definition_and_unknown_service_in_the_standard_format(
    client: Any,
) -> None:
    definition = await client.get(f"{BASE}/services/zhandao_jingying.json")
    assert definition.json() == {"service_code": "zhandao_jingying", "attributes": []}
    xml = _xml(await client.get(f"{BASE}/services/zhandao_jingying.xml"), "service_definition")
    assert xml.findtext("service_code") == "zhandao_jingying"
    assert xml.find("attributes") is not None
    _assert_standard_error(await client.get(f"{BASE}/services/no_such.json"), 404)
    _assert_standard_error(await client.get(f"{BASE}/services/no_such.xml"), 404)
    _assert_standard_error(await client.get(f"{BASE}/services.csv"), 400)


async def test_filed_request_is_a_ticket_audited_with_the_api_client_as_actor(
    world: World, client: Any, writer: dict[str, Any]
) -> None:
    response = await _file(client, writer["api_key"], account_id="u-42")
    assert response.status_code == 200, response.text
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] == "u-42" and "responsible department" in created["service_notice"]
    number = created["service_request_id"]
    assert number.startswith("RX")

    operator = await world.user("operator")
    ticket = await _ticket(world, operator, number)
    assert ticket["status"] == "new" and ticket["channel"] == "agency"
    assert ticket["type"] == "complaint" and ticket["category_code"] == "zhandao_jingying"
    assert ticket["title"] == "早市占道经营"
    assert ticket["location"] == {
        "address": "建国路88号", "district": "", "lat": 39.9087, "lon": 116.4605
    }  # fmt: skip
    assert ticket["reporter"]["name"] == "王丽" and ticket["reporter"]["phone"] == "13812345678"
    events = (await world.as_(operator).get(f"/api/v1/tickets/{ticket['id']}/events")).json()
    [event] = events["items"]
    assert event["action"] == "created"
    assert event["actor"]["type"] == "api_client" and event["actor"]["id"] == writer["id"]


async def test_filing_answers_xml_and_takes_the_key_as_a_header(
    client: Any, writer: dict[str, Any]
) -> None:
    response = await client.post(
        f"{BASE}/requests.xml",
        data=_form("", api_key=None),
        headers={"X-API-Key": writer["api_key"]},
    )
    assert response.status_code == 200, response.text
    [request] = _xml(response, "service_requests")
    assert request.tag == "request"
    assert request.findtext("service_request_id", "").startswith("RX")
    assert request.find("account_id") is not None


async def test_address_string_alone_is_a_location(client: Any, writer: dict[str, Any]) -> None:
    number = await _filed_id(client, writer["api_key"], lat=None, long=None)
    [found] = await _search(client, writer["api_key"], service_request_id=number)
    assert found["address"] == "建国路88号" and found["lat"] is None and found["long"] is None


@pytest.mark.parametrize(
    "fields",
    [
        {"lat": None, "long": None, "address_string": None},
        {"lat": None, "long": None, "address_string": "", "address_id": "A-1"},
        {"long": None, "address_string": None},
    ],
    ids=["no location", "address_id only", "lat without long"],
)
async def test_request_without_a_usable_location_is_400(
    client: Any, writer: dict[str, Any], fields: dict[str, Any]
) -> None:
    _assert_standard_error(await _file(client, writer["api_key"], **fields), 400)
    _assert_standard_error(await _file(client, writer["api_key"], fmt="xml", **fields), 400)


async def test_invalid_fields_are_400_in_the_standard_format(
    world: World, client: Any, writer: dict[str, Any]
) -> None:
    missing = await _file(client, writer["api_key"], service_code=None)
    _assert_standard_error(missing, 400)
    assert "service_code" in missing.json()[0]["description"]
    _assert_standard_error(await _file(client, writer["api_key"], lat="north"), 400)
    _assert_standard_error(await _file(client, writer["api_key"], fmt="xml", lat="91"), 400)
    _assert_standard_error(await _file(client, writer["api_key"], service_code="nope"), 400)
    _assert_standard_error(await _file(client, writer["api_key"], phone="call me"), 400)
    operator = await world.user("operator")
    assert (await world.as_(operator).get("/api/v1/tickets")).json()["items"] == []


async def test_a_request_refused_after_the_ticket_was_written_leaves_nothing_behind(
    world: World, client: Any, writer: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    create = tickets.create

    async def create_then_refuse(*args: Any, **kwargs: Any) -> Any:
        await create(*args, **kwargs)
        raise UnprocessableEntity("Refused after writing", code="guard_failed")

    monkeypatch.setattr(tickets, "create", create_then_refuse)
    _assert_standard_error(await _file(client, writer["api_key"]), 422)
    monkeypatch.undo()
    operator = await world.user("operator")
    assert (await world.as_(operator).get("/api/v1/tickets")).json()["items"] == []
    # No ticket is left; on PostgreSQL its number is (a record number is committed on its
    # own so that creates never queue on the counter: app/core/numbering.py).
    assert (await _filed_id(client, writer["api_key"])).endswith(
        "-00002" if IS_POSTGRES else "-00001"
    )


async def test_an_invalid_key_is_403_and_a_missing_one_on_filing_is_400(client: Any) -> None:
    _assert_standard_error(await _file(client, "gf_nope_x"), 403)
    _assert_standard_error(await _file(client, "gf_nope_x", fmt="xml"), 403)
    _assert_standard_error(await _file(client, ""), 400)
    listed = await client.get(f"{BASE}/requests.xml", params={"api_key": "nope"})
    _assert_standard_error(listed, 403)
    assert "WWW-Authenticate" not in listed.headers


async def test_key_without_the_tickets_scope_is_403(
    world: World, admin: Person, client: Any
) -> None:
    reader = await _api_client(world, admin, "tickets:read")
    _assert_standard_error(await _file(client, reader["api_key"]), 403)
    approvals = await _api_client(world, admin, "approvals:read")
    refused = await client.get(f"{BASE}/requests.json", headers={"X-API-Key": approvals["api_key"]})
    _assert_standard_error(refused, 403)
    assert (await _search(client, reader["api_key"])) == []


async def test_rate_limited_client_gets_429_with_retry_after(
    app: Any, client: Any, writer: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "api_client_rate_limit_per_minute", 1)
    params = {"api_key": writer["api_key"]}
    answers = [await client.get(f"{BASE}/requests.xml", params=params) for _ in range(2)]
    if utcnow().second == 0:  # the minute turned over mid-test
        return
    assert answers[0].status_code == 200
    _assert_standard_error(answers[1], 429)
    assert 1 <= int(answers[1].headers["Retry-After"]) <= 61


async def test_request_is_read_by_its_id_in_json_and_xml(
    client: Any, writer: dict[str, Any], settings: Settings
) -> None:
    number = await _filed_id(client, writer["api_key"], media_url="https://img.example.cn/p/1.jpg")
    response = await client.get(
        f"{BASE}/requests/{number}.json", headers={"X-API-Key": writer["api_key"]}
    )
    assert response.status_code == 200, response.text
    [request] = response.json()
    assert set(request) == REQUEST_FIELDS
    assert request["service_request_id"] == number and request["status"] == "open"
    assert request["service_code"] == "zhandao_jingying" and request["service_name"] == "占道经营"
    assert request["description"] == _form("")["description"]
    assert request["media_url"] == "https://img.example.cn/p/1.jpg"
    assert request["lat"] == 39.9087 and request["long"] == 116.4605
    requested = datetime.fromisoformat(request["requested_datetime"])
    assert (
        requested.utcoffset() == requested.astimezone(settings.zone).utcoffset()
    )  # the agency's zone
    assert abs(requested - utcnow()) < timedelta(minutes=1)

    xml = await client.get(f"{BASE}/requests/{number}.xml", params={"api_key": writer["api_key"]})
    [element] = _xml(xml, "service_requests")
    assert element.tag == "request"
    assert {child.tag for child in element} == REQUEST_FIELDS
    for name in ("service_request_id", "status", "service_code", "description", "media_url"):
        assert element.findtext(name) == request[name]
    assert element.findtext("requested_datetime") == request["requested_datetime"]
    assert float(element.findtext("lat", "")) == request["lat"]
    assert element.findtext("zipcode") is not None and element.findtext("zipcode") == ""

    missing = await client.get(
        f"{BASE}/requests/RX19990101-00001.xml", params={"api_key": writer["api_key"]}
    )
    _assert_standard_error(missing, 404)


async def test_status_is_closed_once_the_ticket_is_closed_or_cancelled(
    world: World, client: Any, writer: dict[str, Any]
) -> None:
    key = writer["api_key"]
    department = await world.department("CY-CG", name="朝阳城管")
    operator = await world.user("operator")
    handler = await world.user("handler", department=department)
    kept = await _filed_id(client, key)
    closed = await _filed_id(client, key, service_code="weifa_jianshe")
    cancelled = await _filed_id(client, key, service_code="xiao_guanggao")
    merged = await _filed_id(client, key)

    ticket = await _ticket(world, operator, closed)
    await _act(world, operator, ticket, "dispatch", department_id=str(department["id"]))
    [dispatched] = await _search(client, key, service_request_id=closed)
    assert dispatched["status"] == "open" and dispatched["agency_responsible"] == "朝阳城管"
    assert datetime.fromisoformat(dispatched["expected_datetime"]).tzinfo is not None
    await _act(world, handler, ticket, "sign")
    await _act(world, handler, ticket, "reply", reply="已拆除违建", resolution_mode="enforcement")
    await _act(world, operator, ticket, "close", satisfaction="satisfied")
    await _act(world, operator, await _ticket(world, operator, cancelled), "cancel", reason="重复")
    original = await _ticket(world, operator, kept)
    await _act(
        world,
        operator,
        await _ticket(world, operator, merged),
        "merge",
        duplicate_of=original["id"],
    )

    statuses = {r["service_request_id"]: r for r in await _search(client, key)}
    assert statuses[kept]["status"] == "open" and statuses[kept]["status_notes"] is None
    assert (
        statuses[closed]["status"] == "closed" and statuses[closed]["status_notes"] == "已拆除违建"
    )
    assert statuses[closed]["expected_datetime"] is None
    assert statuses[cancelled]["status"] == "closed"
    assert statuses[merged]["status"] == "closed"
    assert statuses[merged]["status_notes"] == f"A duplicate of request {kept}"
    assert [r["service_request_id"] for r in await _search(client, key, status="open")] == [kept]
    assert [r["service_request_id"] for r in await _search(client, key, status="closed")] == [
        merged,
        cancelled,
        closed,
    ]  # newest first
    assert len(await _search(client, key, status="open,closed")) == 4
    bad = await client.get(f"{BASE}/requests.json", params={"api_key": key, "status": "pending"})
    _assert_standard_error(bad, 400)


async def test_requests_filter_by_service_code_ids_and_dates(
    client: Any, writer: dict[str, Any], settings: Settings
) -> None:
    key = writer["api_key"]
    first = await _filed_id(client, key)
    second = await _filed_id(client, key, service_code="weifa_jianshe")
    third = await _filed_id(client, key, service_code="xiao_guanggao")

    newest_first = [r["service_request_id"] for r in await _search(client, key)]
    assert newest_first == [third, second, first]
    by_code = await _search(client, key, service_code="weifa_jianshe,xiao_guanggao")
    assert [r["service_request_id"] for r in by_code] == [third, second]
    by_ids = await _search(client, key, service_request_id=f"{first},{third}", status="closed")
    assert {r["service_request_id"] for r in by_ids} == {first, third}  # ids override filters

    now = utcnow()
    window = {"start_date": (now - timedelta(hours=1)).isoformat()}
    assert len(await _search(client, key, **window)) == 3
    tomorrow = (now + timedelta(days=1)).isoformat()
    assert await _search(client, key, start_date=tomorrow) == []
    assert await _search(client, key, end_date=(now - timedelta(days=1)).isoformat()) == []
    local = (now.astimezone(settings.zone) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S")
    assert len(await _search(client, key, start_date=local)) == 3  # no offset: the agency's
    for params in (
        {"start_date": (now - timedelta(days=100)).isoformat(), "end_date": now.isoformat()},
        {"start_date": now.isoformat(), "end_date": (now - timedelta(days=1)).isoformat()},
        {"start_date": "last tuesday"},
    ):
        response = await client.get(f"{BASE}/requests.json", params={"api_key": key, **params})
        _assert_standard_error(response, 400)


async def test_xml_search_carries_the_same_requests_as_json(
    client: Any, writer: dict[str, Any]
) -> None:
    key = writer["api_key"]
    await _filed_id(client, key)
    await _filed_id(client, key, service_code="weifa_jianshe")
    as_json = await _search(client, key)
    as_xml = _xml(
        await client.get(f"{BASE}/requests.xml", params={"api_key": key}), "service_requests"
    )
    assert [e.tag for e in as_xml] == ["request", "request"]
    for element, request in zip(as_xml, as_json, strict=True):
        assert {child.tag for child in element} == REQUEST_FIELDS
        for name, value in request.items():
            expected = "" if value is None else str(value)
            assert element.findtext(name) == expected, name


async def test_reporter_name_phone_and_email_never_leave_through_open311(
    world: World, admin: Person, client: Any, writer: dict[str, Any]
) -> None:
    key = writer["api_key"]
    filed = [await _file(client, key), await _file(client, key, fmt="xml")]
    number = filed[0].json()[0]["service_request_id"]
    reader = await _api_client(world, admin, "tickets:read")
    answers = [
        *filed,
        await client.get(f"{BASE}/requests.json", params={"api_key": reader["api_key"]}),
        await client.get(f"{BASE}/requests.xml", params={"api_key": reader["api_key"]}),
        await client.get(f"{BASE}/requests/{number}.json", params={"api_key": key}),
        await client.get(f"{BASE}/requests/{number}.xml", params={"api_key": key}),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        text = answer.content.decode()
        for value in PERSONAL:
            assert value not in text
