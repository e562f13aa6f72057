"""Official documents (文书): issued by their actions, numbered, rendered, hashed, listed."""

import asyncio
import hashlib
from datetime import date, timedelta
from typing import Any

import pytest

from app.models.base import utcnow
from tests.approval_hall import accepted_application, application_body, make_hall
from tests.case_bureau import COMPANY, LARGE_FINE, LEGAL_BASIS, PERSON, Bureau
from tests.conftest import World
from tests.document_reading import documents, of_kind, pdf_bytes, pdf_text, text_of
from tests.factories import Person, ticket_body


async def case_documents(bureau: Bureau, case: dict[str, Any], who: Person | None = None) -> Any:
    return await documents(bureau.world, who or bureau.inspector, "cases", case)


async def case_pdf(bureau: Bureau, case: dict[str, Any], document: dict[str, Any]) -> str:
    return await pdf_text(bureau.world, bureau.inspector, "cases", case, document)


async def test_decision_letter_carries_every_item_the_law_requires(bureau: Bureau) -> None:
    case = await bureau.decided()
    items = await case_documents(bureau, case)
    assert [item["kind"] for item in items] == ["filing_form", "prior_notice", "penalty_decision"]
    decision = of_kind(items, "penalty_decision")
    assert decision["number"] == case["decision_number"] and decision["action"] == "decide"
    assert decision["template_version"] == 1 and decision["served_state"] == "unserved"
    text = await case_pdf(bureau, case, decision)
    # 行政处罚法 第五十九条: party, facts, kind and basis, performance, remedies, agency, date.
    for expected in (
        case["decision_number"], PERSON["name"], PERSON["id_number"], PERSON["address"],
        "查明当事人占道经营", LEGAL_BASIS["violated"], LEGAL_BASIS["applied"],
        "罚款人民币5000.00元", "警告", "15日内", "六十日内", "六个月内", "第五十九条",
        "朝阳城管执法大队", "（印章）",
    ):  # fmt: skip
        assert expected in text, expected
    today = utcnow().astimezone(bureau.world.app.state.settings.zone).date()
    assert f"{today.year}年{today.month}月{today.day}日" in text


async def test_prior_notice_states_the_intended_penalty_and_the_partys_rights(
    bureau: Bureau,
) -> None:
    small = await bureau.notified()
    text = await case_pdf(
        bureau, small, of_kind(await case_documents(bureau, small), "prior_notice")
    )
    for expected in (
        "陈述和申辩",
        "5个工作日",
        "罚款人民币5000.00元",
        LEGAL_BASIS["applied"],
        "第四十四条",
    ):
        assert expected in text, expected
    assert "听证" not in text  # 第六十三条: no hearing right for this fine
    large = await bureau.notified(LARGE_FINE)
    text = await case_pdf(
        bureau, large, of_kind(await case_documents(bureau, large), "prior_notice")
    )
    assert "有权要求听证" in text and "罚款人民币10000.00元" in text


async def test_a_documents_hash_is_in_the_audit_chain_of_its_record(bureau: Bureau) -> None:
    case = await bureau.decided()
    decision = of_kind(await case_documents(bureau, case), "penalty_decision")
    pdf = await pdf_bytes(bureau.world, bureau.inspector, "cases", case, decision)
    assert hashlib.sha256(pdf).hexdigest() == decision["sha256"]
    decide = next(e for e in await bureau.events(case) if e["action"] == "decide")
    [issued] = decide["payload"]["documents"]
    assert issued["sha256"] == decision["sha256"] and issued["number"] == decision["number"]
    verify = await bureau.world.as_(bureau.supervisor).get(
        "/api/v1/audit/verify", params={"kind": "case", "id": case["id"]}
    )
    assert verify.status_code == 200 and verify.json()["ok"] is True, verify.text


