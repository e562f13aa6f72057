"""Enforcement cases (行政处罚案件): the procedure the Administrative Penalty Law fixes.

Every test drives the API. Where a rule turns on time passing (windows, due dates), the
test moves the stored dates back with a direct UPDATE, as if the days had gone by.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.cases.penalties import (
    Interval,
    add_years,
    late_surcharge,
    surcharge_days,
)
from app.config import get_settings
from app.models.base import utcnow
from tests.case_bureau import (
    COMPANY,
    LARGE_FINE,
    LEGAL_BASIS,
    PARTIES,
    PERSON,
    WARNING_AND_FINE,
    ZONE,
    Bureau,
    case_body,
    decision_number,
    make_bureau,
    move_dates,
    today,
)
from tests.conftest import IS_POSTGRES, World
from tests.factories import Person, ticket_body


@pytest.fixture
async def bureau(world: World) -> Bureau:
    return await make_bureau(world)


# The ordinary procedure


async def test_ordinary_procedure_from_registration_to_closure(bureau: Bureau) -> None:
    case = await bureau.create()
    assert case["status"] == "registered" and case["number"].startswith(f"ZF{today().year}-")
    assert case["number"].endswith("-000001")
    assert set(case["allowed_actions"]) == {"file", "decide_on_the_spot", "dismiss"}

    filed = await bureau.act(case, "file", officers=bureau.officers())
    assert filed["status"] == "investigating" and filed["procedure"] == "ordinary"
    assert [o["name"] for o in filed["officers"]] == ["李执法", "王执法"]
    # 第六十条: a decision within 90 days of filing, in natural days.
    assert filed["clock_status"] == "running"
    due_day = datetime.fromisoformat(filed["due_at"]).astimezone(ZONE).date()
    assert today() + timedelta(days=90) <= due_day <= today() + timedelta(days=97)

    concluded = await bureau.act(
        case,
        "conclude",
        facts="查明当事人连续三日在人行道摆摊。",
        legal_basis=LEGAL_BASIS,
        proposed_penalty=WARNING_AND_FINE,
    )
    assert concluded["status"] == "legal_review"
    assert concluded["proposed_penalty"]["fine_amount"] == "5000.00"
    reviewed = await bureau.act(case, "pass_review", opinion="同意")
    assert reviewed["status"] == "review_passed" and reviewed["review_opinion"] == "同意"

    notified = await bureau.act(case, "notify", notified_at=utcnow().isoformat())
    assert notified["status"] == "notified"
    window = datetime.fromisoformat(notified["statement_window_until"])
    assert window - datetime.fromisoformat(notified["notified_at"]) >= timedelta(days=5)
    assert "request_hearing" not in notified["allowed_actions"]  # 5,000 yuan is no large fine

    pending = await bureau.act(case, "proceed", waived=True)
    assert pending["status"] == "pending_decision" and pending["statement_waived"] is True
    decided = await bureau.act(
        case, "decide", penalty=WARNING_AND_FINE, decision_number="朝城管罚字〔2026〕1号"
    )
    assert decided["status"] == "decided" and decided["disposition"] == "penalty"
    assert decided["penalty"] == {**WARNING_AND_FINE, "confiscated": None}
    assert decided["due_at"] < filed["due_at"]  # now the 7-working-day service deadline

    served = await bureau.act(case, "serve", method="in_person", served_at=utcnow().isoformat())
    assert served["status"] == "served" and served["served_late"] is False
    assert served["clock_status"] == "stopped" and served["is_overdue"] is False
    # 第六十七条: payment due 15 days after service.
    assert date.fromisoformat(served["payment_due_on"]) >= today() + timedelta(days=15)
    assert served["amount_due"] == "5000.00" and served["late_surcharge"] == "0.00"

    paid = await bureau.act(case, "record_payment", amount="5000.00", paid_at=utcnow().isoformat())
    assert paid["status"] == "executed"
    assert paid["payment"]["paid_amount"] == "5000.00" and paid["amount_due"] is None
    closed = await bureau.act(case, "close")
    assert closed["status"] == "closed" and closed["closed_at"]
    assert closed["allowed_actions"] == []

    history = await bureau.events(case)
    assert [e["action"] for e in history] == [
        "created", "file", "conclude", "pass_review", "notify", "proceed", "decide", "serve",
        "record_payment", "close",
    ]  # fmt: skip
    assert history[1]["payload"]["officers"][0]["credential_number"] == "11010001"


async def test_filing_needs_two_different_inspectors_with_credentials(bureau: Bureau) -> None:
    case = await bureau.create()
    one = await bureau.act(case, "file", expect=422, officers=bureau.officers(bureau.inspector))
    assert one["code"] == "validation_error"
    twice = bureau.officers(bureau.inspector, bureau.inspector)
    problem = await bureau.act(case, "file", expect=422, officers=twice)
    assert problem["code"] == "guard_failed" and "第四十二条" in problem["detail"]
    not_inspector = bureau.officers(bureau.inspector, bureau.leader)
    problem = await bureau.act(case, "file", expect=422, officers=not_inspector)
    assert "not an active inspector" in problem["detail"]
    same_credential = [{**o, "credential_number": "X1"} for o in bureau.officers()]
    await bureau.act(case, "file", expect=422, officers=same_credential)
    await bureau.act(case, "file", officers=bureau.officers())


async def test_filing_after_the_two_year_limitation_is_refused(bureau: Bureau) -> None:
    occurred = add_years(today(), -2) - timedelta(days=1)
    stale = await bureau.create(violation_occurred_on=occurred.isoformat())
    assert stale["limitation_ends_on"] == add_years(occurred, 2).isoformat()
    problem = await bureau.act(stale, "file", expect=422, officers=bureau.officers())
    assert problem["code"] == "guard_failed" and "第三十六条" in problem["detail"]
    spot = {
        "officers": bureau.officers(),
        "penalty": {"kinds": ["warning"]},
        "decision_number": decision_number(),
        "legal_basis": LEGAL_BASIS,
    }
    await bureau.act(stale, "decide_on_the_spot", expect=422, **spot)
    dismissed = await bureau.act(stale, "dismiss", reason="超过追责时效")
    assert dismissed["status"] == "dismissed" and dismissed["disposition"] == "dismissed"

    within = await bureau.create(violation_occurred_on=add_years(today(), -2).isoformat())
    await bureau.act(within, "file", officers=bureau.officers())
    # 第三十六条: five years where life, health or financial safety was harmed.
    serious = await bureau.create(violation_occurred_on=occurred.isoformat(), serious_harm=True)
    await bureau.act(serious, "file", officers=bureau.officers())


def test_limitation_of_a_leap_day_ends_on_the_28th() -> None:
    assert add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("party_type", "penalty", "expect"),
    [
        ("person", {"kinds": ["warning"]}, 200),
        ("person", {"kinds": ["fine"], "fine_amount": "200.00"}, 200),
        ("person", {"kinds": ["fine"], "fine_amount": "200.01"}, 422),
        ("organisation", {"kinds": ["warning", "fine"], "fine_amount": "3000"}, 200),
        ("organisation", {"kinds": ["fine"], "fine_amount": "3000.01"}, 422),
        ("person", {"kinds": ["confiscation"], "confiscated": "水果一筐"}, 422),
    ],
)
async def test_decision_on_the_spot_is_limited_to_a_warning_or_a_small_fine(
    bureau: Bureau, party_type: str, penalty: dict[str, Any], expect: int
) -> None:
    case = await bureau.create(party=PARTIES[party_type])
    result = await bureau.act(
        case,
        "decide_on_the_spot",
        expect=expect,
        officers=bureau.officers(),
        penalty=penalty,
        decision_number=decision_number(),
        legal_basis=LEGAL_BASIS,
    )
    if expect == 422:
        assert result["code"] == "guard_failed" and "第五十一条" in result["detail"]
    else:
        assert result["status"] == "decided" and result["procedure"] == "simple"
        assert result["filed_at"] is None and result["clock_status"] == "running"


async def test_dismissal_is_terminal(bureau: Bureau) -> None:
    case = await bureau.create()
    dismissed = await bureau.act(case, "dismiss", who=bureau.leader, reason="证据不足，不予立案")
    assert dismissed["status"] == "dismissed" and dismissed["allowed_actions"] == []
    assert dismissed["disposal_reason"] == "证据不足，不予立案"
    await bureau.act(case, "file", expect=409, officers=bureau.officers())


async def test_legal_review_can_return_the_case_for_more_investigation(bureau: Bureau) -> None:
    case = await bureau.in_review()
    returned = await bureau.act(case, "return_review", reason="证据不足，补充调查")
    assert returned["status"] == "investigating" and returned["clock_status"] == "running"
    assert returned["review_opinion"] == "证据不足，补充调查"


# Prior notice, statement and hearing


async def test_hearing_for_a_large_fine_then_decision(bureau: Bureau) -> None:
    case = await bureau.notified(LARGE_FINE)
    assert "request_hearing" in case["allowed_actions"]
    hearing = await bureau.act(case, "request_hearing")
    assert hearing["status"] == "hearing" and hearing["hearing_requested"] is True
    pending = await bureau.act(case, "conclude_hearing", record="听证笔录：当事人陈述……")
    assert pending["status"] == "pending_decision" and pending["hearing_record"]
    decided = await bureau.act(
        case, "decide", penalty={"kinds": ["fine"], "fine_amount": "8000.00"},
        decision_number=decision_number(),
    )  # fmt: skip
    assert decided["status"] == "decided" and decided["penalty"]["fine_amount"] == "8000.00"


@pytest.mark.parametrize(
    ("party_type", "penalty", "qualifies"),
    [
        ("person", {"kinds": ["fine"], "fine_amount": "9999.99"}, False),
        ("person", {"kinds": ["fine"], "fine_amount": "10000.00"}, True),
        ("organisation", {"kinds": ["fine"], "fine_amount": "99999.99"}, False),
        ("organisation", {"kinds": ["fine"], "fine_amount": "100000.00"}, True),
        ("organisation", {"kinds": ["suspension"]}, True),
        ("person", {"kinds": ["licence_revocation"]}, True),
        ("person", {"kinds": ["warning"]}, False),
    ],
)
async def test_hearing_only_for_large_fines_suspension_or_revocation(
    bureau: Bureau, party_type: str, penalty: dict[str, Any], qualifies: bool
) -> None:
    case = await bureau.notified(penalty, party=PARTIES[party_type])
    assert ("request_hearing" in case["allowed_actions"]) is qualifies
    result = await bureau.act(case, "request_hearing", expect=200 if qualifies else 422)
    if not qualifies:
        assert "第六十三条" in result["detail"]


@pytest.fixture
async def lower_person_threshold(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    monkeypatch.setattr(get_settings(), "hearing_threshold_person", Decimal("5000"))
    yield


async def test_large_amount_threshold_is_configurable(
    bureau: Bureau, lower_person_threshold: None
) -> None:
    case = await bureau.notified({"kinds": ["fine"], "fine_amount": "5000.00"})
    await bureau.act(case, "request_hearing")


async def test_hearing_request_after_five_working_days_is_refused(bureau: Bureau, app: Any) -> None:
    case = await bureau.notified(LARGE_FINE)
    await move_dates(app, case, statement_window_until=utcnow() - timedelta(minutes=1))
    view = (await bureau.get(case)).json()
    assert "request_hearing" not in view["allowed_actions"]
    problem = await bureau.act(case, "request_hearing", expect=422)
    assert problem["code"] == "guard_failed" and "5 working days" in problem["detail"]
    pending = await bureau.act(case, "proceed")
    assert pending["status"] == "pending_decision" and pending["statement_waived"] is False


async def test_proceeding_inside_the_window_needs_the_partys_waiver(bureau: Bureau) -> None:
    case = await bureau.notified()
    problem = await bureau.act(case, "proceed", expect=422)
    assert "waived" in problem["detail"] and "第六十四条" in problem["detail"]
    await bureau.act(case, "proceed", waived=True)


async def test_notice_cannot_be_dated_in_the_future(bureau: Bureau) -> None:
    case = await bureau.in_review()
    await bureau.act(case, "pass_review", opinion="同意")
    later = (utcnow() + timedelta(days=1)).isoformat()
    problem = await bureau.act(case, "notify", expect=422, notified_at=later)
    assert "future" in problem["detail"]


# The decision


@pytest.mark.parametrize(
    "heavier",
    [
        {"kinds": ["warning", "fine"], "fine_amount": "5000.01"},
        {"kinds": ["warning", "fine", "suspension"], "fine_amount": "5000.00"},
        {"kinds": ["confiscation"], "confiscated": "摊位设施"},
    ],
)
async def test_a_penalty_heavier_than_the_one_notified_is_refused(
    bureau: Bureau, heavier: dict[str, Any]
) -> None:
    case = await bureau.pending(WARNING_AND_FINE)
    problem = await bureau.act(
        case, "decide", expect=422, penalty=heavier, decision_number=decision_number()
    )
    assert problem["code"] == "guard_failed" and "第六十二条" in problem["detail"]


async def test_a_lighter_penalty_than_notified_may_be_decided(bureau: Bureau) -> None:
    case = await bureau.pending(WARNING_AND_FINE)
    decided = await bureau.act(
        case, "decide", penalty={"kinds": ["fine"], "fine_amount": "3000"},
        decision_number=decision_number(),
    )  # fmt: skip
    assert decided["penalty"]["fine_amount"] == "3000.00"


@pytest.mark.parametrize("action", ["decide", "decide_on_the_spot"])
async def test_reusing_a_decision_number_is_a_conflict(bureau: Bureau, action: str) -> None:
    taken = (await bureau.decided())["decision_number"]
    if action == "decide":
        case, body = await bureau.pending(), {"penalty": WARNING_AND_FINE}
    else:
        case = await bureau.create()
        body = {"officers": bureau.officers(), "penalty": {"kinds": ["warning"]},
                "legal_basis": LEGAL_BASIS}  # fmt: skip
    problem = await bureau.act(case, action, expect=409, decision_number=taken, **body)
    assert problem["code"] == "decision_number_taken" and taken in problem["detail"]
    assert (await bureau.get(case)).json()["status"] == case["status"]


async def test_two_simultaneous_decisions_with_one_number_let_exactly_one_win(
    bureau: Bureau,
) -> None:
    cases = [await bureau.pending(), await bureau.pending()]
    number = decision_number()
    api = bureau.world.as_(bureau.leader)

    async def decide(case: dict[str, Any]) -> Any:
        return await api.post(
            f"/api/v1/cases/{case['id']}/actions/decide",
            json={"penalty": WARNING_AND_FINE, "decision_number": number},
        )

    responses = await asyncio.gather(*(decide(case) for case in cases))
    assert sorted(r.status_code for r in responses)[0] == 200, [r.text for r in responses]
    winner, loser = sorted(responses, key=lambda r: r.status_code)
    # SQLite serialises writers: the later one may find the database locked (503, retried).
    assert loser.status_code in ({409} if IS_POSTGRES else {409, 503}), loser.text
    if loser.status_code == 409:
        assert loser.json()["code"] == "decision_number_taken"
    assert winner.json()["decision_number"] == number
    lost = next(case for case in cases if case["id"] != winner.json()["id"])
    assert (await bureau.get(lost)).json()["status"] == "pending_decision"


async def test_two_simultaneous_filings_of_one_case_let_exactly_one_win(bureau: Bureau) -> None:
    # Filing writes the officers' rows before the case row: found by the soak run as a 500.
    case = await bureau.create()
    api = bureau.world.as_(bureau.inspector)
    responses = await asyncio.gather(
        *(
            api.post(
                f"/api/v1/cases/{case['id']}/actions/file", json={"officers": bureau.officers()}
            )
            for _ in range(2)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes[0] == 200 and codes[1] in ({409} if IS_POSTGRES else {409, 503}), codes
    events = await bureau.events(case)
    assert [event["action"] for event in events] == ["created", "file"]


async def test_no_penalty_decision_closes_the_case(bureau: Bureau) -> None:
    case = await bureau.pending()
    closed = await bureau.act(case, "decide_no_penalty", reason="初次违法且危害后果轻微并及时改正")
    assert closed["status"] == "closed" and closed["disposition"] == "no_penalty"
    assert closed["penalty"] is None and closed["clock_status"] == "stopped"
    assert "revoke" in (await bureau.get(case, bureau.supervisor)).json()["allowed_actions"]


@pytest.mark.parametrize("stage", ["investigating", "pending_decision"])
async def test_transfer_to_the_police_is_terminal(bureau: Bureau, stage: str) -> None:
    case = await bureau.filed() if stage == "investigating" else await bureau.pending()
    transferred = await bureau.act(case, "transfer", to="police", reason="涉嫌犯罪，移送公安机关")
    assert transferred["status"] == "transferred" and transferred["transferred_to"] == "police"
    assert transferred["allowed_actions"] == []
    await bureau.act(case, "extend", expect=409, reason="x", days=10)


async def test_leader_extends_the_decision_deadline(bureau: Bureau) -> None:
    case = await bureau.filed()
    await bureau.act(case, "extend", who=bureau.inspector, expect=403, reason="案情复杂", days=30)
    extended = await bureau.act(case, "extend", reason="案情复杂，经负责人批准", days=30)
    assert extended["status"] == "investigating" and extended["extended_days"] == 30
    moved = datetime.fromisoformat(extended["due_at"]) - datetime.fromisoformat(case["due_at"])
    assert timedelta(days=28) <= moved <= timedelta(days=37)
    await bureau.act(case, "extend", expect=422, reason="x", days=91)


async def test_a_decision_after_ninety_days_is_recorded_as_late(bureau: Bureau, app: Any) -> None:
    case = await bureau.pending()
    await move_dates(app, case, due_at=utcnow() - timedelta(days=1))
    assert (await bureau.get(case)).json()["is_overdue"] is True
    decided = await bureau.act(
        case, "decide", penalty=WARNING_AND_FINE, decision_number=decision_number()
    )
    assert decided["decided_late"] is True
    assert decided["is_overdue"] is False  # the service deadline has only begun


# Service, payment and enforcement


async def test_late_service_is_allowed_but_flagged_overdue(bureau: Bureau, app: Any) -> None:
    case = await bureau.decided()
    past = utcnow() - timedelta(days=12)
    await move_dates(app, case, decided_at=past, due_at=past + timedelta(days=9))
    assert (await bureau.get(case)).json()["is_overdue"] is True
    served = await bureau.act(case, "serve", method="by_post", served_at=utcnow().isoformat())
    assert served["status"] == "served" and served["served_late"] is True
    assert served["is_overdue"] is True and served["clock_status"] == "stopped"
    listed = await bureau.world.as_(bureau.inspector).get(
        "/api/v1/cases", params={"is_overdue": "true"}
    )
    assert [c["id"] for c in listed.json()["items"]] == [case["id"]]


async def test_late_payment_owes_three_percent_a_day(bureau: Bureau, app: Any) -> None:
    case = await bureau.served()
    await move_dates(app, case, payment_due_on=today() - timedelta(days=5))
    view = (await bureau.get(case)).json()
    assert view["late_surcharge"] == "750.00" and view["amount_due"] == "5750.00"
    problem = await bureau.act(
        case, "record_payment", expect=422, amount="5000.00", paid_at=utcnow().isoformat()
    )
    assert "5750.00" in problem["detail"] and "第七十二条" in problem["detail"]
    paid = await bureau.act(case, "record_payment", amount="5750.00", paid_at=utcnow().isoformat())
    assert paid["status"] == "executed"
    assert paid["payment"]["paid_amount"] == "5750.00"
    assert paid["payment"]["late_surcharge"] == "750.00"


async def test_a_long_overdue_fine_owes_at_most_twice_the_fine(bureau: Bureau, app: Any) -> None:
    case = await bureau.served()
    await move_dates(app, case, payment_due_on=today() - timedelta(days=40))
    view = (await bureau.get(case)).json()
    assert view["late_surcharge"] == "5000.00" and view["amount_due"] == "10000.00"
    await bureau.act(case, "record_payment", amount="10000.00", paid_at=utcnow().isoformat())


async def test_an_appeal_pauses_the_surcharge(bureau: Bureau, app: Any) -> None:
    case = await bureau.served()
    await move_dates(
        app,
        case,
        served_at=utcnow() - timedelta(days=40),
        payment_due_on=today() - timedelta(days=20),
    )
    await bureau.act(
        case, "conclude_appeal", expect=422, outcome="upheld", concluded_on="2026-01-01"
    )
    appealed = await bureau.act(
        case,
        "record_appeal",
        kind="administrative_review",
        filed_on=(today() - timedelta(days=15)).isoformat(),
    )
    assert appealed["status"] == "served" and appealed["appeal_pending"] is True
    assert set(appealed["allowed_actions"]) >= {"conclude_appeal", "record_payment"}
    assert "record_appeal" not in appealed["allowed_actions"]
    # 第七十三条: 4 days accrued before the review was filed; none since.
    assert appealed["late_surcharge"] == "600.00"
    concluded = await bureau.act(
        case,
        "conclude_appeal",
        outcome="upheld",
        concluded_on=(today() - timedelta(days=6)).isoformat(),
    )
    assert concluded["appeal_pending"] is False
    assert concluded["appeals"] == [
        {
            "kind": "administrative_review",
            "filed_on": (today() - timedelta(days=15)).isoformat(),
            "concluded_on": (today() - timedelta(days=6)).isoformat(),
            "outcome": "upheld",
        }
    ]
    # 20 days overdue, 10 of them (filing to conclusion, both days) under review.
    assert concluded["late_surcharge"] == "1500.00"
    await bureau.act(case, "record_payment", amount="6500.00", paid_at=utcnow().isoformat())


async def test_court_enforcement_after_the_due_date_then_payment(bureau: Bureau, app: Any) -> None:
    case = await bureau.served()
    view = (await bureau.get(case, bureau.leader)).json()
    assert "apply_enforcement" not in view["allowed_actions"]
    problem = await bureau.act(case, "apply_enforcement", expect=422, court="朝阳区人民法院")
    assert "第七十二条" in problem["detail"]
    await move_dates(app, case, payment_due_on=today() - timedelta(days=1))
    applied = await bureau.act(case, "apply_enforcement", court="朝阳区人民法院")
    assert applied["status"] == "enforcement_applied"
    assert applied["enforcement_court"] == "朝阳区人民法院"
    executed = await bureau.act(
        case, "record_payment", amount="5150.00", paid_at=utcnow().isoformat()
    )
    assert executed["status"] == "executed"
    closed = await bureau.act(case, "close")
    assert closed["status"] == "closed"


async def test_a_warning_is_executed_with_nothing_to_pay(bureau: Bureau) -> None:
    case = await bureau.served({"kinds": ["warning"]})
    assert case["payment_due_on"] is None and case["amount_due"] is None
    executed = await bureau.act(case, "record_payment", amount="0.00", paid_at=utcnow().isoformat())
    assert executed["status"] == "executed"


# Supervision


async def test_supervisor_revokes_a_closed_decision_and_history_is_kept(bureau: Bureau) -> None:
    case = await bureau.served()
    await bureau.act(case, "record_payment", amount="5000.00", paid_at=utcnow().isoformat())
    closed = await bureau.act(case, "close")
    await bureau.act(case, "revoke", who=bureau.leader, expect=403, reason="自行撤销")
    revoked = await bureau.act(case, "revoke", reason="适用法律错误，有错必纠")
    assert revoked["status"] == "investigating" and revoked["revoke_count"] == 1
    assert revoked["penalty"] is None and revoked["decision_number"] is None
    assert revoked["payment"] is None and revoked["disposition"] is None
    assert revoked["clock_status"] == "running"
    history = await bureau.events(case)
    assert [e["action"] for e in history][-4:] == ["serve", "record_payment", "close", "revoke"]
    revocation = history[-1]
    assert revocation["payload"]["reason"] == "适用法律错误，有错必纠"
    assert revocation["changes"]["decision_number"] == {
        "before": closed["decision_number"],
        "after": None,
    }
    assert revocation["changes"]["penalty_fine_amount"]["before"] == "5000.00"
    # The case is investigated again and may be decided anew.
    await bureau.act(
        case, "conclude", facts="重新查明。", legal_basis=LEGAL_BASIS,
        proposed_penalty={"kinds": ["warning"]},
    )  # fmt: skip


# Hotline tickets taken up as cases


async def test_escalating_a_ticket_creates_a_case_linked_both_ways(
    bureau: Bureau, world: World
) -> None:
    operator = await world.user("operator")
    handler = await world.user("handler", department=bureau.brigade)
    other_handler = await world.user("handler", department=await world.department("HD-CG"))
    created = await world.as_(operator).post("/api/v1/tickets", json=ticket_body())
    ticket = created.json()
    ticket_url = f"/api/v1/tickets/{ticket['id']}"
    await world.as_(operator).post(
        f"{ticket_url}/actions/dispatch", json={"department_id": str(bureau.brigade["id"])}
    )
    signed = (await world.as_(handler).post(f"{ticket_url}/actions/sign")).json()
    assert "escalate" in signed["allowed_actions"]
    escalation = {
        "party": PERSON,
        "violation_occurred_on": (today() - timedelta(days=1)).isoformat(),
    }
    refused = await world.as_(other_handler).post(f"{ticket_url}/actions/escalate", json=escalation)
    assert refused.status_code == 404

    response = await world.as_(handler).post(f"{ticket_url}/actions/escalate", json=escalation)
    assert response.status_code == 200, response.text
    escalated = response.json()
    assert escalated["status"] == "in_progress"
    assert escalated["resolution_mode"] == "enforcement" and escalated["related_case_id"]
    assert "escalate" not in escalated["allowed_actions"]

    case = (await bureau.get({"id": escalated["related_case_id"]})).json()
    assert case["status"] == "registered" and case["source"] == "ticket"
    assert case["source_ticket_id"] == ticket["id"]
    assert case["department_id"] == str(bureau.brigade["id"])
    assert case["title"] == ticket["title"] and case["facts"] == ticket["content"]
    assert case["party"]["id_number"] == PERSON["id_number"]

    ticket_events = (await world.as_(operator).get(f"{ticket_url}/events")).json()["items"]
    assert ticket_events[-1]["action"] == "escalate"
    assert ticket_events[-1]["payload"]["case_id"] == case["id"]
    assert PERSON["id_number"] not in str(ticket_events)
    case_events = await bureau.events(case)
    assert case_events[0]["action"] == "created"
    assert case_events[0]["actor"]["id"] == str(handler.id)
    assert case_events[0]["payload"]["source_ticket_id"] == ticket["id"]

    again = await world.as_(handler).post(f"{ticket_url}/actions/escalate", json=escalation)
    assert again.status_code == 422 and again.json()["code"] == "guard_failed"


# Who sees what


async def test_another_departments_cases_are_404(bureau: Bureau) -> None:
    case = await bureau.create()
    outsider = bureau.world.as_(bureau.outsider)
    assert (await bureau.get(case, bureau.outsider)).status_code == 404
    assert (await outsider.get(f"/api/v1/cases/{case['id']}/events")).status_code == 404
    assert (await outsider.get("/api/v1/cases")).json()["items"] == []
    await bureau.act(case, "file", who=bureau.outsider, expect=404, officers=bureau.officers())
    patch = await outsider.patch(f"/api/v1/cases/{case['id']}", json={"title": "改"})
    assert patch.status_code == 404


async def test_only_inspectors_and_leaders_register_cases(bureau: Bureau) -> None:
    for who in (bureau.reviewer, bureau.supervisor):
        response = await bureau.world.as_(who).post("/api/v1/cases", json=case_body())
        assert response.status_code == 403
    await bureau.create(who=bureau.leader)


async def test_legal_reviewers_see_cases_in_review_and_those_they_reviewed(
    bureau: Bureau, world: World
) -> None:
    other_reviewer = await world.user("legal_reviewer")
    case = await bureau.filed()
    assert (await bureau.get(case, bureau.reviewer)).status_code == 404
    await bureau.act(
        case, "conclude", facts="查明", legal_basis=LEGAL_BASIS, proposed_penalty=WARNING_AND_FINE
    )
    queue = (await world.as_(bureau.reviewer).get("/api/v1/cases")).json()["items"]
    assert [c["id"] for c in queue] == [case["id"]]
    assert queue[0]["allowed_actions"] == ["pass_review", "return_review"]
    await bureau.act(case, "pass_review", opinion="同意")
    assert (await bureau.get(case, bureau.reviewer)).status_code == 200
    assert (await bureau.get(case, other_reviewer)).status_code == 404


async def test_party_data_is_masked_outside_the_department(bureau: Bureau) -> None:
    case = await bureau.create()
    patched = await bureau.world.as_(bureau.inspector).patch(
        f"/api/v1/cases/{case['id']}", json={"party": {**PERSON, "phone": "13900001111"}}
    )
    assert patched.status_code == 200 and patched.json()["party"]["phone"] == "13900001111"
    await bureau.act(case, "file", officers=bureau.officers())
    await bureau.act(
        case, "conclude", facts="查明", legal_basis=LEGAL_BASIS, proposed_penalty=WARNING_AND_FINE
    )
    masked = (await bureau.get(case, bureau.reviewer)).json()["party"]
    assert masked == {
        "type": "person",
        "name": "张**",
        "id_number": "110101********1237",
        "address": PERSON["address"],
        "phone": "139****1111",
    }
    history = str(await bureau.events(case, bureau.reviewer))
    for secret in ("张三丰", PERSON["id_number"], "13812345678", "13900001111"):
        assert secret not in history
    assert "110101********1237" in history
    for insider in (bureau.inspector, bureau.leader, bureau.supervisor):
        assert (await bureau.get(case, insider)).json()["party"]["name"] == "张三丰"
    assert "13900001111" in str(await bureau.events(case, bureau.leader))


async def test_an_organisations_name_is_not_masked(bureau: Bureau) -> None:
    case = await bureau.in_review(party=COMPANY)
    party = (await bureau.get(case, bureau.reviewer)).json()["party"]
    assert party["name"] == "某某餐饮有限公司" and party["id_number"] == "911101********XK2J"


async def test_details_are_editable_only_until_the_investigation_concludes(
    bureau: Bureau,
) -> None:
    case = await bureau.filed()
    api = bureau.world.as_(bureau.inspector)
    url = f"/api/v1/cases/{case['id']}"
    measures = [{"type": "seizure", "started_on": today().isoformat(),
                 "ends_on": (today() + timedelta(days=30)).isoformat()}]  # fmt: skip
    edited = await api.patch(url, json={"measures": measures, "legal_basis": LEGAL_BASIS})
    assert edited.status_code == 200 and edited.json()["measures"][0]["type"] == "seizure"
    dates = await api.patch(url, json={"violation_occurred_on": "2020-01-01"})
    assert dates.status_code == 422 and "第三十六条" in dates.json()["detail"]
    too_long = [{**measures[0], "ends_on": (today() + timedelta(days=61)).isoformat()}]
    assert (await api.patch(url, json={"measures": too_long})).status_code == 422
    assert (await api.patch(url, json={"status": "closed"})).status_code == 422
    refused_null = await api.patch(url, json={"title": None})
    assert refused_null.status_code == 422 and "title cannot be null" in refused_null.text
    cleared = await api.patch(url, json={"legal_basis": None})
    assert cleared.status_code == 200 and cleared.json()["title"] == case["title"]
    assert cleared.json()["legal_basis"] is None
    supervisor_edit = await bureau.world.as_(bureau.supervisor).patch(url, json={"title": "x"})
    assert supervisor_edit.status_code == 403
    await bureau.act(
        case, "conclude", facts="查明", legal_basis=LEGAL_BASIS, proposed_penalty=WARNING_AND_FINE
    )
    frozen = await api.patch(url, json={"title": "改标题"})
    assert frozen.status_code == 422 and frozen.json()["code"] == "not_editable"


async def test_registration_checks_dates_and_category(bureau: Bureau) -> None:
    api = bureau.world.as_(bureau.inspector)
    backwards = case_body(discovered_on=(today() - timedelta(days=10)).isoformat())
    assert (await api.post("/api/v1/cases", json=backwards)).json()["code"] == "invalid_dates"
    unknown = await api.post("/api/v1/cases", json=case_body(category_code="nope"))
    assert unknown.json()["code"] == "unknown_category"
    from_ticket = await api.post("/api/v1/cases", json=case_body(source="ticket"))
    assert from_ticket.status_code == 422


@pytest.mark.parametrize(
    ("party_type", "id_number", "accepted"),
    [
        ("person", PERSON["id_number"], True),
        ("person", "11010519491231002x", True),  # GB 11643's own example, lower-case x
        ("person", "110101199001011234", False),  # wrong check digit
        ("person", "110101199002301237", False),  # 30 February
        ("person", COMPANY["id_number"], False),
        ("organisation", COMPANY["id_number"], True),
        ("organisation", COMPANY["id_number"].lower(), True),
        ("organisation", "91110105MA01C3XK2Y", False),  # wrong check character
        ("organisation", PERSON["id_number"], False),
        ("person", None, True),  # a party who gave no number
    ],
)
async def test_party_id_numbers_are_validated_by_their_check_digit(
    bureau: Bureau, party_type: str, id_number: str | None, accepted: bool
) -> None:
    party = {**PARTIES[party_type], "id_number": id_number}
    response = await bureau.world.as_(bureau.inspector).post(
        "/api/v1/cases", json=case_body(party=party)
    )
    assert response.status_code == (201 if accepted else 422), response.text
    if accepted:
        seen = response.json()["party"]["id_number"]
        assert seen == (id_number.upper() if id_number else None)
    else:
        problem = response.json()
        assert problem["errors"][0]["loc"][:2] == ["body", "party"]
        assert "check" in problem["errors"][0]["msg"]


async def test_edits_and_escalations_check_the_partys_id_number_too(
    bureau: Bureau, world: World
) -> None:
    wrong = {**PERSON, "id_number": "110101199001011234"}
    case = await bureau.create()
    patched = await world.as_(bureau.inspector).patch(
        f"/api/v1/cases/{case['id']}", json={"party": wrong}
    )
    assert patched.status_code == 422 and "GB 11643" in patched.text
    operator = await world.user("operator")
    handler = await world.user("handler", department=bureau.brigade)
    ticket = (await world.as_(operator).post("/api/v1/tickets", json=ticket_body())).json()
    url = f"/api/v1/tickets/{ticket['id']}"
    await world.as_(operator).post(
        f"{url}/actions/dispatch", json={"department_id": str(bureau.brigade["id"])}
    )
    await world.as_(handler).post(f"{url}/actions/sign")
    escalation = {"party": wrong, "violation_occurred_on": today().isoformat()}
    refused = await world.as_(handler).post(f"{url}/actions/escalate", json=escalation)
    assert refused.status_code == 422 and "GB 11643" in refused.text


# Money


async def test_money_is_a_two_decimal_string_never_a_float(bureau: Bureau) -> None:
    case = await bureau.in_review({"kinds": ["fine"], "fine_amount": 1234.5})
    assert case["proposed_penalty"]["fine_amount"] == "1234.50"
    too_precise = {"kinds": ["fine"], "fine_amount": "10.001"}
    other = await bureau.filed()
    await bureau.act(
        other, "conclude", expect=422, facts="x", legal_basis=LEGAL_BASIS,
        proposed_penalty=too_precise,
    )  # fmt: skip
    no_amount = {"kinds": ["fine"]}
    await bureau.act(
        other, "conclude", expect=422, facts="x", legal_basis=LEGAL_BASIS,
        proposed_penalty=no_amount,
    )  # fmt: skip
    events = await bureau.events(case)
    assert events[-1]["payload"]["proposed_penalty"]["fine_amount"] == "1234.50"
    assert events[-1]["changes"]["proposed_fine_amount"]["after"] == "1234.50"


# Lists and statistics


async def _on_the_spot(
    bureau: Bureau, officers: list[Person], party: dict[str, Any], fine: str
) -> dict[str, Any]:
    case = await bureau.create(party=party)
    return await bureau.act(
        case,
        "decide_on_the_spot",
        officers=bureau.officers(*officers),
        penalty={"kinds": ["fine"], "fine_amount": fine},
        decision_number=decision_number(),
        legal_basis=LEGAL_BASIS,
    )


async def test_list_filters_by_officer_fine_party_and_keyword(bureau: Bureau, world: World) -> None:
    third = await world.user("inspector", department=bureau.brigade)
    small = await _on_the_spot(bureau, [bureau.inspector, bureau.partner], PERSON, "200")
    large = await _on_the_spot(bureau, [bureau.inspector, third], COMPANY, "3000")
    await bureau.create()

    async def ids(who: Person = bureau.inspector, **params: Any) -> list[str]:
        response = await world.as_(who).get("/api/v1/cases", params=params)
        assert response.status_code == 200, response.text
        return [case["id"] for case in response.json()["items"]]

    assert await ids(officer_id=str(bureau.partner.id)) == [small["id"]]
    assert await ids(officer_id=str(bureau.inspector.id)) == [large["id"], small["id"]]
    assert await ids(fine_min="1000") == [large["id"]]
    assert await ids(fine_max="200.00") == [small["id"]]
    assert await ids(fine_min="200", fine_max="3000", status="decided") == [
        large["id"],
        small["id"],
    ]
    assert await ids(q=small["decision_number"]) == [small["id"]]
    assert len(await ids(party_id_number=PERSON["id_number"].lower())) == 2
    assert await ids(party_id_number=COMPANY["id_number"]) == [large["id"]]
    assert await ids(bureau.outsider, party_id_number=PERSON["id_number"]) == []
    bad = await world.as_(bureau.inspector).get("/api/v1/cases", params={"fine_min": "1.001"})
    assert bad.status_code == 422


async def test_statistics_count_what_the_bureau_reports(bureau: Bureau, world: World) -> None:
    await _on_the_spot(bureau, [bureau.inspector, bureau.partner], PERSON, "200")
    dismissed = await bureau.create()
    await bureau.act(dismissed, "dismiss", reason="不予立案")
    transferred = await bureau.filed()
    await bureau.act(transferred, "transfer", to="judicial", reason="移送")
    no_penalty = await bureau.pending()
    await bureau.act(no_penalty, "decide_no_penalty", reason="首违不罚")
    paid = await bureau.served()
    await bureau.act(paid, "record_payment", amount="5000.00", paid_at=utcnow().isoformat())
    measured = await bureau.create(
        category_code="weifa_jianshe",
        measures=[{"type": "seizure", "started_on": today().isoformat(),
                   "ends_on": today().isoformat()}],
    )  # fmt: skip
    await bureau.act(measured, "file", officers=bureau.officers())

    response = await world.as_(bureau.supervisor).get(
        "/api/v1/stats/cases", params={"group_by": "category"}
    )
    assert response.status_code == 200, response.text
    rows = {row["group"]: row for row in response.json()["rows"]}
    street = rows["zhandao_jingying"]
    assert street["registered"] == 5 and street["filed"] == 3
    assert street["simple_procedure"] == 1 and street["dismissed"] == 1
    assert street["decided"] == 2 and street["no_penalty"] == 1
    assert street["penalties_by_kind"] == {
        "warning": 1, "fine": 2, "confiscation": 0, "suspension": 0,
        "licence_revocation": 0, "other": 0,
    }  # fmt: skip
    assert street["fines_decided"] == "5200.00" and street["fines_collected"] == "5000.00"
    assert street["transferred_to_judicial"] == 1 and street["transferred_to_police"] == 0
    assert street["open"] == 2 and street["revoked"] == 0  # decided on the spot, executed
    assert rows["weifa_jianshe"]["measures_taken"] == 1 and rows["weifa_jianshe"]["open"] == 1

    by_status = await world.as_(bureau.outsider).get(
        "/api/v1/stats/cases", params={"group_by": "status"}
    )
    assert by_status.json()["rows"] == []


async def test_case_workflow_is_published(bureau: Bureau) -> None:
    definition = (await bureau.world.as_(bureau.inspector).get("/api/v1/workflows/case")).json()
    assert definition["initial"] == "registered"
    assert {a["name"] for a in definition["actions"]} == {
        "file", "decide_on_the_spot", "dismiss", "conclude", "pass_review", "return_review",
        "notify", "request_hearing", "schedule_hearing", "conclude_hearing", "proceed", "decide",
        "decide_no_penalty", "transfer", "serve", "record_appeal", "conclude_appeal",
        "remind_payment", "apply_enforcement", "record_payment", "close", "revoke", "extend",
    }  # fmt: skip
    assert definition["visibility"]["legal_reviewer"] == "legal_review"


# The surcharge, as a pure function (第七十二条, 第七十三条)

fines = st.decimals(min_value="0.01", max_value="9999999999.99", places=2)


def test_surcharge_examples() -> None:
    assert late_surcharge(Decimal("1000.00"), 1) == Decimal("30.00")
    assert late_surcharge(Decimal("1000.00"), 33) == Decimal("990.00")
    assert late_surcharge(Decimal("1000.00"), 34) == Decimal("1000.00")
    assert late_surcharge(Decimal("0.01"), 1) == Decimal("0.00")
    assert late_surcharge(Decimal("1000.00"), 0) == Decimal("0.00")


@given(fine=fines, days=st.integers(min_value=0, max_value=5000))
def test_the_surcharge_never_exceeds_the_fine_whatever_the_days(fine: Decimal, days: int) -> None:
    surcharge = late_surcharge(fine, days)
    assert Decimal("0") <= surcharge <= fine
    assert surcharge == surcharge.quantize(Decimal("0.01"))


@given(fine=fines, days=st.integers(min_value=0, max_value=5000), more=st.integers(0, 100))
def test_the_surcharge_grows_with_the_days_overdue(fine: Decimal, days: int, more: int) -> None:
    assert late_surcharge(fine, days) <= late_surcharge(fine, days + more)


@given(
    due=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    late=st.integers(min_value=0, max_value=400),
    appeal_start=st.integers(min_value=-30, max_value=400),
    appeal_length=st.integers(min_value=0, max_value=200),
)
def test_appeal_days_are_never_counted(
    due: date, late: int, appeal_start: int, appeal_length: int
) -> None:
    paid = due + timedelta(days=late)
    start = due + timedelta(days=appeal_start)
    appeal = Interval(start, start + timedelta(days=appeal_length))
    with_appeal = surcharge_days(due, paid, [appeal])
    assert with_appeal <= surcharge_days(due, paid) == late
    overlap = max(0, (min(paid, appeal.end or paid) - max(due + timedelta(days=1), start)).days + 1)
    assert with_appeal == late - overlap
    assert surcharge_days(due, paid + timedelta(days=1), [appeal]) >= with_appeal
