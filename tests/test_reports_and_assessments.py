"""Monthly reports (月报) and scored quarterly assessments (考评), scored as the
rural-environment plan's example scheme would score them.

The scheme: 组织领导 15, 户厕改造 25, 信息报送 10, 污水治理 25, 村容村貌 25 points (100 in all);
full score on schedule, 40% of an item when preparation is done but work has not started, 3
points off per 10% short of the schedule (时序进度), late reports cost 1 point (at most 3) of
组织领导 and 2 points (at most 6) of 信息报送; ranking bonuses 1.5 / 1 / 0.5 within a cap of 10;
a false report costs up to 5 points and the bonus; year-end Q2 × 20% + Q3 × 20% + Q4 × 60% +
bonus. Every figure below is worked out by hand in the comments.
"""

import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from tests.conftest import World
from tests.factories import Person

TOWNS = ("东镇", "西镇", "南镇", "北镇")

SCHEME: dict[str, Any] = {
    "items": [
        {"code": "organisation", "name": "组织领导", "max_score": "15",
         "late_report_deduction": "1", "late_report_cap": "3"},
        {"code": "toilets", "name": "户厕改造", "max_score": "25", "measures": "toilets",
         "preparation_share": "0.4", "deduction_per_10pct_short": "3"},
        {"code": "reporting", "name": "信息报送", "max_score": "10",
         "late_report_deduction": "2", "late_report_cap": "6"},
        {"code": "sewage", "name": "污水治理", "max_score": "25", "measures": "sewage",
         "preparation_share": "0.4", "deduction_per_10pct_short": "3"},
        {"code": "appearance", "name": "村容村貌", "max_score": "25"},
    ],
    "total_cap": "100",
    "bonus": {"cap": "10", "ranking": ["1.5", "1", "0.5"]},
    "false_report": {"max_penalty": "5", "loses_bonus": True},
    "year_weights": {"Q2": "0.2", "Q3": "0.2", "Q4": "0.6"},
}  # fmt: skip


def at(app: Any, *when: int) -> None:
    moment = datetime(*when, tzinfo=UTC)
    app.state.clock = lambda: moment


@pytest.fixture(autouse=True)
def restore_clock(app: Any) -> Any:
    clock = app.state.clock
    yield
    app.state.clock = clock


@pytest.fixture
async def plan(world: World) -> dict[str, Any]:
    admin = await world.user("admin")
    supervisor = await world.user("supervisor")
    towns = [await world.department(f"T{i}", name=name) for i, name in enumerate(TOWNS)]
    staff = [await world.user("clerk", department=town) for town in towns]
    west = str(towns[1]["id"])
    programme = await world.as_(admin).post(
        "/api/v1/reports",
        json={
            "code": "rural-env-2026",
            "name": "农村人居环境整治提升",
            "year": 2026,
            "items": [
                {"code": "toilets", "name": "三格化粪池新建/改造", "unit": "户",
                 "annual_target": "2880", "schedule": [{"month": 8, "share": "0.7"},
                                                       {"month": 12, "share": "1"}],
                 "unit_targets": {west: "1440"}},
                {"code": "sewage", "name": "生活污水治理行政村", "unit": "个",
                 "annual_target": "40", "schedule": [{"month": 6, "share": "0.3"},
                                                     {"month": 12, "share": "1"}]},
            ],
            "units": [str(t["id"]) for t in towns],
        },
    )  # fmt: skip
    assert programme.status_code == 201, programme.text
    scheme = await world.as_(admin).put("/api/v1/assessments/rural-env-2026/scheme", json=SCHEME)
    assert scheme.status_code == 200, scheme.text
    return {"admin": admin, "supervisor": supervisor, "towns": towns, "staff": staff}


async def submit(
    world: World, who: Person, period: str, toilets: int, sewage: int, prepared: bool = False
) -> Any:
    figures = [
        {"item": "toilets", "completed": str(toilets), "preparation_done": prepared},
        {"item": "sewage", "completed": str(sewage)},
    ]
    return await world.as_(who).post(
        f"/api/v1/reports/rural-env-2026/{period}/submissions", json={"figures": figures}
    )


