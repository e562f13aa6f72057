"""Open311 reads need no key: the public view, the partner's fuller view with a key, the
media link as a column, and mySociety's extensions (extended attributes, request updates)."""

import asyncio
import socket
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import uvicorn
from georeport import GeoReport
from httpx import AsyncClient, Response

from app.models.base import utcnow
from tests.conftest import World
from tests.factories import Person

BASE = "/open311/v2"
MEDIA = "https://img.example.cn/p/1.jpg"
DESCRIPTION = "早市占道经营\n王先生（13812345678）说商贩每天占满建国路88号门口的人行道。"


async def _api_client(world: World, admin: Person, *scopes: str) -> str:
    response = await world.as_(admin).post(
        "/api/v1/api-clients", json={"name": "随手拍 app", "scopes": list(scopes)}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["api_key"])


@pytest.fixture
async def writer(world: World, admin: Person) -> str:
    return await _api_client(world, admin, "tickets:write")


@pytest.fixture
async def reader(world: World, admin: Person) -> str:
    return await _api_client(world, admin, "tickets:read")


async def _file(client: AsyncClient, key: str, **fields: Any) -> str:
    form = {
        "api_key": key,
        "service_code": "zhandao_jingying",
        "lat": "39.908712",
        "long": "116.460534",
        "address_string": "朝阳区建国路88号院3号楼",
        "description": DESCRIPTION,
        "first_name": "丽",
        "last_name": "王",
        "phone": "13812345678",
        "media_url": MEDIA,
        **fields,
    }
    response = await client.post(f"{BASE}/requests.json", data=form)
    assert response.status_code == 200, response.text
    return str(response.json()[0]["service_request_id"])


async def _operator_ticket(world: World, operator: Person, number: str) -> dict[str, Any]:
    listed = await world.as_(operator).get("/api/v1/tickets", params={"q": number})
    [ticket] = listed.json()["items"]
    return dict(ticket)


