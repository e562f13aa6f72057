"""The department scorecard (部门考评): the admin's weights over govflow's own figures for a
quarter — tickets closed on time and reopened, approvals and cases decided on time, good
ratings, bad ratings rectified on time, decisions disclosed on time — counted by the
database, scored item by item and ranked. Every figure below is worked out by hand.

The quarter is 2026-Q3 (1 July to 30 September, Beijing time), computed on 9 October.
"""

import io
import uuid
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from sqlalchemy import update
from sqlmodel import col

from app.models.approval import ApprovalApplication as Application
from app.models.case import EnforcementCase as Case
from app.models.document import Disclosure
from app.models.rating import Rating, Rectification
from app.models.ticket import Ticket
from tests.approval_hall import application_body, make_hall
from tests.case_bureau import Bureau, make_bureau
from tests.conftest import World
from tests.factories import Person, ticket_body

# 100 points: two items with a target and points off per percentage point short of it,
# the rest their share of the score.
SCHEME_ITEMS: list[dict[str, Any]] = [
    {"code": "tickets", "name": "工单按时办结率", "measure": "ticket_on_time", "max_score": "20",
     "target": "0.9", "deduction_per_point": "0.5"},
    {"code": "reopen", "name": "工单重办率", "measure": "ticket_reopen", "max_score": "10"},
    {"code": "approvals", "name": "审批按时办结率", "measure": "approval_on_time",
     "max_score": "20"},
    {"code": "cases", "name": "案件按期决定率", "measure": "case_on_time", "max_score": "10"},
    {"code": "satisfaction", "name": "好评率", "measure": "satisfaction", "max_score": "20",
     "target": "0.8", "deduction_per_point": "0.5"},
    {"code": "rectified", "name": "差评按期整改率", "measure": "rectification_on_time",
     "max_score": "10"},
    {"code": "disclosed", "name": "按时公示率", "measure": "disclosure_on_time", "max_score": "10"},
]  # fmt: skip


def at(app: Any, *when: int) -> None:
    moment = datetime(*when, tzinfo=UTC)
    app.state.clock = lambda: moment


