"""What a hostile client can send: control characters, dates out of range, odd cursors and
digits. Each is refused with a problem naming the field, never a 500 (NUL is what
PostgreSQL cannot store; the others break XML, date arithmetic or the driver)."""

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import Response

from app.control_characters import without_control_characters
from tests.approval_hall import add_service
from tests.conftest import World
from tests.factories import Person, ticket_body

BAD_TEXT = ["a\x00b", "a\x1bb", "a\x0bb", "\x7f\x01"]
OPEN311 = "/open311/v2"


@dataclass
class Office:
    admin: Person
    operator: Person
    department: dict[str, Any]
    ticket: dict[str, Any]
    api_key: str


@pytest.fixture
async def office(world: World, admin: Person) -> Office:
    department = await world.department("HOST", districts=["朝阳区"])
    operator = await world.user("operator")
    ticket = await world.as_(operator).post("/api/v1/tickets", json=ticket_body())
    assert ticket.status_code == 201, ticket.text
    client = await world.as_(admin).post(
        "/api/v1/api-clients",
        json={"name": "随手拍", "scopes": ["tickets:read", "tickets:write"]},
    )
    assert client.status_code == 201, client.text
    return Office(admin, operator, department, ticket.json(), client.json()["api_key"])


def _assert_refused(response: Response, loc: list[Any], status: int = 422) -> None:
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert loc in [issue["loc"] for issue in problem["errors"]], problem


def _body_cases(
    office: Office, bad: str
) -> list[tuple[str, str, Person, dict[str, Any], list[Any]]]:
    ticket = f"/api/v1/tickets/{office.ticket['id']}"
    return [
        ("post", "/api/v1/tickets", office.operator, ticket_body(title=bad), ["body", "title"]),
        (
            "post",
            "/api/v1/tickets",
            office.operator,
            ticket_body(location={"address": bad, "district": "朝阳区"}),
            ["body", "location", "address"],
        ),
        (
            "post",
            "/api/v1/tickets",
            office.operator,
            ticket_body(reporter={"name": bad, "phone": "13812345678"}),
            ["body", "reporter", "name"],
        ),
        ("patch", ticket, office.operator, {"content": bad}, ["body", "content"]),
        (
            "post",
            f"{ticket}/actions/cancel",
            office.operator,
            {"reason": bad},
            ["body", "reason"],
        ),
        (
            "post",
            "/api/v1/departments",
            office.admin,
            {"code": "NUL", "name": bad},
            ["body", "name"],
        ),
        (
            "patch",
            f"/api/v1/departments/{office.department['id']}",
            office.admin,
            {"districts": ["朝阳区", bad]},
            ["body", "districts", 1],
        ),
        (
            "post",
            "/api/v1/api-clients",
            office.admin,
            {"name": bad, "scopes": ["tickets:read"]},
            ["body", "name"],
        ),
        ("put", "/api/v1/calendar/days/2026-10-10", office.admin, {"kind": "workday", "name": bad},
         ["body", "name"]),
        (
            "post",
            "/api/v1/cases",
            office.admin,
            {"title": "x", bad: "y"},
            ["body", without_control_characters(bad)],
        ),
    ]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_TEXT, ids=["nul", "escape", "vertical-tab", "del-soh"])
async def test_control_characters_in_any_body_field_are_refused_naming_the_field(
    world: World, office: Office, bad: str
) -> None:
    for method, url, who, body, loc in _body_cases(office, bad):
        response = await getattr(world.as_(who), method)(url, json=body)
        _assert_refused(response, loc)
    listed = await world.as_(office.operator).get("/api/v1/tickets")
    assert [t["id"] for t in listed.json()["items"]] == [office.ticket["id"]]
    # Tab, line feed and carriage return are text.
    lines = await world.as_(office.operator).post(
        "/api/v1/tickets", json=ticket_body(content="第一行\r\n第二行\t完")
    )
    assert lines.status_code == 201, lines.text
    assert lines.json()["content"] == "第一行\r\n第二行\t完"


QUERY_CASES = [
    ("/api/v1/tickets", "q"),
    ("/api/v1/tickets", "district"),
    ("/api/v1/tickets", "category_code"),
    ("/api/v1/tickets", "reporter_phone"),
    ("/api/v1/tickets/export", "q"),
    ("/api/v1/approvals", "q"),
    ("/api/v1/cases", "q"),
    ("/api/v1/cases", "district"),
    ("/api/v1/tasks/mine", "kind"),
    ("/api/v1/departments", "unknown_parameter"),
]


@pytest.mark.parametrize(("url", "name"), QUERY_CASES)
async def test_control_characters_in_query_parameters_and_filters_are_refused(
    world: World, office: Office, url: str, name: str
) -> None:
    for bad in BAD_TEXT:
        response = await world.as_(office.admin).get(url, params={name: bad})
        _assert_refused(response, ["query", name])


