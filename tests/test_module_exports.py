"""Approval and case exports open in a spreadsheet, read back with openpyxl and csv.

Each export has the list's filters and rows, Chinese headers, local times, money as exact
text, and personal data exactly as the module's own responses show it to the caller.
"""

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from app.approvals.export import STATUSES as APPROVAL_STATUSES
from app.approvals.workflow import STATES as APPROVAL_STATES
from app.cases.export import STATUSES as CASE_STATUSES
from app.cases.workflow import STATES as CASE_STATES
from app.models.base import utcnow
from tests.approval_hall import COMPANY_CODE, PERSON_ID, application_body, provincial_system
from tests.case_bureau import COMPANY, LEGAL_BASIS, PERSON, Bureau, decision_number
from tests.conftest import World
from tests.factories import Person

ZONE = ZoneInfo("Asia/Shanghai")


def _xlsx(response: Any) -> list[dict[str, Any]]:
    """The sheet as one dict per row, keyed by the header."""
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    # A write-only sheet stores no empty cells: a row may end before the header does.
    return [dict(zip(header, row + [None] * (len(header) - len(row)), strict=True)) for row in rows]


def _csv(response: Any) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def _local(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")


def test_every_state_has_a_chinese_name() -> None:
    assert set(APPROVAL_STATUSES) == set(APPROVAL_STATES)
    assert set(CASE_STATUSES) == set(CASE_STATES)


# Approvals


async def _apply(world: World, who: Person, **overrides: Any) -> dict[str, Any]:
    response = await world.as_(who).post("/api/v1/approvals", json=application_body(**overrides))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _approval_act(world: World, who: Person, record: dict[str, Any], action: str) -> Any:
    response = await world.as_(who).post(
        f"/api/v1/approvals/{record['id']}/actions/{action}", json={}
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def applications(world: World, hall: dict[str, Any]) -> dict[str, Any]:
    """One online application, a green-channel one by a company, one approved on the spot."""
    online = await _apply(world, hall["citizen"])
    green = await _apply(
        world,
        hall["clerk"],
        service_code="huwai_guanggao",
        green_channel=True,
        materials=[{"code": "shenqingshu"}],
        applicant={
            "type": "organisation",
            "name": "某某广告有限公司",
            "id_number": COMPANY_CODE,
            "phone": "13700001111",
        },
    )
    spot = await _apply(
        world, hall["citizen"], service_code="zhaopai_jiban", materials=[{"code": "shenqingshu"}]
    )
    await _approval_act(world, hall["clerk"], spot, "accept")
    approved = await _approval_act(world, hall["clerk"], spot, "approve")
    return {"online": online, "green": green, "approved": approved}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "approved"},
        {"channel": "online"},
        {"green_channel": "true"},
        {"service_code": "daolu_wajue"},
        {"q": "广告"},
        {"is_overdue": "true"},
    ],
)
async def test_approval_export_has_the_rows_of_the_list_with_the_same_filters(
    world: World, hall: dict[str, Any], applications: dict[str, Any], params: dict[str, str]
) -> None:
    api = world.as_(hall["clerk"])
    listed = (await api.get("/api/v1/approvals", params=params)).json()["items"]
    rows = _xlsx(await api.get("/api/v1/approvals/export", params=params))
    assert [row["申请编号"] for row in rows] == [item["number"] for item in listed]


async def test_approval_export_speaks_chinese_and_local_time(
    world: World, hall: dict[str, Any], applications: dict[str, Any]
) -> None:
    response = await world.as_(hall["clerk"]).get(
        "/api/v1/approvals/export", params={"format": "csv", "status": "approved"}
    )
    header, [row] = _csv(response)
    assert header[:9] == [
        "申请编号", "事项", "事项编码", "申请标题", "申请人类型", "申请人", "证件号码",
        "联系电话", "渠道",
    ]  # fmt: skip
    approved = applications["approved"]
    assert row["事项"] == "门头招牌设置（即办件）" and row["渠道"] == "网上"
    assert row["状态"] == "准予许可" and row["决定"] == "准予许可"
    assert row["许可证号"] == approved["licence_number"]
    assert row["受理时间"] == _local(approved["accepted_at"])
    assert row["证件号码"] == PERSON_ID and row["联系电话"] == "13812345678"
    assert row["绿色通道"] == "否" and row["是否超期"] == "否"
    green = _xlsx(
        await world.as_(hall["clerk"]).get(
            "/api/v1/approvals/export", params={"green_channel": "true"}
        )
    )
    assert green[0]["申请人类型"] == "单位" and green[0]["办结时限"] is None
    assert green[0]["受理时限"] == _local(applications["green"]["acceptance_due_at"])