async def report_the_third_quarter(world: World, plan: dict[str, Any]) -> None:
    east, west, south, north = plan["staff"]
    # July: due 2026-08-15, a Saturday, so Monday 08-17. 西镇 reports on the 20th: late.
    at(world.app, 2026, 8, 10, 2)
    for who in (east, south, north):
        assert (await submit(world, who, "2026-07", 1500, 10)).json()["is_late"] is False
    at(world.app, 2026, 8, 20, 2)
    assert (await submit(world, west, "2026-07", 500, 12)).json()["is_late"] is True
    # August: due 2026-09-15. 南镇 never reports.
    at(world.app, 2026, 9, 10, 2)
    for who in (east, west, north):
        assert (await submit(world, who, "2026-08", 1900, 15)).status_code == 201
    # September: due 2026-10-15. 东镇 corrects its figures after the due day: the first
    # submission was on time, so the month is not late, and the correction counts.
    at(world.app, 2026, 10, 9, 2)
    first = (await submit(world, east, "2026-09", 2000, 27)).json()
    at(world.app, 2026, 10, 12, 2)
    assert (await submit(world, west, "2026-09", 800, 20)).status_code == 201
    assert (await submit(world, south, "2026-09", 0, 0, prepared=True)).status_code == 201
    assert (await submit(world, north, "2026-09", 2880, 40)).status_code == 201
    at(world.app, 2026, 10, 20, 2)
    correction = (await submit(world, east, "2026-09", 2300, 27)).json()
    assert correction["supersedes_id"] == first["id"] and correction["is_late"] is True


async def test_a_month_of_reports_shows_the_missing_and_late_units_and_the_schedule(
    world: World, plan: dict[str, Any]
) -> None:
    await report_the_third_quarter(world, plan)
    east, west, south, north = (str(t["id"]) for t in plan["towns"])
    at(world.app, 2026, 9, 20, 2)
    august = await world.as_(plan["supervisor"]).get(
        "/api/v1/reports/rural-env-2026/2026-08/progress"
    )
    assert august.status_code == 200, august.text
    body = august.json()
    assert body["due_on"] == "2026-09-15"
    assert body["missing"] == [south] and body["late"] == [south]
    july = (await world.as_(plan["supervisor"]).get(
        "/api/v1/reports/rural-env-2026/2026-07/progress"
    )).json()  # fmt: skip
    assert july["due_on"] == "2026-08-17"  # the 15th was a Saturday
    assert july["late"] == [west] and july["missing"] == []
    september = (await world.as_(plan["supervisor"]).get(
        "/api/v1/reports/rural-env-2026/2026-09/progress"
    )).json()  # fmt: skip
    by_unit = {u["department_id"]: u for u in september["units"]}
    # 时序进度 for September: 70% + 30% × (9 − 8)/(12 − 8) = 77.5% of the toilets.
    east_toilets = by_unit[east]["items"][0]
    assert east_toilets["expected_share"] == "0.7750" and east_toilets["completed"] == "2300"
    assert east_toilets["on_schedule"] is True and by_unit[east]["corrections"] == 1
    west_toilets = by_unit[west]["items"][0]
    assert west_toilets["target"] == "1440" and west_toilets["on_schedule"] is False
    assert by_unit[north]["is_late"] is False