async def test_control_characters_in_a_form_or_path_are_refused(
    world: World, office: Office, client: Any
) -> None:
    login = await client.post(
        "/api/v1/auth/token", data={"username": "root\x00admin", "password": "x"}
    )
    assert login.status_code in (401, 422), login.text
    path = await world.as_(office.admin).get("/api/v1/workflows/ticket%00")
    _assert_refused(path, ["path", "name"])
    day = await world.as_(office.admin).get("/api/v1/calendar/days/2026-10-1%1B")
    _assert_refused(day, ["path", "date"])


async def test_open311_refuses_control_characters_in_its_own_error_format(
    office: Office, client: Any
) -> None:
    service = await client.get(f"{OPEN311}/services/zhandao%00.json")
    assert service.status_code == 400, service.text
    assert "service_code" in service.json()[0]["description"]
    for bad in BAD_TEXT:
        listed = await client.get(
            f"{OPEN311}/requests.json", params={"api_key": office.api_key, "service_code": bad}
        )
        assert listed.status_code == 400, listed.text
        [error] = listed.json()
        assert error["code"] == 400 and "service_code" in error["description"]
        filed = await client.post(
            f"{OPEN311}/requests.json",
            data={
                "api_key": office.api_key,
                "service_code": "zhandao_jingying",
                "address_string": "建国路88号",
                "description": f"早市{bad}占道",
            },
        )
        assert filed.status_code == 400, filed.text
        assert "description" in filed.json()[0]["description"]


DATE_CASES = [
    ("/api/v1/tickets", "created_from", "0001-01-01"),
    ("/api/v1/tickets", "created_to", "9999-12-31T23:59:59-12:00"),
    ("/api/v1/tickets", "created_from", "1969-12-31T23:59:59Z"),
    ("/api/v1/tickets", "created_to", "2101-01-01"),
    ("/api/v1/tickets/export", "created_from", "0001-01-01T00:00:00+14:00"),
    ("/api/v1/approvals", "created_from", "0001-01-01"),
    ("/api/v1/cases", "created_to", "9999-12-31T23:59:59-12:00"),
    ("/api/v1/stats/tickets", "from", "0001-01-01"),
    ("/api/v1/stats/tickets/export", "to", "9999-12-31T23:59:59-12:00"),
    ("/api/v1/stats/approvals", "from", "0001-01-01"),
    ("/api/v1/stats/cases", "to", "9999-12-31T23:59:59-12:00"),
    ("/api/v1/calendar/add", "start", "0001-01-01"),
    ("/api/v1/calendar/add", "start", "9999-12-31T23:59:59-12:00"),
    ("/api/v1/calendar/workdays", "from", "0001-01-01"),
]


@pytest.mark.parametrize(("url", "name", "value"), DATE_CASES)
async def test_dates_outside_1970_to_2100_are_refused_naming_the_parameter(
    world: World, office: Office, url: str, name: str, value: str
) -> None:
    params = {name: value, "days": "1"} if "calendar" in url else {name: value}
    if url.endswith("workdays"):
        params["to"] = "0001-01-05"
    response = await world.as_(office.admin).get(url, params=params)
    _assert_refused(response, ["query", name])


async def test_dates_in_bodies_outside_the_range_are_refused(world: World, office: Office) -> None:
    department = await world.department("CY-ZF", name="执法大队", districts=["朝阳区"])
    inspector = await world.user("inspector", department=department)
    for field in ("violation_occurred_on", "discovered_on"):
        for value in ("0001-01-01", "9999-12-31"):
            body = {
                "source": "inspection",
                "title": "占道经营",
                "category_code": "zhandao_jingying",
                "party": {"type": "person", "name": "张三", "id_number": "110101199001011237"},
                "facts": "摆摊。",
                "violation_occurred_on": "2026-11-20",
                "discovered_on": "2026-11-20",
                field: value,
            }
            response = await world.as_(inspector).post("/api/v1/cases", json=body)
            _assert_refused(response, ["body", field])


async def test_open311_dates_out_of_range_are_400_in_the_standard_format(
    office: Office, client: Any
) -> None:
    for name, value in (("start_date", "0001-01-01T00:00:00Z"), ("end_date", "9999-12-31")):
        response = await client.get(
            f"{OPEN311}/requests.json", params={"api_key": office.api_key, name: value}
        )
        assert response.status_code == 400, response.text
        [error] = response.json()
        assert name in error["description"]