async def test_approval_export_masks_the_applicant_as_the_api_does_for_another_system(
    world: World, hall: dict[str, Any], applications: dict[str, Any]
) -> None:
    system = await provincial_system(world, hall)
    response = await world.client.get(
        "/api/v1/approvals/export", headers=system, params={"format": "csv"}
    )
    rows = {row["申请编号"]: row for row in _csv(response)[1]}
    assert len(rows) == 3
    for secret in (PERSON_ID, COMPANY_CODE, "13812345678", "13700001111"):
        assert secret not in response.text
    for application in applications.values():
        seen = await world.client.get(f"/api/v1/approvals/{application['id']}", headers=system)
        applicant = seen.json()["applicant"]
        row = rows[application["number"]]
        assert (row["申请人"], row["证件号码"], row["联系电话"]) == (
            applicant["name"],
            applicant["id_number"],
            applicant["phone"],
        )
    online = rows[applications["online"]["number"]]
    assert online["证件号码"] == "110105********002X" and online["联系电话"] == "138****5678"


async def test_approval_statistics_export_is_the_same_table_by_service_name(
    world: World, hall: dict[str, Any], applications: dict[str, Any]
) -> None:
    api = world.as_(hall["supervisor"])
    stats = (await api.get("/api/v1/stats/approvals", params={"group_by": "service"})).json()
    rows = _xlsx(await api.get("/api/v1/stats/approvals/export", params={"group_by": "service"}))
    names = {"daolu_wajue": "城市道路占用、挖掘审批", "huwai_guanggao": "设置大型户外广告审批",
             "zhaopai_jiban": "门头招牌设置（即办件）"}  # fmt: skip
    by_group = {row["分组"]: row for row in rows}
    assert set(by_group) == {names[row["group"]] for row in stats["rows"]}
    for row in stats["rows"]:
        exported = by_group[names[row["group"]]]
        assert exported["收件量"] == row["received"] and exported["准予许可"] == row["approved"]
        assert exported["即办率"] == row["on_the_spot_share"]
    header, channels = _csv(
        await api.get(
            "/api/v1/stats/approvals/export", params={"group_by": "channel", "format": "csv"}
        )
    )
    assert header[:3] == ["分组", "收件量", "受理量"]
    assert {row["分组"]: row["收件量"] for row in channels} == {"窗口": "1", "网上": "2"}
    future = {"from": "2100-01-01T00:00:00Z"}
    assert _xlsx(await api.get("/api/v1/stats/approvals/export", params=future)) == []


# Cases


async def _on_the_spot(bureau: Bureau, party: dict[str, Any], fine: str) -> dict[str, Any]:
    case = await bureau.create(party=party)
    return await bureau.act(
        case,
        "decide_on_the_spot",
        officers=bureau.officers(),
        penalty={"kinds": ["fine"], "fine_amount": fine},
        decision_number=decision_number(),
        legal_basis=LEGAL_BASIS,
    )


@pytest.fixture
async def docket(bureau: Bureau) -> dict[str, Any]:
    """A fine decided on the spot, a company's fine paid in full, one case under review."""
    spot = await _on_the_spot(bureau, PERSON, "200")
    paid = await bureau.served(party=COMPANY)
    paid = await bureau.act(paid, "record_payment", amount="5000.00", paid_at=utcnow().isoformat())
    reviewing = await bureau.in_review(title="夜间施工噪声")
    return {"spot": spot, "paid": paid, "reviewing": reviewing}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "decided"},
        {"fine_min": "1000"},
        {"fine_max": "200.00"},
        {"q": "噪声"},
        {"party_id_number": PERSON["id_number"]},
        {"source": "ticket"},
    ],
)
async def test_case_export_has_the_rows_of_the_list_with_the_same_filters(
    bureau: Bureau, docket: dict[str, Any], params: dict[str, str]
) -> None:
    api = bureau.world.as_(bureau.inspector)
    listed = (await api.get("/api/v1/cases", params=params)).json()["items"]
    _, rows = _csv(await api.get("/api/v1/cases/export", params={**params, "format": "csv"}))
    assert [row["案件编号"] for row in rows] == [item["number"] for item in listed]