async def test_a_quarter_is_scored_as_the_plan_scores_it(
    world: World, plan: dict[str, Any]
) -> None:
    await report_the_third_quarter(world, plan)
    east, west, south, north = (str(t["id"]) for t in plan["towns"])
    supervisor = world.as_(plan["supervisor"])
    findings = [
        {"department_id": west, "kind": "deduction", "item": "appearance", "points": "4",
         "reason": "暗访：村道两侧垃圾堆放"},
        {"department_id": north, "kind": "false_report", "points": "5",
         "reason": "8月户厕数据与台账不符"},
        {"department_id": north, "kind": "bonus", "points": "2", "reason": "省级示范村"},
    ]  # fmt: skip
    for finding in findings:
        answer = await supervisor.post(
            "/api/v1/assessments/rural-env-2026/2026-Q3/findings", json=finding
        )
        assert answer.status_code == 201, answer.text
    at(world.app, 2026, 10, 25, 2)
    run = await supervisor.post("/api/v1/assessments/rural-env-2026/2026-Q3/compute")
    assert run.status_code == 200, run.text
    units = {u["department_id"]: u for u in run.json()["units"]}

    # 东镇: every report on time, toilets 2300/2880 = 79.9% ≥ 77.5%, sewage 27/40 = 67.5% ≥
    # 65% (30% + 70% × 3/6): full marks, 100; first place, +1.5.
    assert units[east]["items"] == {
        "organisation": "15.00", "toilets": "25.00", "reporting": "10.00", "sewage": "25.00",
        "appearance": "25.00",
    }  # fmt: skip
    assert (units[east]["subtotal"], units[east]["bonus"], units[east]["total"]) == (
        "100.00",
        "1.50",
        "101.50",
    )
    # 西镇: July late (组织领导 −1, 信息报送 −2); toilets 800/1440 = 55.6%, 21.9% short of
    # 77.5%: two whole 10%, −6 → 19; sewage 20/40 = 50%, 15% short of 65%: −3 → 22;
    # 村容村貌 −4 by the inspection → 21. 14 + 19 + 8 + 22 + 21 = 84; third place, +0.5.
    assert units[west]["items"] == {
        "organisation": "14.00", "toilets": "19.00", "reporting": "8.00", "sewage": "22.00",
        "appearance": "21.00",
    }  # fmt: skip
    assert (units[west]["total"], units[west]["rank"]) == ("84.50", 3)
    shortfall = next(
        line for line in units[west]["lines"]
        if line["item"] == "toilets" and line["kind"] == "behind_schedule"
    )  # fmt: skip
    assert shortfall["points"] == "-6.00" and "2 个 10%" in shortfall["reason"]
    # 南镇: August never reported (−1, −2); toilets not started but prepared: 40% of 25 = 10;
    # sewage 0% against 65%: six whole 10%, −18 → 7. 14 + 10 + 8 + 7 + 25 = 64; fourth.
    assert units[south]["items"]["toilets"] == "10.00"
    assert units[south]["items"]["sewage"] == "7.00"
    assert (units[south]["subtotal"], units[south]["rank"], units[south]["bonus"]) == (
        "64.00",
        4,
        "0.00",
    )
    # 北镇: 100 on the figures, −5 for the false report → 95, second place; the place's
    # 1 point and the 2-point bonus item are lost with the false report.
    assert (units[north]["subtotal"], units[north]["penalty"]) == ("100.00", "5.00")
    assert (units[north]["rank"], units[north]["bonus"], units[north]["total"]) == (
        2,
        "0.00",
        "95.00",
    )
    assert any(line["kind"] == "bonus_lost" for line in units[north]["lines"])

    # A supervisor's adjustment, with its reason, is kept and the quarter computed again.
    adjusted = await supervisor.post(
        "/api/v1/assessments/rural-env-2026/2026-Q3/adjustments",
        json={"department_id": south, "points": "3", "reason": "受台风影响，工期顺延"},
    )
    assert adjusted.status_code == 201, adjusted.text
    south_now = next(u for u in adjusted.json()["units"] if u["department_id"] == south)
    assert (south_now["adjustment"], south_now["total"]) == ("3.00", "67.00")
    ranking = (await supervisor.get("/api/v1/assessments/rural-env-2026/2026-Q3/ranking")).json()
    assert [u["department_name"] for u in sorted(ranking["units"], key=lambda u: u["rank"])] == [
        "东镇", "北镇", "西镇", "南镇"
    ]  # fmt: skip
    listed = (await supervisor.get(
        "/api/v1/assessments/rural-env-2026/2026-Q3/findings"
    )).json()  # fmt: skip
    assert {f["kind"] for f in listed["items"]} == {
        "deduction",
        "false_report",
        "bonus",
        "adjustment",
    }

    export = await supervisor.get("/api/v1/assessments/rural-env-2026/2026-Q3/export?format=xlsx")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("排名", "单位", "组织领导（15分）")
    assert rows[1][1] == "东镇" and rows[1][-1] == "101.50"
    assert [row[1] for row in rows[1:]] == ["东镇", "北镇", "西镇", "南镇"]