async def _staff_filed(world: World, operator: Person, **fields: Any) -> str:
    body = {
        "channel": "phone",
        "type": "complaint",
        "category_code": "zhandao_jingying",
        "title": "占道经营",
        "content": "商贩占道",
        "location": {"address": "建国路1号", "district": "朝阳区"},
        "reporter": {"name": "李四", "phone": "13900001111"},
        **fields,
    }
    response = await world.as_(operator).post("/api/v1/tickets", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


def _ok(response: Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_anyone_reads_requests_without_a_key(client: AsyncClient, writer: str) -> None:
    number = await _file(client, writer)
    [listed] = _ok(await client.get(f"{BASE}/requests.json"))
    assert listed["service_request_id"] == number and listed["status"] == "open"
    [read] = _ok(await client.get(f"{BASE}/requests/{number}.json"))
    assert read == listed
    xml = await client.get(f"{BASE}/requests.xml")
    assert xml.status_code == 200
    assert ET.fromstring(xml.content).findtext("request/service_request_id") == number


async def test_the_public_view_is_coarse_and_carries_no_personal_data(
    client: AsyncClient, writer: str
) -> None:
    number = await _file(client, writer)
    [public] = _ok(await client.get(f"{BASE}/requests/{number}.json"))
    assert public["description"] == "早市占道经营"  # the title, not the caller's words
    assert public["address"] == "朝阳区建国路"  # district and street, no house number
    assert public["lat"] == 39.909 and public["long"] == 116.461
    assert public["media_url"] is None
    text = (await client.get(f"{BASE}/requests/{number}.xml")).text
    for personal in ("13812345678", "王丽", "王先生", "88号", "39.908712"):
        assert personal not in text


async def test_a_partner_key_shows_the_full_request(
    client: AsyncClient, writer: str, reader: str
) -> None:
    number = await _file(client, writer)
    [full] = _ok(await client.get(f"{BASE}/requests/{number}.json", params={"api_key": reader}))
    # The caller's words in full, but the reporter's phone as the API shows it to a client.
    assert full["description"] == DESCRIPTION.replace("13812345678", "138****5678")
    assert "13812345678" not in str(full)
    assert full["address"] == "朝阳区建国路88号院3号楼"
    assert full["lat"] == 39.908712 and full["long"] == 116.460534
    assert full["media_url"] == MEDIA
    assert "王丽" not in str(full)


async def test_reports_and_confidential_tickets_are_never_listed_publicly(
    world: World, client: AsyncClient, reader: str
) -> None:
    operator = await world.user("operator")
    plain = await _staff_filed(world, operator)
    report = await _staff_filed(world, operator, type="report")
    confidential = await _staff_filed(
        world, operator, reporter={"name": "张三", "phone": "13700002222", "confidential": True}
    )
    public = [r["service_request_id"] for r in _ok(await client.get(f"{BASE}/requests.json"))]
    assert public == [plain]
    by_id = await client.get(
        f"{BASE}/requests.json", params={"service_request_id": f"{report},{confidential}"}
    )
    assert _ok(by_id) == []
    for hidden in (report, confidential):
        missing = await client.get(f"{BASE}/requests/{hidden}.json")
        assert missing.status_code == 404
        assert missing.json() == [{"code": 404, "description": f"No service request {hidden!r}"}]
    partner = _ok(await client.get(f"{BASE}/requests.json", params={"api_key": reader}))
    assert plain in {r["service_request_id"] for r in partner}


async def test_public_reads_are_rate_limited_per_address(
    app: Any, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "open311_public_rate_limit_per_minute", 2)
    answers = [await client.get(f"{BASE}/requests.json") for _ in range(3)]
    if utcnow().second == 0:  # the minute turned over mid-test
        return
    assert [a.status_code for a in answers] == [200, 200, 429]
    [error] = answers[2].json()
    assert error["code"] == 429 and int(answers[2].headers["Retry-After"]) >= 1


async def test_an_invalid_key_is_403_in_the_standard_error_list(client: AsyncClient) -> None:
    for path in ("requests.json", "requests/RX20260101-00001.json", "servicerequestupdates.json"):
        refused = await client.get(f"{BASE}/{path}", params={"api_key": "gk_not_a_key"})
        assert refused.status_code == 403
        assert refused.json() == [{"code": 403, "description": "The API key is not valid"}]
    xml = await client.get(f"{BASE}/requests.xml", headers={"X-API-Key": "gk_not_a_key"})
    assert xml.status_code == 403
    assert ET.fromstring(xml.content).findtext("error/code") == "403"


async def test_filing_without_a_key_is_400(client: AsyncClient) -> None:
    form = {"service_code": "zhandao_jingying", "address_string": "建国路"}
    refused = await client.post(f"{BASE}/requests.json", data=form)
    assert refused.status_code == 400
    [error] = refused.json()
    assert "api_key is required" in error["description"]


async def test_media_url_is_the_tickets_link_not_part_of_its_text(
    world: World, client: AsyncClient, writer: str
) -> None:
    number = await _file(client, writer)
    operator = await world.user("operator")
    ticket = await _operator_ticket(world, operator, number)
    assert ticket["media_url"] == MEDIA
    assert ticket["content"] == DESCRIPTION and MEDIA not in ticket["content"]


async def test_extended_attributes_on_request(
    client: AsyncClient, writer: str, reader: str
) -> None:
    number = await _file(client, writer)
    [plain] = _ok(await client.get(f"{BASE}/requests/{number}.json"))
    assert "extended_attributes" not in plain
    [public] = _ok(await client.get(f"{BASE}/requests/{number}.json?extensions=true"))
    assert public["extended_attributes"] == {
        "title": "早市占道经营",
        "interface_used": "agency",
        "external_status_code": "new",
        "agency_sent_datetime": None,
        "priority": None,
    }
    params = {"api_key": reader, "extensions": "true"}
    [partner] = _ok(await client.get(f"{BASE}/requests.json", params=params))
    assert partner["extended_attributes"]["priority"] == "normal"
    xml = await client.get(f"{BASE}/requests.xml?extensions=true")
    element = ET.fromstring(xml.content)
    assert element.findtext("request/extended_attributes/external_status_code") == "new"


async def test_request_updates_follow_status_changes_since_a_time(
    world: World, client: AsyncClient, writer: str, reader: str
) -> None:
    number = await _file(client, writer)
    department = await world.department("CY-CG", name="朝阳城管")
    operator = await world.user("operator")
    handler = await world.user("handler", department=department)
    ticket = await _operator_ticket(world, operator, number)
    for who, action, body in (
        (operator, "dispatch", {"department_id": str(department["id"])}),
        (handler, "sign", {}),
    ):
        answer = await world.as_(who).post(
            f"/api/v1/tickets/{ticket['id']}/actions/{action}", json=body
        )
        assert answer.status_code == 200, answer.text
    updates = _ok(await client.get(f"{BASE}/servicerequestupdates.json"))
    assert [(u["service_request_id"], u["status"]) for u in updates] == [
        (number, "OPEN"),
        (number, "ACTION_SCHEDULED"),
        (number, "IN_PROGRESS"),
    ]
    assert [u["external_status_code"] for u in updates] == ["new", "dispatched", "in_progress"]
    assert len({u["update_id"] for u in updates}) == 3
    assert all(u["media_url"] is None for u in updates)  # the public view
    partner = await client.get(f"{BASE}/servicerequestupdates.json", params={"api_key": reader})
    assert [u["update_id"] for u in _ok(partner)] == [u["update_id"] for u in updates]
    assert {u["media_url"] for u in _ok(partner)} == {MEDIA}
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    since = await client.get(f"{BASE}/servicerequestupdates.json", params={"start_date": later})
    assert _ok(since) == []
    xml = await client.get(f"{BASE}/servicerequestupdates.xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "service_requests_updates"
    assert [e.findtext("status") for e in root.findall("request_update")] == [
        u["status"] for u in updates
    ]


async def test_request_updates_leave_out_reports(world: World, client: AsyncClient) -> None:
    operator = await world.user("operator")
    await _staff_filed(world, operator, type="report")
    assert _ok(await client.get(f"{BASE}/servicerequestupdates.json")) == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def served(app: Any) -> AsyncIterator[str]:
    """The app on a real socket, in this event loop, for a client that makes its own calls."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):  # uvicorn offers no event to wait on
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}{BASE}"
    server.should_exit = True
    await task


@pytest.mark.parametrize("output_format", ["json", "xml"])
async def test_an_unmodified_georeport_client_reads_requests_without_a_key(
    client: AsyncClient, writer: str, served: str, output_format: str
) -> None:
    first = await _file(client, writer)
    second = await _file(client, writer, service_code="weifa_jianshe")
    georeport = GeoReport(served, jurisdiction="beijing.gov.cn", output_format=output_format)
    services = await asyncio.to_thread(georeport.get_service_list)
    assert "zhandao_jingying" in {service["service_code"] for service in services}
    found = await asyncio.to_thread(georeport.get_service_requests, status="open")
    assert {request["service_request_id"] for request in found} == {first, second}
    one = await asyncio.to_thread(georeport.get_service_request, first)
    assert one["service_request_id"] == first and one["address"] == "朝阳区建国路"


async def test_the_public_view_removes_the_reporter_phone_and_id_numbers_from_the_title(
    world: World, client: AsyncClient, reader: str
) -> None:
    operator = await world.user("operator")
    title = "李四反映：电话137-1111-2222，座机010-66668888，身份证11010519491231002X"
    number = await _staff_filed(world, operator, title=title)
    reads = [
        await client.get(f"{BASE}/requests/{number}.json", params={"extensions": "true"}),
        await client.get(f"{BASE}/requests.json", params={"extensions": "true"}),
        await client.get(f"{BASE}/requests/{number}.xml"),
    ]
    for read in reads:
        assert read.status_code == 200, read.text
        for personal in ("李四", "1111-2222", "66668888", "11010519491231002X"):
            assert personal not in read.text, personal
    [public] = reads[0].json()
    assert public["description"].startswith("［已隐去］反映：电话［已隐去］")
    assert public["extended_attributes"]["title"] == public["description"]
    # A partner's key still reads the title as the hotline wrote it.
    params = {"api_key": reader, "extensions": "true"}
    [partner] = _ok(await client.get(f"{BASE}/requests/{number}.json", params=params))
    assert partner["extended_attributes"]["title"] == title