async def test_case_export_gives_money_as_exact_text_and_times_in_the_agency_zone(
    bureau: Bureau, docket: dict[str, Any]
) -> None:
    rows = _xlsx(await bureau.world.as_(bureau.leader).get("/api/v1/cases/export"))
    assert list(rows[0])[:8] == [
        "案件编号", "案件名称", "来源", "违法类型", "当事人类型", "当事人", "证件号码", "联系电话",
    ]  # fmt: skip
    by_number = {row["案件编号"]: row for row in rows}
    spot, paid = by_number[docket["spot"]["number"]], by_number[docket["paid"]["number"]]
    assert spot["罚款金额"] == "200.00" and spot["处罚种类"] == "罚款"
    assert spot["程序"] == "简易程序" and spot["状态"] == "已决定" and spot["来源"] == "巡查发现"
    assert spot["决定书文号"] == docket["spot"]["decision_number"]
    assert spot["决定时间"] == _local(docket["spot"]["decided_at"])
    assert spot["当事人"] == PERSON["name"] and spot["证件号码"] == PERSON["id_number"]
    assert paid["处罚种类"] == "警告、罚款" and paid["罚款金额"] == "5000.00"
    assert paid["缴款金额"] == "5000.00" and paid["加处罚款"] == "0.00"
    assert paid["立案时间"] == _local(docket["paid"]["filed_at"])
    assert paid["当事人类型"] == "单位" and paid["状态"] == "已执行"
    reviewing = by_number[docket["reviewing"]["number"]]
    assert reviewing["罚款金额"] is None and reviewing["状态"] == "法制审核中"


async def test_case_export_masks_the_party_as_the_api_does_for_the_legal_office(
    bureau: Bureau, docket: dict[str, Any]
) -> None:
    reviewer = bureau.world.as_(bureau.reviewer)
    response = await reviewer.get("/api/v1/cases/export", params={"format": "csv"})
    _, rows = _csv(response)
    # The legal office sees the cases it reviews and reviewed, never the party in full.
    assert {row["案件编号"] for row in rows} == {
        docket["paid"]["number"],
        docket["reviewing"]["number"],
    }
    for secret in (PERSON["name"], PERSON["id_number"], PERSON["phone"], COMPANY["id_number"]):
        assert secret not in response.text
    for row in rows:
        case_id = next(c["id"] for c in docket.values() if c["number"] == row["案件编号"])
        party = (await reviewer.get(f"/api/v1/cases/{case_id}")).json()["party"]
        assert (row["当事人"], row["证件号码"], row["联系电话"]) == (
            party["name"],
            party["id_number"],
            party["phone"] or "",
        )
    by_number = {row["案件编号"]: row for row in rows}
    reviewing = by_number[docket["reviewing"]["number"]]
    assert reviewing["当事人"] == "张**" and reviewing["证件号码"] == "110101********1237"
    assert reviewing["联系电话"] == "138****5678"
    assert by_number[docket["paid"]["number"]]["当事人"] == COMPANY["name"]
    searched = await reviewer.get(
        "/api/v1/cases/export", params={"format": "csv", "party_id_number": PERSON["id_number"]}
    )
    assert _csv(searched)[1] == []


async def test_case_statistics_export_is_the_same_table_with_exact_money(
    bureau: Bureau, docket: dict[str, Any]
) -> None:
    api = bureau.world.as_(bureau.supervisor)
    stats = (await api.get("/api/v1/stats/cases", params={"group_by": "status"})).json()
    rows = _xlsx(await api.get("/api/v1/stats/cases/export", params={"group_by": "status"}))
    by_group = {row["分组"]: row for row in rows}
    assert set(by_group) == {CASE_STATUSES[row["group"]] for row in stats["rows"]}
    for row in stats["rows"]:
        exported = by_group[CASE_STATUSES[row["group"]]]
        assert exported["登记数"] == row["registered"]
        assert exported["决定罚款(元)"] == row["fines_decided"]
        assert exported["处罚:罚款"] == row["penalties_by_kind"]["fine"]
    assert by_group["已执行"]["实缴罚款(元)"] == "5000.00"
    assert by_group["已决定"]["决定罚款(元)"] == "200.00"
    header, totals = _csv(await api.get("/api/v1/stats/cases/export", params={"format": "csv"}))
    assert header[:3] == ["分组", "登记数", "立案数"]
    assert [(row["分组"], row["决定罚款(元)"]) for row in totals] == [
        ("zhandao_jingying", "5200.00")
    ]
    outsider = bureau.world.as_(bureau.outsider)
    assert _xlsx(await outsider.get("/api/v1/stats/cases/export")) == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/approvals/export",
        "/api/v1/cases/export",
        "/api/v1/stats/approvals/export",
        "/api/v1/stats/cases/export",
    ],
)
async def test_exports_refuse_an_unknown_format(world: World, admin: Person, url: str) -> None:
    response = await world.as_(admin).get(url, params={"format": "pdf"})
    assert response.status_code == 422