async def test_a_new_decision_supersedes_the_revoked_one_and_both_are_kept(bureau: Bureau) -> None:
    case = await bureau.served()
    await bureau.act(case, "revoke", reason="适用法律错误，有错必纠")
    await bureau.act(
        case, "conclude", facts="重新查明。", legal_basis=LEGAL_BASIS,
        proposed_penalty={"kinds": ["warning"]},
    )  # fmt: skip
    await bureau.act(case, "pass_review", opinion="同意。")
    await bureau.act(case, "notify", notified_at=utcnow().isoformat())
    await bureau.act(case, "proceed", waived=True)
    redecided = await bureau.act(
        case, "decide", penalty={"kinds": ["warning"]}, decision_number="朝城管罚字〔2026〕900号"
    )
    decisions = [d for d in await case_documents(bureau, case) if d["kind"] == "penalty_decision"]
    first, second = decisions
    assert (
        first["number"] == case["decision_number"]
        and second["number"] == redecided["decision_number"]
    )
    assert second["supersedes_id"] == first["id"] and first["superseded_by_id"] == second["id"]
    assert "罚款" in await case_pdf(bureau, case, first)  # the old PDF is unchanged
    assert "罚款" not in await case_pdf(bureau, case, second)


async def test_numbers_follow_the_departments_template_per_kind_and_year(
    bureau: Bureau, admin: Person
) -> None:
    rule = {"template": "{dept_abbr}综执告〔{year}〕{seq}号", "abbreviation": "朝城管"}
    url = f"/api/v1/departments/{bureau.brigade['id']}/document-numbers/prior_notice"
    response = await bureau.world.as_(admin).put(url, json=rule)
    assert response.status_code == 200, response.text
    year = utcnow().astimezone(bureau.world.app.state.settings.zone).year
    numbers = []
    for _ in range(2):
        case = await bureau.notified()
        numbers.append(of_kind(await case_documents(bureau, case), "prior_notice")["number"])
    assert numbers == [f"朝城管综执告〔{year}〕1号", f"朝城管综执告〔{year}〕2号"]
    filing = of_kind(await case_documents(bureau, case), "filing_form")
    assert filing["number"] == f"CY-ZF立〔{year}〕2号"  # the default rule, its own counter


@pytest.mark.parametrize(
    "template", ["{dept_abbr}〔{year}〕号", "{seq}号", "{dept}〔{year}〕{seq}号", "{seq"]
)
async def test_a_number_template_without_year_and_sequence_is_refused(
    bureau: Bureau, admin: Person, template: str
) -> None:
    url = f"/api/v1/departments/{bureau.brigade['id']}/document-numbers/prior_notice"
    response = await bureau.world.as_(admin).put(url, json={"template": template})
    assert response.status_code == 422 and response.json()["code"] == "invalid_number_template"


async def test_two_concurrent_issuers_get_consecutive_numbers(bureau: Bureau) -> None:
    cases = [await bureau.in_review() for _ in range(2)]
    for case in cases:
        await bureau.act(case, "pass_review", opinion="同意。")

    async def notify(case: dict[str, Any]) -> Any:
        return await bureau.world.as_(bureau.inspector).post(
            f"/api/v1/cases/{case['id']}/actions/notify", json={"notified_at": utcnow().isoformat()}
        )

    responses = await asyncio.gather(*(notify(case) for case in cases))
    assert [r.status_code for r in responses] == [200, 200]
    numbers = sorted(
        [of_kind(await case_documents(bureau, case), "prior_notice")["number"] for case in cases]
    )
    year = utcnow().astimezone(bureau.world.app.state.settings.zone).year
    assert numbers == [f"CY-ZF告〔{year}〕1号", f"CY-ZF告〔{year}〕2号"]


async def test_a_replaced_template_makes_the_next_document_and_is_recorded(
    bureau: Bureau, admin: Person
) -> None:
    body = "<p>当事人：{{ party.name }}。本局新版告知书，拟处：{{ penalty }}。</p>"
    response = await bureau.world.as_(admin).post(
        "/api/v1/document-templates", json={"kind": "prior_notice", "body": body, "note": "新版"}
    )
    assert response.status_code == 201 and response.json()["version"] == 2, response.text
    case = await bureau.notified()
    notice = of_kind(await case_documents(bureau, case), "prior_notice")
    assert notice["template_version"] == 2
    assert "本局新版告知书" in await case_pdf(bureau, case, notice)
    broken = await bureau.world.as_(admin).post(
        "/api/v1/document-templates", json={"kind": "prior_notice", "body": "{% if %}"}
    )
    assert broken.status_code == 422 and broken.json()["code"] == "invalid_template"
    clerk = await bureau.world.as_(bureau.inspector).post(
        "/api/v1/document-templates", json={"kind": "prior_notice", "body": body}
    )
    assert clerk.status_code == 403