async def test_the_year_end_formula_weighs_the_quarters_and_adds_the_bonus(world: World) -> None:
    admin, supervisor = await world.user("admin"), await world.user("supervisor")
    town = await world.department("ONE", name="独镇")
    clerk = await world.user("clerk", department=town)
    await world.as_(admin).post("/api/v1/reports", json={
        "code": "one", "name": "单项", "year": 2026, "units": [str(town["id"])],
        "items": [{"code": "work", "name": "工程", "unit": "项", "annual_target": "100",
                   "schedule": [{"month": 12, "share": "1"}]}],
    })  # fmt: skip
    scheme = {
        "items": [{"code": "work", "name": "工程", "max_score": "100", "measures": "work",
                   "deduction_per_10pct_short": "10"}],
        "year_weights": {"Q2": "0.2", "Q3": "0.2", "Q4": "0.6"},
    }  # fmt: skip
    assert (
        await world.as_(admin).put("/api/v1/assessments/one/scheme", json=scheme)
    ).status_code == 200
    # June: 50 of 100 against 6/12 due → 100. September: 55 against 75%, 20% short → 80.
    # December: 95 against 100%, 5% short, no whole 10% → 100. Each quarter: first, +1.5.
    for period, done, quarter in (
        ("2026-06", 50, "Q2"),
        ("2026-09", 55, "Q3"),
        ("2026-12", 95, "Q4"),
    ):
        await world.as_(clerk).post(
            f"/api/v1/reports/one/{period}/submissions",
            json={"figures": [{"item": "work", "completed": str(done)}]},
        )
        computed = await world.as_(supervisor).post(
            f"/api/v1/assessments/one/2026-{quarter}/compute"
        )
        assert computed.status_code == 200, computed.text
    early = await world.as_(supervisor).get("/api/v1/assessments/one/2026-Q3/ranking")
    assert early.json()["units"][0]["total"] == "81.50"
    year = await world.as_(supervisor).post("/api/v1/assessments/one/2026/compute")
    assert year.status_code == 200, year.text
    # 100 × 20% + 80 × 20% + 100 × 60% = 96, plus 3 × 1.5 = 4.5 of bonus → 100.5.
    assert year.json()["units"][0]["total"] == "100.50"


async def test_the_year_needs_every_weighted_quarter_computed(
    world: World, plan: dict[str, Any]
) -> None:
    answer = await world.as_(plan["supervisor"]).post(
        "/api/v1/assessments/rural-env-2026/2026/compute"
    )
    assert answer.status_code == 422 and answer.json()["code"] == "quarter_not_computed"


async def test_a_unit_reports_only_for_itself_and_reads_only_its_own(
    world: World, plan: dict[str, Any]
) -> None:
    east, west = plan["staff"][0], plan["staff"][1]
    other = await world.as_(east).post(
        "/api/v1/reports/rural-env-2026/2026-09/submissions",
        json={"department_id": str(plan["towns"][1]["id"]),
              "figures": [{"item": "toilets", "completed": "1"}]},
    )  # fmt: skip
    assert other.status_code == 403
    await submit(world, west, "2026-09", 10, 1)
    await submit(world, east, "2026-09", 10, 1)
    mine = (await world.as_(east).get("/api/v1/reports/rural-env-2026/2026-09/submissions")).json()
    assert {s["department_id"] for s in mine["items"]} == {str(plan["towns"][0]["id"])}
    progress = await world.as_(east).get("/api/v1/reports/rural-env-2026/2026-09/progress")
    assert progress.status_code == 403


@pytest.mark.parametrize("role", ["clerk", "citizen", "handler"])
async def test_only_the_supervising_office_records_findings_and_computes(
    world: World, plan: dict[str, Any], role: str
) -> None:
    who = await world.user(role, department=plan["towns"][0] if role != "citizen" else None)
    finding = await world.as_(who).post(
        "/api/v1/assessments/rural-env-2026/2026-Q3/findings",
        json={"department_id": str(plan["towns"][0]["id"]), "kind": "bonus", "points": "9",
              "reason": "自评"},
    )  # fmt: skip
    assert finding.status_code == 403
    compute = await world.as_(who).post("/api/v1/assessments/rural-env-2026/2026-Q3/compute")
    assert compute.status_code == 403