def _keyset_cursor(created: str, record_id: str | None = None) -> str:
    raw = json.dumps([created, record_id or str(uuid.uuid4())], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


BAD_KEYSET_CURSORS = [
    "\u00b2",
    "٣",
    _keyset_cursor("0001-01-01T00:00:00+00:00"),
    _keyset_cursor("9999-12-31T23:59:59-12:00"),
    _keyset_cursor("2026-01-01T00:00:00+00:00", "١" * 32),
    _keyset_cursor("２０２６-01-01T00:00:00+00:00"),
    _keyset_cursor("2026-01-01T00:00:00"),
    base64.urlsafe_b64encode(b'{"a":1}').decode(),
    base64.urlsafe_b64encode(b'["x"]').decode(),
]


@pytest.mark.parametrize("url", ["/api/v1/tickets", "/api/v1/users", "/api/v1/tasks/mine"])
async def test_cursors_that_no_page_produced_are_400(
    world: World, office: Office, url: str
) -> None:
    for cursor in BAD_KEYSET_CURSORS:
        response = await world.as_(office.admin).get(url, params={"cursor": cursor})
        assert response.status_code == 400, (cursor, response.text)
        assert response.json()["code"] == "invalid_cursor"
    first = await world.as_(office.admin).get(url, params={"limit": 1})
    assert first.status_code == 200, first.text
    if first.json()["next_cursor"]:  # a cursor a page produced still leads on
        after = {"limit": 1, "cursor": first.json()["next_cursor"]}
        assert (await world.as_(office.admin).get(url, params=after)).status_code == 200


async def test_event_cursors_are_ascii_digits_within_the_sequence_range(
    world: World, office: Office
) -> None:
    events = f"/api/v1/tickets/{office.ticket['id']}/events"
    api = world.as_(office.operator)
    for cursor in ("\u00b2", "١", "99999999999", "2147483648", "-1", "+1", " 1"):
        response = await api.get(events, params={"cursor": cursor})
        assert response.status_code == 400, (cursor, response.text)
        assert response.json()["code"] == "invalid_cursor"
    assert (await api.get(events, params={"cursor": "2147483647"})).json()["items"] == []
    assert len((await api.get(events, params={"cursor": "0"})).json()["items"]) == 1


@pytest.mark.parametrize("amount", ["١٢٣", "１２３", "1e3"])
async def test_money_is_ascii_decimal_digits_only(
    world: World, office: Office, amount: str
) -> None:
    response = await world.as_(office.admin).post(
        "/api/v1/approval-services",
        json={
            "code": "fee_test",
            "name": "收费事项",
            "department_id": str(office.department["id"]),
            "legal_limit_days": 20,
            "committed_limit_days": 5,
            "fee": amount,
        },
    )
    _assert_refused(response, ["body", "fee"])
    filtered = await world.as_(office.admin).get("/api/v1/cases", params={"fine_min": amount})
    _assert_refused(filtered, ["query", "fine_min"])
    service = await add_service(world, office.admin, office.department, code="fee_ok", fee="123.5")
    assert service["fee"] == "123.50"
    filtered = await world.as_(office.admin).get("/api/v1/cases", params={"fine_min": "200"})
    assert filtered.status_code == 200


async def test_an_id_number_in_non_ascii_digits_is_refused(world: World, office: Office) -> None:
    department = await world.department("CY-ZF", name="执法大队", districts=["朝阳区"])
    inspector = await world.user("inspector", department=department)
    party = {"type": "person", "name": "张三", "id_number": "110101199001011237"}
    body = {
        "source": "inspection",
        "title": "占道经营",
        "category_code": "zhandao_jingying",
        "facts": "摆摊。",
        "violation_occurred_on": "2026-11-20",
        "discovered_on": "2026-11-20",
    }
    arabic = {**party, "id_number": "1101011990010112٣7"}
    refused = await world.as_(inspector).post("/api/v1/cases", json={**body, "party": arabic})
    assert refused.status_code == 422, refused.text
    accepted = await world.as_(inspector).post("/api/v1/cases", json={**body, "party": party})
    assert accepted.status_code == 201, accepted.text


@pytest.mark.parametrize("value", [0, 1, "yes", "true", "on"])
async def test_a_yes_or_no_is_a_json_boolean_not_a_number_or_a_word(
    world: World, admin: Person, value: Any
) -> None:
    operator = await world.user("operator")
    user = await world.as_(admin).patch(f"/api/v1/users/{operator.id}", json={"is_active": value})
    assert user.status_code == 422
    assert user.json()["errors"][0]["loc"] == ["body", "is_active"]
    body = ticket_body(reporter={"name": "王女士", "phone": "13812345678", "confidential": value})
    ticket = await world.as_(operator).post("/api/v1/tickets", json=body)
    assert ticket.status_code == 422
    assert ticket.json()["errors"][0]["loc"] == ["body", "reporter", "confidential"]
    assert (await world.as_(admin).patch(
        f"/api/v1/users/{operator.id}", json={"is_active": True}
    )).status_code == 200  # fmt: skip