async def test_who_sees_the_case_but_not_the_party_gets_a_masked_listing_and_no_pdf(
    bureau: Bureau,
) -> None:
    case = await bureau.in_review()
    [filing] = await case_documents(bureau, case, bureau.reviewer)
    assert filing["recipient"] == {"type": "person", "name": "张**"}
    response = await bureau.world.as_(bureau.reviewer).get(
        f"/api/v1/cases/{case['id']}/documents/{filing['id']}/content"
    )
    assert response.status_code == 403
    [full] = await case_documents(bureau, case)
    assert full["recipient"]["name"] == PERSON["name"]
    outsider = await bureau.world.as_(bureau.outsider).get(f"/api/v1/cases/{case['id']}/documents")
    assert outsider.status_code == 404


async def test_the_pdf_is_named_after_its_number(bureau: Bureau) -> None:
    case = await bureau.decided()
    decision = of_kind(await case_documents(bureau, case), "penalty_decision")
    response = await bureau.world.as_(bureau.inspector).get(
        f"/api/v1/cases/{case['id']}/documents/{decision['id']}/content"
    )
    disposition = response.headers["content-disposition"]
    assert "filename*=UTF-8''" in disposition
    from urllib.parse import unquote

    assert unquote(disposition.split("''", 1)[1]) == f"{decision['number']}.pdf"


async def test_an_organisation_decided_on_the_spot_gets_its_decision_letter(bureau: Bureau) -> None:
    case = await bureau.create(party=COMPANY)
    decided = await bureau.act(
        case, "decide_on_the_spot", officers=bureau.officers(), legal_basis=LEGAL_BASIS,
        penalty={"kinds": ["warning"]}, decision_number="朝城管简罚〔2026〕7号",
    )  # fmt: skip
    decision = of_kind(await case_documents(bureau, decided), "penalty_decision")
    text = await case_pdf(bureau, case, decision)
    assert "统一社会信用代码" in text and COMPANY["id_number"] in text and "警告" in text


async def test_hearing_notice_is_issued_seven_days_ahead_and_a_payment_reminder_after_due(
    bureau: Bureau, app: Any
) -> None:
    case = await bureau.notified(LARGE_FINE)
    await bureau.act(case, "request_hearing")
    soon = (utcnow() + timedelta(days=3)).isoformat()
    await bureau.act(case, "schedule_hearing", expect=422, hearing_at=soon, place="第一听证室")
    later = utcnow() + timedelta(days=8)
    await bureau.act(case, "schedule_hearing", hearing_at=later.isoformat(), place="第一听证室")
    notice = of_kind(await case_documents(bureau, case), "hearing_notice")
    assert "第一听证室" in await case_pdf(bureau, case, notice)


