"""Service of documents (送达): methods, proof, and the clocks the service date starts."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from app.core.calendar import Period, Unit
from app.documents.jobs import sweep_documents
from app.models.base import utcnow
from app.workflow.engine import agency_calendar
from tests.approval_hall import approved, make_hall
from tests.case_bureau import Bureau, move_dates
from tests.conftest import World
from tests.document_reading import documents, of_kind, pdf_text, serve
from tests.factories import Person


def ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


async def local_day_after(app: Any, moment: datetime, period: Period) -> str:
    async with app.state.sessionmaker() as session:
        calendar = await agency_calendar(session, app.state.settings)
    return calendar.add(moment, period).due_at.astimezone(calendar.zone).date().isoformat()


async def decided_days_ago(bureau: Bureau, days: int) -> tuple[dict[str, Any], dict[str, Any]]:
    case = await bureau.decided()
    await move_dates(bureau.world.app, case, decided_at=ago(days))
    decision = of_kind(
        await documents(bureau.world, bureau.inspector, "cases", case), "penalty_decision"
    )
    return case, decision


async def serve_case(
    bureau: Bureau, case: Any, document: Any, expect: int = 201, **body: Any
) -> Any:
    return await serve(bureau.world, bureau.inspector, "cases", case, document, expect, **body)


async def test_serving_the_decision_in_person_issues_a_receipt_and_starts_the_payment_period(
    bureau: Bureau,
) -> None:
    case, decision = await decided_days_ago(bureau, 5)
    served_at = ago(4)
    service = await serve_case(
        bureau,
        case,
        decision,
        method="in_person",
        served_at=served_at.isoformat(),
        signed_by="张三丰",
    )
    assert service["complete"] is True and service["receipt_document_id"]
    current = (await bureau.get(case)).json()
    assert current["status"] == "served" and current["service_method"] == "in_person"
    assert current["served_at"] == served_at.isoformat().replace("+00:00", "Z") or current[
        "served_at"
    ].startswith(served_at.date().isoformat())
    expected = await local_day_after(bureau.world.app, served_at, Period(15, Unit.natural_days))
    assert current["payment_due_on"] == expected  # 第六十七条: 15 days from service
    items = await documents(bureau.world, bureau.inspector, "cases", case)
    receipt = of_kind(items, "service_receipt")
    assert (
        receipt["id"] == service["receipt_document_id"] and receipt["served_state"] == "not_served"
    )
    assert of_kind(items, "penalty_decision")["served_state"] == "served"
    text = await pdf_text(bureau.world, bureau.inspector, "cases", case, receipt)
    assert (
        "送达回证" in text
        and "直接送达" in text
        and decision["number"] in text
        and "张三丰" in text
    )
    # Who sees the case but not the party sees who signed masked too.
    reviewed = of_kind(
        await documents(bureau.world, bureau.reviewer, "cases", case), "penalty_decision"
    )
    assert reviewed["service"]["signed_by"] == "张**" and reviewed["recipient"]["name"] == "张**"
    serve_event = [e for e in await bureau.events(case) if e["action"] == "serve"][-1]
    assert serve_event["payload"]["service"]["receipt"]["sha256"] == receipt["sha256"]


async def test_service_by_post_counts_from_the_date_the_receipt_was_signed(bureau: Bureau) -> None:
    case, decision = await decided_days_ago(bureau, 10)
    signed = ago(3)
    await serve_case(
        bureau, case, decision, method="by_post", served_at=ago(9).isoformat(),
        receipt_signed_at=signed.isoformat(), signed_by="张三丰",
    )  # fmt: skip
    current = (await bureau.get(case)).json()
    assert current["payment_due_on"] == await local_day_after(
        bureau.world.app, signed, Period(15, Unit.natural_days)
    )


async def test_service_by_publication_is_complete_thirty_days_after_publication(
    bureau: Bureau,
) -> None:
    case, decision = await decided_days_ago(bureau, 3)
    published = ago(2)
    service = await serve_case(
        bureau, case, decision, method="by_publication", served_at=published.isoformat()
    )
    assert service["complete"] is False
    assert (await bureau.get(case)).json()["status"] == "decided"
    listed = of_kind(
        await documents(bureau.world, bureau.inspector, "cases", case), "penalty_decision"
    )
    assert listed["served_state"] == "pending" and listed["service"]["receipt_document_id"] is None
    app = bureau.world.app
    await sweep_documents(
        app.state.sessionmaker,
        app.state.registry,
        now=published + timedelta(days=29),
        settings=app.state.settings,
    )
    assert (await bureau.get(case)).json()["status"] == "decided"
    await sweep_documents(
        app.state.sessionmaker,
        app.state.registry,
        now=published + timedelta(days=31),
        settings=app.state.settings,
    )
    current = (await bureau.get(case)).json()
    assert current["status"] == "served" and current["service_method"] == "by_publication"
    deemed = published + timedelta(days=30)  # 民事诉讼法 第九十五条
    assert current["payment_due_on"] == await local_day_after(
        app, deemed, Period(15, Unit.natural_days)
    )


async def test_the_statement_window_runs_from_the_service_of_the_prior_notice(
    bureau: Bureau,
) -> None:
    case = await bureau.in_review()
    await bureau.act(case, "pass_review", opinion="同意。")
    await move_dates(bureau.world.app, case, reviewed_at=ago(12))
    await bureau.act(case, "notify", notified_at=ago(10).isoformat())
    # Ten days after the notice's date, the window counted from it is over…
    closed = (await bureau.get(case)).json()["statement_window_until"]
    assert datetime.fromisoformat(closed) < utcnow()
    notice = of_kind(await documents(bureau.world, bureau.inspector, "cases", case), "prior_notice")
    signed = ago(1)
    await serve_case(
        bureau, case, notice, method="by_post", served_at=ago(8).isoformat(),
        receipt_signed_at=signed.isoformat(), signed_by="张三丰",
    )  # fmt: skip
    current = (await bureau.get(case)).json()
    assert current["statement_window_until"].startswith(
        await local_day_after(bureau.world.app, signed, Period(5, Unit.working_days))
    )
    # …but served only yesterday, the party still has its five working days (第四十五条).
    refused = await bureau.act(case, "proceed", expect=422, waived=False)
    assert refused["code"] == "guard_failed"


async def test_correcting_the_service_date_recomputes_the_payment_period_with_an_audit_event(
    bureau: Bureau,
) -> None:
    case, decision = await decided_days_ago(bureau, 10)
    first = await serve_case(
        bureau, case, decision, method="in_person", served_at=ago(9).isoformat(), signed_by="张三丰"
    )
    before = (await bureau.get(case)).json()["payment_due_on"]
    again = await serve_case(
        bureau, case, decision, expect=409, method="in_person", served_at=ago(5).isoformat(),
        signed_by="张三丰",
    )  # fmt: skip
    assert again["code"] == "already_served"
    corrected_at = ago(5)
    corrected = await serve_case(
        bureau, case, decision, method="in_person", served_at=corrected_at.isoformat(),
        signed_by="张三丰", correction_reason="送达回证日期记录有误",
    )  # fmt: skip
    assert corrected["corrects_id"] == first["id"]
    after = (await bureau.get(case)).json()["payment_due_on"]
    assert after == await local_day_after(
        bureau.world.app, corrected_at, Period(15, Unit.natural_days)
    )
    assert after != before
    event = (await bureau.events(case))[-1]
    assert event["action"] == "service_corrected"
    assert event["payload"]["correction_reason"] == "送达回证日期记录有误"
    assert event["changes"]["payment_due_on"] == {"before": before, "after": after}
    receipts = [
        d
        for d in await documents(bureau.world, bureau.inspector, "cases", case)
        if d["kind"] == "service_receipt"
    ]
    assert len(receipts) == 2 and receipts[1]["supersedes_id"] == receipts[0]["id"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"method": "electronic"}, "consent"),
        ({"method": "left_at_address"}, "witness"),
        ({"method": "in_person"}, "signed_by"),
        ({"method": "entrusted"}, "signed_by"),
        ({"method": "by_post", "signed_by": "张三丰"}, "receipt_signed_at"),
        ({"method": "by_fax"}, "method"),
    ],
)
async def test_each_method_of_service_needs_what_the_law_asks(
    bureau: Bureau, body: dict[str, Any], message: str
) -> None:
    case, decision = await decided_days_ago(bureau, 2)
    refused = await serve_case(
        bureau, case, decision, expect=422, served_at=ago(1).isoformat(), **body
    )
    assert message in str(refused)


async def test_service_cannot_be_dated_in_the_future_nor_recorded_for_internal_documents(
    bureau: Bureau,
) -> None:
    case, decision = await decided_days_ago(bureau, 2)
    future = (utcnow() + timedelta(days=1)).isoformat()
    await serve_case(
        bureau, case, decision, expect=422, method="electronic", consent=True, served_at=future
    )
    filing = of_kind(await documents(bureau.world, bureau.inspector, "cases", case), "filing_form")
    refused = await serve_case(
        bureau,
        case,
        filing,
        expect=422,
        method="electronic",
        consent=True,
        served_at=ago(1).isoformat(),
    )
    assert refused["code"] == "document_not_served"


async def test_only_the_staff_holding_the_record_record_its_service(bureau: Bureau) -> None:
    case = await bureau.in_review()
    await bureau.act(case, "pass_review", opinion="同意。")
    await bureau.act(case, "notify", notified_at=utcnow().isoformat())
    notice = of_kind(await documents(bureau.world, bureau.inspector, "cases", case), "prior_notice")
    body = {"method": "electronic", "consent": True, "served_at": utcnow().isoformat()}
    await serve(bureau.world, bureau.outsider, "cases", case, notice, 404, **body)


async def test_serving_the_approval_decision_delivers_it_on_the_service_date(
    world: World, admin: Person
) -> None:
    hall = await make_hall(world, admin)
    application = await approved(world, hall, valid_until=date.today() + timedelta(days=90))
    decision = of_kind(
        await documents(world, hall["clerk"], "approvals", application), "approval_decision"
    )
    await serve(
        world,
        hall["citizen"],
        "approvals",
        application,
        decision,
        403,
        method="electronic",
        consent=True,
        served_at=utcnow().isoformat(),
    )
    served_at = utcnow()
    await serve(
        world,
        hall["clerk"],
        "approvals",
        application,
        decision,
        method="electronic",
        consent=True,
        served_at=served_at.isoformat(),
    )
    current = (await world.as_(hall["clerk"]).get(f"/api/v1/approvals/{application['id']}")).json()
    assert current["status"] == "completed" and current["delivery_method"] == "electronic"
    assert datetime.fromisoformat(current["delivered_at"]) == served_at


async def test_a_decision_served_through_the_serve_action_counts_as_served(bureau: Bureau) -> None:
    case = await bureau.served()
    decision = of_kind(
        await documents(bureau.world, bureau.inspector, "cases", case), "penalty_decision"
    )
    assert decision["served_state"] == "served" and decision["service"]["method"] == "in_person"
    assert decision["disclosure"]["status"] == "published"
    again = await serve_case(
        bureau, case, decision, expect=409, method="in_person", served_at=utcnow().isoformat(),
        signed_by="张三丰",
    )  # fmt: skip
    assert again["code"] == "already_served"
