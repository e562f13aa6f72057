"""Exports open in a spreadsheet: read back with the same libraries a user's Excel would."""

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import World
from tests.factories import ticket_body


@pytest.fixture
async def office(world: World) -> dict[str, Any]:
    department = await world.department("EXP", districts=["朝阳区"])
    operator = await world.user("operator")
    handler = await world.user("handler", department=department)
    api = world.as_(operator)
    dispatched = (await api.post("/api/v1/tickets", json=ticket_body(title="派出的工单"))).json()
    await api.post(
        f"/api/v1/tickets/{dispatched['id']}/actions/dispatch",
        json={"department_id": str(department["id"])},
    )
    await api.post(
        "/api/v1/tickets",
        json=ticket_body(title="海淀的工单", location={"address": "学院路", "district": "海淀区"}),
    )
    return {"operator": operator, "handler": handler, "dispatched": dispatched}


async def test_csv_export_has_bom_chinese_headers_and_the_filtered_rows(
    world: World, office: dict[str, Any]
) -> None:
    response = await world.as_(office["operator"]).get(
        "/api/v1/tickets/export", params={"format": "csv", "district": "海淀区"}
    )
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["工单编号", "受理渠道", "诉求类型"]
    assert [row[4] for row in rows[1:]] == ["海淀的工单"]
    assert rows[1][1] == "电话" and rows[1][9] == "13812345678"
    assert "filename*=UTF-8''" in response.headers["content-disposition"]


async def test_xlsx_export_reads_back_with_masked_phone_for_the_handler(
    world: World, office: dict[str, Any]
) -> None:
    response = await world.as_(office["handler"]).get("/api/v1/tickets/export")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "工单编号"
    assert len(rows) == 2  # the handler sees only their department's ticket
    assert rows[1][4] == "派出的工单" and rows[1][9] == "138****5678"
    assert rows[1][19].count(":") == 2  # local time, "YYYY-MM-DD HH:MM:SS"


async def test_statistics_export_is_a_spreadsheet_of_the_same_figures(
    world: World, office: dict[str, Any]
) -> None:
    api = world.as_(office["operator"])
    stats = (await api.get("/api/v1/stats/tickets", params={"group_by": "district"})).json()
    response = await api.get("/api/v1/stats/tickets/export", params={"group_by": "district"})
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:2] == ["分组", "受理量"]
    by_group = {row[0]: row[1] for row in rows[1:]}
    for row in stats["rows"]:
        assert by_group[row["group"]] == row["received"]


async def test_export_refuses_an_unknown_format(world: World, office: dict[str, Any]) -> None:
    response = await world.as_(office["operator"]).get(
        "/api/v1/tickets/export", params={"format": "pdf"}
    )
    assert response.status_code == 422


async def test_export_streams_past_one_batch(
    world: World, office: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.records import exports

    monkeypatch.setattr(exports, "BATCH", 2)
    api = world.as_(office["operator"])
    for index in range(5):
        await api.post("/api/v1/tickets", json=ticket_body(title=f"批量{index}"))
    response = await api.get("/api/v1/tickets/export", params={"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 7  # the header, the fixture's two tickets and these five