def q3(month: int, day: int, hour: int = 2, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def restore_clock(app: Any) -> Any:
    clock = app.state.clock
    yield
    app.state.clock = clock


async def _post(world: World, who: Person, url: str, expect: int = 200, **body: Any) -> Any:
    answer = await world.as_(who).post(url, json=body)
    assert answer.status_code == expect, answer.text
    return answer.json()


async def as_if(world: World, model: Any, where: Any, **values: Any) -> None:
    """As if the records had been handled in 2026-Q3: the workflows stamp the real time, so
    the test moves the stored dates (and a lateness the engine would have found) there."""
    async with world.app.state.sessionmaker() as session:
        await session.execute(update(model).where(where).values(**values))
        await session.commit()


def _id(record: dict[str, Any]) -> uuid.UUID:
    return uuid.UUID(record["id"])


async def _tickets(world: World, department: dict[str, Any]) -> None:
    """The hotline department: three tickets closed in the quarter, one of them late, one
    reopened after an unsatisfied callback; one closed on 30 June at 23:30 Beijing time,
    the quarter before."""
    operator = await world.user("operator")
    handler = await world.user("handler", department=department)

    async def replied() -> tuple[str, dict[str, Any]]:
        created = await _post(world, operator, "/api/v1/tickets", 201, **ticket_body())
        url = f"/api/v1/tickets/{created['id']}/actions"
        await _post(world, operator, f"{url}/dispatch", department_id=str(department["id"]))
        await _post(world, handler, f"{url}/sign")
        await _post(world, handler, f"{url}/reply", reply="已处理", resolution_mode="service")
        return url, created

    async def closed(ticket: dict[str, Any], when: datetime, **values: Any) -> None:
        await as_if(world, Ticket, col(Ticket.id) == _id(ticket), closed_at=when, **values)
        await as_if(world, Rating, col(Rating.record_id) == _id(ticket), rated_at=when)

    url, on_time = await replied()
    await _post(world, operator, f"{url}/close", satisfaction="satisfied")
    await closed(on_time, q3(7, 2))
    url, late = await replied()
    await _post(world, operator, f"{url}/close", satisfaction="basically_satisfied")
    await closed(late, q3(7, 20), is_overdue=True)
    url, reopened = await replied()
    await _post(world, operator, f"{url}/reopen", reason="回访不满意：摊贩仍在")
    await _post(world, handler, f"{url}/reply", reply="已清理", resolution_mode="service")
    # Unsatisfied under the reporter's name: a rectification due 24 July, never done.
    rating = await _post(world, operator, f"{url}/close", satisfaction="unsatisfied")
    assert rating["reopen_count"] == 1
    await closed(reopened, q3(7, 3))
    await as_if(world, Rectification, col(Rectification.source_record_id) == _id(reopened),
                due_at=q3(7, 24, 16))  # fmt: skip
    url, before = await replied()
    await _post(world, operator, f"{url}/close", satisfaction="satisfied")
    await closed(before, q3(6, 30, 15, 30))


async def _approvals(world: World, hall: dict[str, Any]) -> None:
    """The approval hall: three applications decided in the quarter, one late; each approval
    opens a permit disclosure, published when the decision is delivered."""
    citizen, clerk = hall["citizen"], hall["clerk"]

    async def approved() -> tuple[str, dict[str, Any]]:
        application = await _post(world, citizen, "/api/v1/approvals", 201, **application_body())
        url = f"/api/v1/approvals/{application['id']}/actions"
        await _post(world, clerk, f"{url}/accept")
        await _post(world, hall["reviewer"], f"{url}/recommend", opinion="approve")
        await _post(world, hall["leader"], f"{url}/approve")
        return url, application

    async def delivered_and_rated(url: str, application: Any, level: str) -> Any:
        await _post(world, clerk, f"{url}/deliver", method="electronic")
        return await _post(world, citizen, "/api/v1/ratings", 201, kind="approval",
                           record_id=application["id"], level=level)  # fmt: skip

    async def decided(application: Any, when: datetime, due: datetime, **late: Any) -> None:
        await as_if(world, Application, col(Application.id) == _id(application),
                    decided_at=when, **({"decided_late": True} if late else {}))  # fmt: skip
        await as_if(world, Disclosure, col(Disclosure.record_id) == _id(application),
                    due_at=due, **({"published_late": True} if late else {}))  # fmt: skip

    # Decided the next day, delivered at once: on time, disclosed on time, rated 非常满意.
    url, first = await approved()
    await delivered_and_rated(url, first, "very_satisfied")
    await decided(first, q3(7, 2), due=q3(7, 13, 16))
    await as_if(world, Rating, col(Rating.record_id) == _id(first), rated_at=q3(7, 2))
    # Decided late, delivered (so disclosed) late, rated 非常不满意: rectified in time.
    url, second = await approved()
    rating = await delivered_and_rated(url, second, "very_unsatisfied")
    task = f"/api/v1/rectifications/{rating['rectification_id']}/actions"
    await _post(world, clerk, f"{task}/verify", founded=True, reasons="属实：审批超时")
    await _post(world, clerk, f"{task}/rectify", measures="增设审批提醒")
    closed = await _post(world, hall["supervisor"], f"{task}/review", comment="整改到位")
    assert closed["status"] == "closed" and closed["is_overdue"] is False
    await decided(second, q3(7, 15), due=q3(7, 24, 16), late=True)
    await as_if(world, Rating, col(Rating.record_id) == _id(second), rated_at=q3(7, 27))
    await as_if(world, Rectification, col(Rectification.source_record_id) == _id(second),
                due_at=q3(8, 17, 16), closed_at=q3(7, 29))  # fmt: skip
    # Decided on time and never delivered: its disclosure, due 16 July, is still pending.
    _, third = await approved()
    await decided(third, q3(7, 7), due=q3(7, 16, 16))


async def _cases(bureau: Bureau) -> None:
    """The brigade: two cases decided in the quarter, one past the 90 days from filing
    (行政处罚法 第六十条); each decision's disclosure left unpublished past its due day."""
    for decided_at, due, late in ((q3(7, 10), q3(7, 21, 16), True),
                                  (q3(7, 14), q3(7, 23, 16), False)):  # fmt: skip
        case = await bureau.decided()
        await as_if(bureau.world, Case, col(Case.id) == _id(case), decided_at=decided_at,
                    decided_late=late)  # fmt: skip
        await as_if(bureau.world, Disclosure, col(Disclosure.record_id) == _id(case), due_at=due)


@pytest.fixture
async def quarter(world: World) -> dict[str, Any]:
    admin = await world.user("admin")
    hotline = await world.department("CY-CG", name="朝阳城管热线科", districts=["朝阳区"])
    hall = await make_hall(world, admin)
    bureau = await make_bureau(world)
    idle = await world.department("KJ", name="科技信息科")
    await _tickets(world, hotline)
    await _approvals(world, hall)
    await _cases(bureau)
    departments = [hotline, hall["urban"], bureau.brigade, idle]
    scheme = await world.as_(admin).put(
        "/api/v1/scorecards/scheme",
        json={"items": SCHEME_ITEMS, "departments": [str(d["id"]) for d in departments]},
    )
    assert scheme.status_code == 200, scheme.text
    assert scheme.json()["version"] == 1
    at(world.app, 2026, 10, 9, 2)
    return {"admin": admin, "hotline": hotline, "hall": hall, "bureau": bureau, "idle": idle}


def _figures(unit: dict[str, Any]) -> dict[str, tuple[int, int, str | None, str | None]]:
    return {
        f["code"]: (f["counted"], f["qualifying"], f["rate"], f["points"]) for f in unit["figures"]
    }


async def test_a_quarter_is_scored_from_the_departments_own_figures(
    world: World, quarter: dict[str, Any]
) -> None:
    supervisor = quarter["hall"]["supervisor"]
    run = await _post(world, supervisor, "/api/v1/scorecards/2026-Q3/compute")
    assert run["period"] == "2026-Q3" and run["scheme_version"] == 1
    units = {u["department_name"]: u for u in run["departments"]}
    # 审批科: approvals 2 of 3 on time → 20 × 2/3 = 13.33; ratings 1 good of 2 = 50%, 30
    # points short of 80% × 0.5 = 15 off → 5.00; its one bad rating rectified in time →
    # 10.00; disclosures 1 of 3 on time → 10 × 1/3 = 3.33. No tickets, no cases: the 60
    # points measured are scaled to 100: 31.66 ÷ 60 × 100 = 52.77.
    hall = units["城管局审批科"]
    assert _figures(hall) == {
        "tickets": (0, 0, None, None), "reopen": (0, 0, None, None),
        "approvals": (3, 2, "0.6667", "13.33"), "cases": (0, 0, None, None),
        "satisfaction": (2, 1, "0.5000", "5.00"), "rectified": (1, 1, "1.0000", "10.00"),
        "disclosed": (3, 1, "0.3333", "3.33"),
    }  # fmt: skip
    assert hall["total"] == "52.77" and hall["rank"] == 1
    assert {"item": "satisfaction", "kind": "short_of_target", "points": "-15.00",
            "reason": "差 30.00 个百分点，每个百分点扣 0.5 分"} in hall["lines"]  # fmt: skip
    assert {"item": None, "kind": "scaled", "points": "21.11",
            "reason": "按已考核项目折算：31.66 ÷ 60 × 100"} in hall["lines"]  # fmt: skip
    # 热线科: 2 of 3 tickets on time (the one closed on 30 June is the quarter before),
    # 23.33 points short of 90% × 0.5 = 11.67 off → 8.33; 1 of 3 reopened → 10 × 2/3 =
    # 6.67; 2 good ratings of 3, 13.33 short of 80% → 6.67 off → 13.33; its bad rating's
    # rectification, due 24 July, not done → 0. 28.33 ÷ 60 × 100 = 47.22.
    hotline = units["朝阳城管热线科"]
    assert _figures(hotline) == {
        "tickets": (3, 2, "0.6667", "8.33"), "reopen": (3, 1, "0.3333", "6.67"),
        "approvals": (0, 0, None, None), "cases": (0, 0, None, None),
        "satisfaction": (3, 2, "0.6667", "13.33"), "rectified": (1, 0, "0.0000", "0.00"),
        "disclosed": (0, 0, None, None),
    }  # fmt: skip
    assert hotline["total"] == "47.22" and hotline["rank"] == 2
    # 执法大队: 1 of 2 cases decided in time → 5.00; neither disclosure published → 0.
    # 5 ÷ 20 × 100 = 25.00.
    brigade = units["朝阳城管执法大队"]
    assert _figures(brigade)["cases"] == (2, 1, "0.5000", "5.00")
    assert _figures(brigade)["disclosed"] == (2, 0, "0.0000", "0.00")
    assert brigade["total"] == "25.00" and brigade["rank"] == 3
    # Nothing to count at all: nothing earned.
    idle = units["科技信息科"]
    assert idle["total"] == "0.00" and idle["rank"] == 4
    assert all(line["kind"] == "not_measured" for line in idle["lines"])


async def test_the_ranking_shows_a_department_its_own_line_and_the_office_all(
    world: World, quarter: dict[str, Any]
) -> None:
    hall = quarter["hall"]
    assert (
        await world.as_(hall["clerk"]).post("/api/v1/scorecards/2026-Q3/compute")
    ).status_code == 403
    await _post(world, hall["supervisor"], "/api/v1/scorecards/2026-Q3/compute")
    everyone = (
        await world.as_(hall["supervisor"]).get("/api/v1/scorecards/2026-Q3/ranking")
    ).json()
    assert [u["rank"] for u in everyone["departments"]] == [1, 2, 3, 4]
    own = (await world.as_(hall["clerk"]).get("/api/v1/scorecards/2026-Q3/ranking")).json()
    assert [u["department_id"] for u in own["departments"]] == [str(hall["urban"]["id"])]
    not_yet = await world.as_(hall["supervisor"]).get("/api/v1/scorecards/2026-Q2/ranking")
    assert not_yet.status_code == 404
    year = await world.as_(hall["supervisor"]).post("/api/v1/scorecards/2026/compute")
    assert year.status_code == 422 and year.json()["code"] == "invalid_period"


async def test_the_scheme_is_the_admins_and_each_change_a_version(
    world: World, quarter: dict[str, Any]
) -> None:
    hall, admin = quarter["hall"], quarter["admin"]
    body = {"items": SCHEME_ITEMS[:1], "departments": [str(hall["urban"]["id"])]}
    refused = await world.as_(hall["supervisor"]).put("/api/v1/scorecards/scheme", json=body)
    assert refused.status_code == 403
    changed = await world.as_(admin).put("/api/v1/scorecards/scheme", json=body)
    assert changed.status_code == 200 and changed.json()["version"] == 2
    read = (await world.as_(hall["clerk"]).get("/api/v1/scorecards/scheme")).json()
    assert read["version"] == 2 and [i["code"] for i in read["items"]] == ["tickets"]
    half = {**SCHEME_ITEMS[0], "deduction_per_point": None}
    unpaired = await world.as_(admin).put(
        "/api/v1/scorecards/scheme", json={**body, "items": [half]}
    )
    assert unpaired.status_code == 422
    unknown = await world.as_(admin).put(
        "/api/v1/scorecards/scheme",
        json={**body, "departments": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"]},
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_department"


async def test_the_ranking_exports_as_the_table_the_office_circulates(
    world: World, quarter: dict[str, Any]
) -> None:
    supervisor = quarter["hall"]["supervisor"]
    await _post(world, supervisor, "/api/v1/scorecards/2026-Q3/compute")
    answer = await world.as_(supervisor).get(
        "/api/v1/scorecards/2026-Q3/export", params={"format": "xlsx"}
    )
    assert answer.status_code == 200, answer.text
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["排名", "部门", "工单按时办结率（比率）", "工单按时办结率（20分）"]
    assert rows[0][-1] == "总分"
    # The hall's row: no tickets (empty cells), its approvals' share and points.
    assert rows[1][2:8] == [None, None, None, None, "0.6667", "13.33"]
    assert [(r[0], r[1], r[-1]) for r in rows[1:]] == [
        (1, "城管局审批科", "52.77"),
        (2, "朝阳城管热线科", "47.22"),
        (3, "朝阳城管执法大队", "25.00"),
        (4, "科技信息科", "0.00"),
    ]
