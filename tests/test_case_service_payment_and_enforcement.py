"""After service: payment with the late surcharge (3% a day, at most the fine, paused by an
appeal: 第七十二条, 第七十三条), court enforcement, money as two-decimal strings."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.cases.penalties import (
    Interval,
    late_surcharge,
    surcharge_days,
)
from app.models.base import utcnow
from tests.case_bureau import (
    LEGAL_BASIS,
    Bureau,
    move_dates,
    today,
)


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
