"""The prior notice, the party's statement or hearing, and the decision: never heavier than
notified, with a unique number, within 90 days; no penalty, transfer, extension, revocation."""

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.config import Settings, get_settings
from app.models.base import utcnow
from tests.case_bureau import (
    LARGE_FINE,
    LEGAL_BASIS,
    PARTIES,
    WARNING_AND_FINE,
    Bureau,
    decision_number,
    move_dates,
)
from tests.conftest import IS_POSTGRES


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
async def lower_person_threshold(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> AsyncIterator[None]:
    # The app's settings (guards, documents) and, until ``available`` checks take the
    # app's settings, the cached ones they read.
    monkeypatch.setattr(settings, "hearing_threshold_person", Decimal("5000"))
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