async def test_approval_documents_follow_the_application(world: World, admin: Person) -> None:
    hall = await make_hall(world, admin)
    clerk, leader = hall["clerk"], hall["leader"]

    async def act(record: dict[str, Any], action: str, who: Person, **body: Any) -> Any:
        response = await world.as_(who).post(
            f"/api/v1/approvals/{record['id']}/actions/{action}", json=body
        )
        assert response.status_code == 200, response.text
        return response.json()

    created = await world.as_(hall["citizen"]).post(
        "/api/v1/approvals",
        json={
            "service_code": "daolu_wajue", "title": "建国路管线维修临时挖掘道路",
            "applicant": {
                "type": "person", "name": "王建国", "id_number": "11010519491231002X",
                "phone": "13812345678",
            },
            "materials": [{"code": "shenqingshu"}, {"code": "shigong_fangan"}],
        },
    )  # fmt: skip
    application = created.json()
    missing = [{"code": "shigong_fangan", "note": "缺少盖章页"}, {"code": "weituoshu"}]
    await act(application, "request_supplement", clerk, missing_materials=missing)
    notice = of_kind(await documents(world, clerk, "approvals", application), "supplement_notice")
    text = await pdf_text(world, clerk, "approvals", application, notice)
    assert (
        "施工方案" in text
        and "缺少盖章页" in text
        and "授权委托书" in text
        and "一次性告知" in text
    )
    await act(application, "resubmit", hall["citizen"], materials=[{"code": "shigong_fangan"}])
    await act(application, "accept", clerk)
    await act(application, "recommend", hall["reviewer"], opinion="reject")
    await act(application, "reject", leader, reason="施工方案不符合道路安全要求")
    items = await documents(world, hall["citizen"], "approvals", application)
    assert [i["kind"] for i in items] == [
        "supplement_notice",
        "acceptance_notice",
        "rejection_decision",
    ]
    text = await pdf_text(world, hall["citizen"], "approvals", application, items[-1])
    assert "施工方案不符合道路安全要求" in text and "行政复议" in text and "第三十八条" in text
    other = await world.as_(hall["other_clerk"]).get(
        f"/api/v1/approvals/{application['id']}/documents"
    )
    assert other.status_code == 404


async def test_a_ticket_reply_in_writing_issues_a_reply_letter_and_only_then(world: World) -> None:
    department = await world.department("CGJ", name="城管局")
    operator = await world.user("operator")
    handler = await world.user("handler", department=department)
    tickets = []
    for in_writing in (True, False):
        ticket = (await world.as_(operator).post("/api/v1/tickets", json=ticket_body())).json()
        for action, who, body in (
            ("dispatch", operator, {"department_id": str(department["id"])}),
            ("sign", handler, {}),
            ("reply", handler, {
                "reply": "已责令摊贩撤离并加强巡查。", "resolution_mode": "enforcement",
                "in_writing": in_writing,
            }),
        ):  # fmt: skip
            response = await world.as_(who).post(
                f"/api/v1/tickets/{ticket['id']}/actions/{action}", json=body
            )
            assert response.status_code == 200, response.text
        tickets.append(ticket)
    [letter] = await documents(world, operator, "tickets", tickets[0])
    assert letter["kind"] == "reply_letter"
    text = await pdf_text(world, operator, "tickets", tickets[0], letter)
    assert "已责令摊贩撤离并加强巡查" in text and "王女士" in text
    assert await documents(world, operator, "tickets", tickets[1]) == []
    hidden = await world.as_(handler).get(
        f"/api/v1/tickets/{tickets[0]['id']}/documents/{letter['id']}/content"
    )
    assert hidden.status_code == 403


def test_a_document_reads_back_as_a4_text() -> None:
    from app.documents.rendering import Page, render_pdf

    pdf = render_pdf(
        Page("某某局", "测试文书", "某〔2026〕1号", "2026年1月2日", utcnow()), "<p>内容：罚款。</p>"
    )
    assert "某〔2026〕1号" in text_of(pdf) and "罚款" in text_of(pdf)
    assert date.today().year >= 2026


async def test_each_workflow_publishes_its_documents_and_which_action_issues_them(
    bureau: Bureau,
) -> None:
    definition = (await bureau.world.as_(bureau.inspector).get("/api/v1/workflows/case")).json()
    issues = {a["name"]: a["issues"] for a in definition["actions"] if a["issues"]}
    assert issues == {
        "file": ["filing_form"], "notify": ["prior_notice"], "schedule_hearing": ["hearing_notice"],
        "decide_on_the_spot": ["penalty_decision"], "decide": ["penalty_decision"],
        "decide_no_penalty": ["no_penalty_decision"], "remind_payment": ["payment_reminder"],
    }  # fmt: skip
    kinds = {d["kind"]: d for d in definition["documents"]}
    assert kinds["penalty_decision"]["disclosed"] == "penalty_decision"
    assert kinds["filing_form"]["served"] is False and kinds["service_receipt"]["served"] is False
    openapi = (await bureau.world.client.get("/openapi.json")).json()
    decide = openapi["paths"]["/api/v1/cases/{record_id}/actions/decide"]["post"]
    assert "行政处罚决定书 (`penalty_decision`)" in decide["description"]
    for path in (
        "/api/v1/cases/{record_id}/documents",
        "/api/v1/approvals/{record_id}/documents/{document_id}/content",
        "/api/v1/tickets/{record_id}/documents/{document_id}/service",
        "/public/v1/penalty-decisions", "/public/v1/permits/{number}",
    ):  # fmt: skip
        assert path in openapi["paths"], path