async def test_a_citizen_cannot_submit_a_report(world: World, plan: dict[str, Any]) -> None:
    citizen = await world.user("citizen")
    answer = await submit(world, citizen, "2026-09", 1, 1)
    assert answer.status_code in (403, 422)


@pytest.mark.parametrize(
    ("period", "code"),
    [("2026-13", "invalid_period"), ("2025-09", "invalid_period"), ("0001-01", "invalid_period")],
)
async def test_periods_outside_the_programme_are_refused(
    world: World, plan: dict[str, Any], period: str, code: str
) -> None:
    answer = await submit(world, plan["staff"][0], period, 1, 1)
    assert answer.status_code == 422 and answer.json()["code"] == code


async def test_a_report_naming_an_unknown_item_or_a_negative_figure_is_refused(
    world: World, plan: dict[str, Any]
) -> None:
    unknown = await world.as_(plan["staff"][0]).post(
        "/api/v1/reports/rural-env-2026/2026-09/submissions",
        json={"figures": [{"item": "bridges", "completed": "1"}]},
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_item"
    negative = await world.as_(plan["staff"][0]).post(
        "/api/v1/reports/rural-env-2026/2026-09/submissions",
        json={"figures": [{"item": "toilets", "completed": "-5"}]},
    )
    assert negative.status_code == 422


async def test_a_scheme_whose_year_weights_do_not_add_up_is_refused(
    world: World, plan: dict[str, Any]
) -> None:
    broken = {**SCHEME, "year_weights": {"Q2": "0.2", "Q4": "0.6"}}
    answer = await world.as_(plan["admin"]).put(
        "/api/v1/assessments/rural-env-2026/scheme", json=broken
    )
    assert answer.status_code == 422


def test_expected_share_joins_the_checkpoints_in_straight_lines() -> None:
    from app.oversight.report_schemas import ReportItemSpec
    from app.oversight.scoring import expected_share

    spec = ReportItemSpec(
        code="t", name="t", unit="户", annual_target=Decimal(100),
        schedule=[{"month": 8, "share": Decimal("0.7")}, {"month": 12, "share": Decimal(1)}],
    )  # type: ignore[list-item]  # fmt: skip
    assert expected_share(spec, 4) == Decimal("0.35")
    assert expected_share(spec, 8) == Decimal("0.7")
    assert expected_share(spec, 10) == Decimal("0.85")


@pytest.mark.parametrize("figure", ["١٠٠", "1e3", "１００"])
async def test_figures_are_ascii_decimal_digits(
    world: World, plan: dict[str, Any], figure: str
) -> None:
    answer = await world.as_(plan["staff"][0]).post(
        "/api/v1/reports/rural-env-2026/2026-09/submissions",
        json={"figures": [{"item": "toilets", "completed": figure}]},
    )
    assert answer.status_code == 422, answer.text
    scheme = {**SCHEME, "total_cap": figure}
    refused = await world.as_(plan["admin"]).put(
        "/api/v1/assessments/rural-env-2026/scheme", json=scheme
    )
    assert refused.status_code == 422


async def test_the_ranking_export_never_runs_a_formula_typed_into_the_scheme(
    world: World, plan: dict[str, Any]
) -> None:
    items = [dict(item) for item in SCHEME["items"]]
    items[0]["name"], items[1]["name"] = '=HYPERLINK("http://evil","x")', "@cmd"
    scheme = {**SCHEME, "items": items}
    assert (await world.as_(plan["admin"]).put(
        "/api/v1/assessments/rural-env-2026/scheme", json=scheme
    )).status_code == 200  # fmt: skip
    supervisor = world.as_(plan["supervisor"])
    at(world.app, 2026, 10, 25, 2)
    assert (
        await supervisor.post("/api/v1/assessments/rural-env-2026/2026-Q3/compute")
    ).status_code == 200
    xlsx = await supervisor.get("/api/v1/assessments/rural-env-2026/2026-Q3/export?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    header = sheet["C1"]
    assert header.data_type == "s" and str(header.value).startswith("=HYPERLINK")
    csv_text = (
        await supervisor.get("/api/v1/assessments/rural-env-2026/2026-Q3/export?format=csv")
    ).content.decode("utf-8-sig")
    first_line = csv_text.splitlines()[0]
    assert "'=HYPERLINK" in first_line and "'@cmd" in first_line
