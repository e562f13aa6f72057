"""Personal data never reaches the logs: not in access lines, errors or database failures.

Reporters' names and phones (tickets), applicants' ID numbers and phones (approvals),
parties' ID numbers, credit codes and phones (cases): created, edited, acted on, searched
for, and sent in requests that fail (422, 409, 412, 404).
"""

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.approval_hall import application_body, make_hall
from tests.case_bureau import COMPANY, PERSON, case_body, make_bureau
from tests.conftest import World
from tests.factories import Person, ticket_body

PHONE = "13955551234"
NAME = "保密举报人甲"
INSERT_DEPARTMENT = text(
    "INSERT INTO departments (id, code, name, districts, version, created_at, updated_at)"
    " VALUES (:id, :code, 'x', '[]', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


async def test_logs_carry_no_phone_name_or_query_values(
    world: World, capsys: pytest.CaptureFixture[str], app: Any
) -> None:
    operator = await world.user("operator")
    api = world.as_(operator)
    created = await api.post(
        "/api/v1/tickets",
        json=ticket_body(
            type="report", reporter={"name": NAME, "phone": PHONE, "confidential": True}
        ),
    )
    assert created.status_code == 201
    await api.get("/api/v1/tickets", params={"reporter_phone": PHONE})
    await api.post("/api/v1/tickets", json=ticket_body(reporter={"name": NAME, "phone": "bad"}))
    # A database error (a duplicate department code raced past the check) is logged
    # without its statement's values.
    async with app.state.engine.begin() as connection:
        await connection.execute(INSERT_DEPARTMENT, {"id": "1" * 32, "code": PHONE})
        with pytest.raises(IntegrityError) as failure:
            await connection.execute(INSERT_DEPARTMENT, {"id": "2" * 32, "code": PHONE})
        assert PHONE not in str(failure.value)
        await connection.rollback()
    logged = capsys.readouterr().out
    assert '"event": "request"' in logged
    assert PHONE not in logged and NAME not in logged


# Values used nowhere else, so that a hit in the logs can only come from this test.
APPLICANT_ID = "440304198607215631"
APPLICANT_PHONE = "13955550001"
PARTY_ID = "320106197703152810"
PARTY_PHONE = "13955550002"
COMPANY_CODE = "91440300MA5G8R2K71"
NEW_PHONE = "13955550003"
BAD_ID = "440304198607215632"  # a wrong check digit
BAD_CODE = "91440300MA5G8R2K70"  # a wrong check character


def _everything_logged(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    """Structured lines (stdout), anything on stderr, and standard-library log records."""
    captured = capsys.readouterr()
    return "\n".join((captured.out, captured.err, caplog.text))


def _assert_not_logged(logged: str, *values: str) -> None:
    assert '"event": "request"' in logged
    for value in values:
        assert value not in logged, f"{value} reached the logs"


async def test_logs_carry_no_applicant_id_number_or_phone(
    world: World,
    admin: Person,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    hall = await make_hall(world, admin)
    citizen, clerk = world.as_(hall["citizen"]), world.as_(hall["clerk"])
    applicant = {"type": "person", "name": "刘保密", "id_number": APPLICANT_ID}
    body = application_body(applicant={**applicant, "phone": APPLICANT_PHONE})
    created = await citizen.post("/api/v1/approvals", json=body)
    assert created.status_code == 201, created.text
    url = f"/api/v1/approvals/{created.json()['id']}"
    edited = await citizen.patch(url, json={"applicant": {"phone": NEW_PHONE}})
    assert edited.status_code == 200, edited.text
    stale = await citizen.patch(
        url, json={"applicant": {"phone": APPLICANT_PHONE}}, headers={"If-Match": '"99"'}
    )
    assert stale.status_code == 412
    assert (await clerk.post(f"{url}/actions/accept", json={})).status_code == 200
    again = await clerk.post(f"{url}/actions/accept", json={})
    assert again.status_code == 409
    bad_checksum = application_body(applicant={**applicant, "id_number": BAD_ID})
    refused = await citizen.post("/api/v1/approvals", json=bad_checksum)
    assert refused.status_code == 422 and BAD_ID not in refused.text
    unknown_service = application_body(service_code="no_such_service", applicant=applicant)
    assert (await citizen.post("/api/v1/approvals", json=unknown_service)).status_code == 422
    listed = await clerk.get("/api/v1/approvals", params={"q": APPLICANT_ID})
    assert listed.status_code == 200
    _assert_not_logged(
        _everything_logged(capsys, caplog), APPLICANT_ID, APPLICANT_PHONE, NEW_PHONE, BAD_ID
    )


async def test_logs_carry_no_party_id_number_credit_code_or_phone(
    world: World, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    bureau = await make_bureau(world)
    inspector = world.as_(bureau.inspector)
    person = {**PERSON, "id_number": PARTY_ID, "phone": PARTY_PHONE}
    case = await bureau.create(party=person)
    await bureau.create(party={**COMPANY, "id_number": COMPANY_CODE, "phone": PARTY_PHONE})
    url = f"/api/v1/cases/{case['id']}"
    edited = await inspector.patch(url, json={"party": {**person, "phone": NEW_PHONE}})
    assert edited.status_code == 200, edited.text
    await bureau.act(case, "file", officers=bureau.officers())
    await bureau.act(case, "file", expect=409, officers=bureau.officers())
    for party in ({**person, "id_number": BAD_ID}, {**COMPANY, "id_number": BAD_CODE}):
        refused = await inspector.post("/api/v1/cases", json=case_body(party=party))
        assert refused.status_code == 422 and party["id_number"] not in refused.text
    for number in (PARTY_ID, COMPANY_CODE):
        found = await inspector.get("/api/v1/cases", params={"party_id_number": number})
        assert found.status_code == 200 and found.json()["items"]
    outsider = await world.as_(bureau.outsider).get(url)
    assert outsider.status_code == 404
    _assert_not_logged(
        _everything_logged(capsys, caplog),
        PARTY_ID,
        PARTY_PHONE,
        COMPANY_CODE,
        NEW_PHONE,
        BAD_ID,
        BAD_CODE,
    )