async def test_no_penalty_decision_and_payment_reminder_state_their_grounds(
    bureau: Bureau, app: Any
) -> None:
    pending = await bureau.pending()
    await bureau.act(pending, "decide_no_penalty", reason="初次违法且危害后果轻微并及时改正")
    closed = of_kind(await case_documents(bureau, pending), "no_penalty_decision")
    text = await case_pdf(bureau, pending, closed)
    assert (
        "初次违法且危害后果轻微并及时改正" in text and "第三十三条" in text and "行政复议" in text
    )
    served = await bureau.served()
    from tests.case_bureau import move_dates

    await move_dates(app, served, payment_due_on=date.today() - timedelta(days=2))
    await bureau.act(served, "remind_payment")
    reminder = of_kind(await case_documents(bureau, served), "payment_reminder")
    text = await case_pdf(bureau, served, reminder)
    assert served["decision_number"] in text and "第三十五条" in text and "陈述和申辩" in text


async def test_a_correction_is_a_new_document_superseding_the_old_and_both_are_kept(
    bureau: Bureau, client: Any
) -> None:
    case = await bureau.served()
    decision = of_kind(await case_documents(bureau, case), "penalty_decision")
    url = f"/api/v1/cases/{case['id']}/documents/{decision['id']}/corrections"
    body = {
        "reason": "违法事实表述有误",
        "corrections": {"facts": "查明当事人在人行道上占道经营水果摊。"},
    }
    refused = await bureau.world.as_(bureau.reviewer).post(url, json=body)
    assert refused.status_code in (403, 404)
    bad = await bureau.world.as_(bureau.inspector).post(
        url, json={**body, "corrections": {"party": "x"}}
    )
    assert bad.status_code == 422
    response = await bureau.world.as_(bureau.inspector).post(url, json=body)
    assert response.status_code == 201, response.text
    corrected = response.json()
    assert corrected["supersedes_id"] == decision["id"]
    assert corrected["number"] == f"{decision['number']}（更正1）"
    items = await case_documents(bureau, case)
    old = next(i for i in items if i["id"] == decision["id"])
    assert old["superseded_by_id"] == corrected["id"] and old["sha256"] == decision["sha256"]
    assert "人行道上占道经营水果摊" in await case_pdf(bureau, case, corrected)
    assert "人行道上占道经营水果摊" not in await case_pdf(bureau, case, old)
    event = (await bureau.events(case))[-1]
    assert event["action"] == "document_corrected" and event["comment"] == "违法事实表述有误"
    assert event["payload"]["document"]["sha256"] == corrected["sha256"]
    assert old["disclosure"]["status"] == "withdrawn"
    again = await bureau.world.as_(bureau.inspector).post(url, json=body)
    assert again.status_code == 422 and again.json()["code"] == "document_superseded"


async def test_a_name_outside_gb2312_is_written_in_the_document(
    world: World, admin: Person
) -> None:
    # Documents are drawn with the font's GB 2312 subset when it has every character;
    # 喆 and 堃 (GBK, not GB 2312) send the document to the whole font.
    hall = await make_hall(world, admin)
    for name in ("王建国", "陶喆", "李堃"):
        applicant = {**application_body()["applicant"], "name": name}
        application = await accepted_application(world, hall, applicant=applicant)
        listing = await documents(world, hall["clerk"], "approvals", application)
        notice = of_kind(listing, "acceptance_notice")
        assert name in await pdf_text(world, hall["clerk"], "approvals", application, notice)


def test_the_font_subset_serves_common_text_and_the_whole_font_the_rest() -> None:
    from app.documents.common_font import font_for
    from app.documents.rendering import font_path

    full = font_path()
    assert font_for(full, "行政处罚决定书（2026）第1号：罚款。") != full
    assert font_for(full, "当事人陶喆") == full
